"""Exercise material for notebook 06 (coordinating threads): accounts and the trials
that ``helpers.exercises.check_behaviour`` runs the learner's code through.

The threads, locks and events being taught are written in the notebook's cells; this module
keeps only what the checkers need: an account whose lock knows its owner (so a checker can
tell that a balance changed without its lock held) and one trial per exercise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

Trial = Callable[[], "str | None"]


class OwnedLock:
    """A ``threading.Lock`` that remembers which thread holds it, for the checkers.

    It lets other threads run right after each acquire (``time.sleep(0)``), so a wrong lock
    order deadlocks at once instead of once in a thousand runs.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner: int | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._lock.acquire(blocking, timeout)
        if got:
            self.owner = threading.get_ident()
            time.sleep(0)
        return got

    def release(self) -> None:
        self.owner = None
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    __enter__ = acquire

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class Account:
    """A balance and its lock; writing the balance without holding the lock is recorded."""

    def __init__(self, number: int, balance: int) -> None:
        self.number, self.lock, self._balance = number, OwnedLock(), balance
        self.unlocked_writes = 0

    @property
    def balance(self) -> int:
        return self._balance

    @balance.setter
    def balance(self, value: int) -> None:
        if self.lock.owner != threading.get_ident():
            self.unlocked_writes += 1
        self._balance = value


def _run_together(targets: list[Callable[[], Any]], timeout: float) -> list[str]:
    """Start one daemon thread per target at the same moment; return the names still stuck."""
    start_line = threading.Barrier(len(targets))

    def run(target: Callable[[], Any]) -> None:
        start_line.wait(timeout=timeout)
        target()

    workers = [threading.Thread(target=run, args=(t,), name=f"trial-{i}", daemon=True)
               for i, t in enumerate(targets)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout  # one deadline for all, not one per thread
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
    return [worker.name for worker in workers if worker.is_alive()]


def withdraw_trial(withdraw: Callable[[Account, int], Any], *, threads: int = 8,
                   balance: int = 50, amount: int = 10) -> Trial:
    """Exercise 1: ``threads`` threads each try to withdraw ``amount`` from one account."""
    def trial() -> str | None:
        account, answers = Account(0, balance), []
        stuck = _run_together([lambda: answers.append(withdraw(account, amount))] * threads,
                              timeout=5)
        if stuck:
            return f"{len(stuck)} thread(s) never returned: is a lock left held?"
        granted = sum(answer is True for answer in answers)
        if any(answer not in (True, False) for answer in answers):
            return f"withdraw must return True or False, got {answers[:3]}…"
        if account.balance < 0 or granted != balance // amount:
            return (f"{granted} withdrawals of {amount} were granted from {balance}, leaving "
                    f"{account.balance}: the check and the withdrawal must be one unit")
        if account.unlocked_writes:
            return "the balance was written without holding account.lock"
        if account.balance != balance - granted * amount:
            return f"the balance is {account.balance}, not {balance - granted * amount}"
        return None

    return trial


def transfer_trial(transfer: Callable[[Account, Account, int], Any], *, rounds: int = 300
                   ) -> Trial:
    """Exercise 2: three threads move money around a cycle at once: a → b 1, b → c 2, c → a 3."""
    def trial() -> str | None:
        a, b, c = (Account(n, 1_000) for n in (2, 0, 1))  # numbers not in creation order

        def around(src: Account, dst: Account, amount: int) -> Callable[[], None]:
            return lambda: [transfer(src, dst, amount) for _ in range(rounds)]

        stuck = _run_together([around(a, b, 1), around(b, c, 2), around(c, a, 3)], timeout=5)
        if stuck:
            return (f"{len(stuck)} of 3 threads were still waiting after 5 s: a deadlock "
                    "(each holds one account's lock and waits for the next one's)")
        if any(x.unlocked_writes for x in (a, b, c)):
            return "a balance was written without holding that account's lock"
        want = (1_000 + 2 * rounds, 1_000 - rounds, 1_000 - rounds)
        if (a.balance, b.balance, c.balance) != want:
            return (f"balances a, b, c = {a.balance}, {b.balance}, {c.balance}; expected "
                    f"{want[0]}, {want[1]}, {want[2]}")
        if any(x.lock.locked() for x in (a, b, c)):
            return "a lock was left held"
        return None

    return trial
