"""Reference answers and cases for notebook 01's exercises (the checks are helpers.exercises).

Exercise 1 profiles an invoicing program (written in the notebook's stub cell) and names the
role of each of its functions; exercise 2 repairs its hot spot and must keep every total equal.

>>> invoice_totals_reference([[(2, 1.5, RATE_ROWS[0][0])]])
['1.50 EUR']
"""

from __future__ import annotations

#: A rates table as a program might read it from a file: (currency code, rate to EUR).
RATE_ROWS = tuple((f"C{i:03d}", round(0.5 + (i * 37 % 100) / 100, 2)) for i in range(400))

ROLES = {
    "invoice_totals": "calls the hot spot",
    "line_total": "calls the hot spot",
    "exchange_rate": "hot spot",
    "format_money": "cheap",
}
WHY = {
    "invoice_totals": "its cumulative time is large, but its own (tottime) is small",
    "line_total": "it calls the hot spot; sort by tottime, not by cumulative time",
    "exchange_rate": "the most own time (tottime): it rebuilds a 400-entry dict on every call",
    "format_money": "called once per order: little time of its own or below it",
}


def make_orders(orders: int, lines: int) -> list[list[tuple[int, float, str]]]:
    """Deterministic orders: each a list of (quantity, unit price, currency) lines."""
    return [[(1 + (o + i) % 5, round(1 + (o * 7 + i * 3) % 50 * 0.5, 2),
              RATE_ROWS[(o * 13 + i * 29) % len(RATE_ROWS)][0]) for i in range(lines)]
            for o in range(orders)]


_RATES = dict(RATE_ROWS)


def invoice_totals_reference(orders: list[list[tuple[int, float, str]]]) -> list[str]:
    """The same totals, with the table built once: what a repaired version must return."""
    return [f"{sum(q * p * _RATES[c] for q, p, c in order):,.2f} EUR" for order in orders]


#: Cases for compare_with_reference: (orders,) tuples, small and large, one empty order.
CASES = [(make_orders(1, 1),), (make_orders(5, 4),), (make_orders(40, 25),),
         ([[], *make_orders(3, 2)],)]
