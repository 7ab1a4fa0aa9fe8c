"""Speed claims: re-measured before a miss, a ⚠ for a learner, strict under the tests, a ledger."""

from __future__ import annotations

import json

import pytest

from helpers import claims
from helpers.claims import ClaimMissed, claim


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    path = tmp_path / "claims.jsonl"
    monkeypatch.setenv(claims.LEDGER_VARIABLE, str(path))
    monkeypatch.setenv(claims.NOTEBOOK_VARIABLE, "99_test.ipynb")
    monkeypatch.setenv(claims.STRICT_VARIABLE, "1")
    return path


def figures_from(*values):
    """A measurement that returns these figures in turn, and counts its calls."""
    returned = list(values)

    def measure():
        return returned.pop(0)

    return measure, returned


def test_a_claim_that_holds_at_once_is_not_measured_again(ledger, capsys):
    measure, left = figures_from(9.0)
    assert claim("gained {figure:.1f}x", measure, (1.5, 2.2), "two CPUs", first=1.8)
    assert capsys.readouterr().out == "✔ gained 1.8x\n"
    assert left == [9.0]
    entry = json.loads(ledger.read_text())
    assert entry["notebook"] == "99_test.ipynb" and entry["held"] and entry["tries"] == 1
    assert entry["margin"] == pytest.approx(0.1818, abs=1e-3)


def test_a_claim_outside_a_notebook_stays_out_of_the_ledger(ledger, monkeypatch):
    monkeypatch.delenv(claims.NOTEBOOK_VARIABLE)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert claim("gained {figure:.1f}x", lambda: 1.8, (1.5, 2.2), "two CPUs")
    assert not ledger.exists()


def test_a_miss_is_measured_again_and_says_so(ledger, capsys):
    measure, left = figures_from(1.1, 1.7)
    verdict = claim("gained {figure:.1f}x", measure, (1.5, None), "two CPUs", first=1.2)
    assert verdict and verdict.figure == 1.7 and verdict.figures == (1.2, 1.1, 1.7)
    assert capsys.readouterr().out == "✔ gained 1.7x (on try 3 of 3: 1.2, 1.1, 1.7)\n"
    assert left == []


def test_every_try_missed_raises_under_the_tests(ledger):
    measure, _ = figures_from(1.0, 1.1, 1.2)
    with pytest.raises(ClaimMissed) as missed:
        claim("gained {figure:.1f}x", measure, (1.5, 2.2), "two CPUs cap it at 2")
    text = str(missed.value)
    assert text.startswith("⚠ Not confirmed on this machine: gained 1.2x")
    assert "expected between 1.5 and 2.2, because two CPUs cap it at 2" in text
    assert "measured 1, 1.1, 1.2 in 3 tries" in text and "effective CPUs" in text
    assert isinstance(missed.value, AssertionError)
    entry = json.loads(ledger.read_text())
    assert not entry["held"] and entry["figures"] == [1.0, 1.1, 1.2]


def test_in_a_learners_kernel_a_miss_is_a_warning_and_the_notebook_goes_on(ledger, capsys,
                                                                          monkeypatch):
    monkeypatch.delenv(claims.STRICT_VARIABLE)
    measure, _ = figures_from(3.0, 3.0, 3.0)
    verdict = claim("at most {figure} s", measure, (None, 1.0), "ten sleeps overlap")
    assert not verdict and verdict.held is False and verdict.figure == 3.0
    out = capsys.readouterr().out
    assert out.startswith("⚠ Not confirmed on this machine: at most 3.0 s")
    assert "The notebook goes on" in out


def test_the_verdict_names_a_busy_machine_as_the_likely_cause():
    busy = claims._verdict("x", (1.0, None), "why", [0.5], others=1.2)
    quiet = claims._verdict("x", (1.0, None), "why", [0.5], others=0.0)
    assert "other programs kept 1.2 CPUs busy" in busy
    assert "otherwise quiet" in quiet


@pytest.mark.parametrize(("arguments", "error"), [
    (("", lambda: 1.0, (0, 1), "why"), TypeError),
    (("s", 1.0, (0, 1), "why"), TypeError),
    (("s", lambda: 1.0, (None, None), "why"), TypeError),
    (("s", lambda: 1.0, [0, 1], "why"), TypeError),
    (("s", lambda: 1.0, (2, 1), "why"), ValueError),
    (("s", lambda: 1.0, (0, 1), " "), TypeError),
    (("s", lambda: "fast", (0, 1), "why"), TypeError),
    (("s", lambda: float("nan"), (0, 1), "why"), TypeError),
])
def test_bad_arguments_get_a_clear_error(arguments, error):
    with pytest.raises(error):
        claim(*arguments)


def test_tries_must_be_a_small_whole_number():
    with pytest.raises(ValueError, match="tries"):
        claim("s", lambda: 1.0, (0, 2), "why", tries=0)


def test_the_report_lists_each_claim_once_with_its_tightest_margin(tmp_path):
    ledger = tmp_path / "claims.jsonl"
    base = {"notebook": "02_gil.ipynb", "within": [1.5, None], "tries": 1, "held": True,
            "leg": "test", "python": "3.11.7", "cpus": 2}
    lines = [{**base, "claim": "gained {figure}x", "figures": [2.0], "margin": 0.333},
             {**base, "claim": "gained {figure}x", "figures": [1.6], "margin": 0.0667,
              "leg": "modern-3.15", "tries": 2},
             {**base, "claim": "overlapped", "figures": [3.0], "margin": 1.0}]
    ledger.write_text("".join(json.dumps(line) + "\n" for line in lines))
    text = claims.report(ledger)
    rows = [row for row in text.splitlines() if row.startswith("| ⚑") or "02_gil" in row]
    assert len(rows) == 2
    assert rows[0].startswith("| ⚑ | 02_gil.ipynb | gained {figure}x | at least 1.5 | 1.6 | 7% "
                              "| modern-3.15")
    assert rows[0].endswith("| 2 | 1 | 0 |")
    assert "1 claim(s) came within 10% of a bound" in text
    assert claims.main([str(tmp_path / "none.jsonl")]) == 1
