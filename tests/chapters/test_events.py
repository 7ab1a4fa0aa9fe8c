"""Unit tests of helpers.events.answers: the accounts and trials behind notebook 06's exercises."""

import threading
import time

import pytest

from helpers import exercises
from helpers.events import answers


def test_owned_lock_knows_its_owner():
    lock = answers.OwnedLock()
    assert lock.owner is None and not lock.locked()
    with lock:
        assert lock.owner == threading.get_ident() and lock.locked()
    assert lock.owner is None and not lock.locked()
    assert lock.acquire(timeout=0.1) and not lock.acquire(timeout=0.01)
    lock.release()


def test_account_counts_writes_without_its_lock():
    account = answers.Account(1, 10)
    account.balance -= 1
    with account.lock:
        account.balance -= 1
    assert account.balance == 8 and account.unlocked_writes == 1


def withdraw_safe(account, amount):
    with account.lock:
        if account.balance >= amount:
            time.sleep(0)
            account.balance -= amount
            return True
        return False


def withdraw_racy(account, amount):
    if account.balance >= amount:
        time.sleep(0)
        with account.lock:
            account.balance -= amount
        return True
    return False


def withdraw_unlocked(account, amount):
    if account.balance >= amount:
        account.balance -= amount
        return True
    return False


def withdraw_leaks_the_lock(account, amount):
    account.lock.acquire()
    return False


def test_withdraw_trial_accepts_the_solution():
    assert exercises.passes(exercises.check_behaviour, answers.withdraw_trial(withdraw_safe),
                            trials=5, timeout=15)


@pytest.mark.parametrize(("answer", "hint", "trials"), [
    (withdraw_racy, "one unit", 5),
    (withdraw_unlocked, "without holding", 5),
    (lambda account, amount: None, "True or False", 5),
    (withdraw_leaks_the_lock, "never returned", 1),  # each trial waits 5 s for its stuck threads
])
def test_withdraw_trial_explains_wrong_answers(answer, hint, trials, capsys):
    assert not exercises.passes(exercises.check_behaviour, answers.withdraw_trial(answer),
                                trials=trials, timeout=15)
    assert hint in capsys.readouterr().out


def transfer_ordered(src, dst, amount):
    first, second = sorted((src, dst), key=lambda account: account.number)
    with first.lock, second.lock:
        src.balance -= amount
        dst.balance += amount


def transfer_naive(src, dst, amount):
    with src.lock, dst.lock:
        src.balance -= amount
        dst.balance += amount


def transfer_half(src, dst, amount):
    with src.lock:
        src.balance -= amount
    dst.balance += amount


def test_transfer_trial_accepts_the_solution():
    assert exercises.passes(exercises.check_behaviour, answers.transfer_trial(transfer_ordered),
                            trials=3, timeout=20)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("answer", "hint"), [
    (transfer_naive, "deadlock"),
    (transfer_half, "without holding"),
    (lambda src, dst, amount: None, "expected 1600, 700, 700"),
])
def test_transfer_trial_explains_wrong_answers(answer, hint, capsys):
    assert not exercises.passes(exercises.check_behaviour, answers.transfer_trial(answer),
                                trials=1, timeout=20)
    assert hint in capsys.readouterr().out
