"""Drive every explorer on a page: move one control, press Run, check the figure changed.

An explorer is an ``ipywidgets.interactive`` panel with the CSS class ``course-explorer``
(``helpers.explorer.explore``). Used by the browser tests after a notebook has run all cells.
"""

from __future__ import annotations

import time

EXPLORER = ".jp-NotebookPanel:not(.lm-mod-hidden) .course-explorer"
# What the explorer's output shows: its figures (as data URLs) and any error or stderr text.
_STATE_JS = """panel => ({
  images: [...panel.querySelectorAll('.widget-output img')].map(img => img.src),
  errors: [...panel.querySelectorAll(
      '.widget-output .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map(node => node.innerText.trim().slice(-300)),
  busy: panel.querySelector('button.widget-button')?.disabled ?? false,
})"""


def _move_one_control(panel) -> str:
    """Change the first dropdown to another option, else nudge the first slider; say which."""
    select = panel.query_selector("select")
    if select is not None:
        options = select.eval_on_selector_all("option", "nodes => nodes.map(n => n.value)")
        current = select.eval_on_selector(":scope", "node => node.value")
        other = next(value for value in options if value != current)
        select.select_option(other)
        return f"dropdown {current!r} -> {other!r}"
    handle = panel.query_selector(".noUi-handle")
    if handle is None:
        raise AssertionError("the explorer has neither a dropdown nor a slider to move")
    before = panel.eval_on_selector(".widget-readout", "node => node.innerText")
    handle.focus()
    handle.press("ArrowRight")
    after = panel.eval_on_selector(".widget-readout", "node => node.innerText")
    if after == before:  # at its maximum: step down instead
        handle.press("ArrowLeft")
        handle.press("ArrowLeft")
        after = panel.eval_on_selector(".widget-readout", "node => node.innerText")
    return f"slider {before} -> {after}"


def exercise_explorers(page, name: str, timeout: float = 90) -> tuple[int, list[str]]:
    """Move a control and press Run in every explorer; return how many ran and the problems."""
    problems: list[str] = []
    panels = page.query_selector_all(EXPLORER)
    for number, panel in enumerate(panels, 1):
        where = f"{name} explorer {number}"
        before = panel.evaluate(_STATE_JS)
        if not before["images"]:
            problems.append(f"{where}: showed no figure after its first run")
            continue
        moved = _move_one_control(panel)
        panel.query_selector("button.widget-button").click()
        deadline = time.monotonic() + timeout
        state = before
        while time.monotonic() < deadline:
            time.sleep(0.5)
            state = panel.evaluate(_STATE_JS)
            if state["errors"] or (not state["busy"] and state["images"]
                                   and state["images"] != before["images"]):
                break
        if state["errors"]:
            problems.append(f"{where} ({moved}): Run wrote an error: {state['errors'][0]}")
        elif state["images"] == before["images"]:
            problems.append(f"{where} ({moved}): the figure did not change within {timeout} s")
    return len(panels), problems
