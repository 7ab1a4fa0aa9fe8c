"""Tests of notebook 01's exercise answers and cases."""

from __future__ import annotations

from helpers import profiling_exercises as ex
from helpers.exercises import choose_labels, compare_with_reference, passes


def _slow(orders):  # the stub cell's program, as a learner receives it
    def rate(currency):
        return {code: value for code, value in ex.RATE_ROWS}[currency]
    return [f"{sum(q * p * rate(c) for q, p, c in order):,.2f} EUR" for order in orders]


def test_reference_equals_the_slow_program():
    assert passes(compare_with_reference, _slow, ex.invoice_totals_reference, ex.CASES)


def test_a_wrong_repair_fails():
    def rounded_early(orders):
        rates = dict(ex.RATE_ROWS)
        return [f"{sum(round(q * p * rates[c], 0) for q, p, c in o):,.2f} EUR" for o in orders]
    assert not passes(compare_with_reference, rounded_early, ex.invoice_totals_reference,
                      ex.CASES)


def test_roles_have_three_labels_and_reasons():
    assert set(ex.ROLES.values()) == {"hot spot", "calls the hot spot", "cheap"}
    assert set(ex.WHY) == set(ex.ROLES)
    assert passes(choose_labels, dict(ex.ROLES), ex.ROLES, why=ex.WHY)
    wrong = {**ex.ROLES, "line_total": "hot spot"}
    assert not passes(choose_labels, wrong, ex.ROLES, why=ex.WHY)


def test_orders_are_deterministic_and_use_known_currencies():
    assert ex.make_orders(3, 4) == ex.make_orders(3, 4)
    codes = {code for code, _ in ex.RATE_ROWS}
    assert all(c in codes for order in ex.make_orders(10, 5) for _, _, c in order)
    assert ex.CASES[-1][0][0] == []
