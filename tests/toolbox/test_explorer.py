"""Unit tests of helpers.explorer: a panel that runs once now and again on Run."""

import ipywidgets
import pytest

from helpers.explorer import EXPLORER_CLASS, STATIC_SITE_VARIABLE, explore


def test_explorer_runs_once_with_defaults_and_again_on_run(monkeypatch, capsys):
    monkeypatch.delenv(STATIC_SITE_VARIABLE, raising=False)  # CI's test leg sets it: live here
    calls = []

    def run(workers=2, method="fork"):
        calls.append((workers, method))
        return workers * 10

    panel = explore(run, workers=(1, 8), method=["fork", "spawn"])
    assert isinstance(panel, ipywidgets.interactive)
    assert EXPLORER_CLASS in panel._dom_classes
    assert calls == [(2, "fork")] and panel.result == 20
    assert "run at its defaults" not in capsys.readouterr().out  # the live panel, not a figure
    slider = panel.kwargs_widgets[0]
    slider.value = 5
    assert calls == [(2, "fork")]  # moving a control alone does not re-run
    panel.manual_button.click()
    assert calls[-1] == (5, "fork") and panel.result == 50
    assert panel.manual_button.description == "Run"


def test_explorer_first_run_raises_so_a_headless_run_fails():
    def broken(n=1):
        raise RuntimeError("experiment failed")

    with pytest.raises(RuntimeError, match="experiment failed"):
        explore(broken, n=(1, 3))


def test_explorer_needs_a_function_and_a_control():
    with pytest.raises(TypeError, match="run must be"):
        explore(3, n=(1, 2))
    with pytest.raises(TypeError, match="at least one control"):
        explore(lambda: None)


def test_explorer_on_the_static_site_draws_its_default_run_without_widgets(monkeypatch, capsys):
    monkeypatch.setenv(STATIC_SITE_VARIABLE, "1")
    calls = []
    panel = explore(lambda n=3: calls.append(n) or n, n=(1, 5))
    assert calls == [3] and panel.result == 3
    assert "run at its defaults (n=3)" in capsys.readouterr().out
