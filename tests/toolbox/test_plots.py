"""Unit tests of helpers.plots: each picture returns its Axes and draws what it should."""

import time

import matplotlib.pyplot as plt
import psutil
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle, StepPatch

from helpers import plots
from helpers.tracing import CpuSampler, Span

SPANS = [Span("worker A", (1, 0.2), 0.0, 0.5), Span("worker B", (2, 0.2), 0.1, 0.4),
         Span("worker A", (3, 0.2), 0.5, 0.9)]


@pytest.fixture(scope="module")
def sampler():
    with CpuSampler(interval=0.02) as sampler:
        time.sleep(0.1)
    return sampler


def rectangles(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def tick_texts(labels):
    return [label.get_text() for label in labels]


# ---- timeline ----

def test_timeline_draws_one_lane_per_worker_and_one_bar_per_span():
    ax = plots.timeline(SPANS, title="three tasks")
    assert isinstance(ax, Axes)
    assert tick_texts(ax.get_yticklabels()) == ["worker A", "worker B"]
    assert len(rectangles(ax)) == 3
    assert ax.get_title() == "three tasks"


def test_timeline_labels_bars_with_the_task_number():
    ax = plots.timeline(SPANS)
    assert sorted(text.get_text() for text in ax.texts) == ["1", "2", "3"]


def test_timeline_measures_from_the_origin():
    ax = plots.timeline(SPANS, origin=-1.0)
    assert sorted(bar.get_x() for bar in rectangles(ax)) == pytest.approx([1.0, 1.1, 1.5])


def test_timeline_orders_lanes_by_first_start():
    spans = [Span("late", 1, 5.0, 6.0), Span("early", 2, 1.0, 2.0)]
    assert tick_texts(plots.timeline(spans).get_yticklabels()) == ["early", "late"]


def test_timeline_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert plots.timeline(SPANS, ax=ax) is ax


def test_timeline_rejects_no_spans():
    with pytest.raises(ValueError, match="at least one span"):
        plots.timeline([])


def test_timeline_rejects_non_spans():
    with pytest.raises(TypeError, match=r"spans must be helpers\.tracing\.Span objects"):
        plots.timeline([("worker A", 1, 0.0, 0.5)])


def test_timeline_rejects_an_ax_that_is_not_an_axes():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None, got str"):
        plots.timeline(SPANS, ax="top")


# ---- cpu_utilisation ----

def test_cpu_utilisation_draws_one_stair_per_cpu(sampler):
    ax = plots.cpu_utilisation(sampler)
    assert isinstance(ax, Axes)
    stairs = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(stairs) == psutil.cpu_count()
    assert tick_texts(ax.get_legend().get_texts()) == [
        f"CPU {n}" for n in range(psutil.cpu_count())]


def test_cpu_utilisation_rejects_a_non_sampler():
    with pytest.raises(TypeError, match="expected a CpuSampler, got list"):
        plots.cpu_utilisation([1, 2])


def test_cpu_utilisation_rejects_a_sampler_without_samples():
    with pytest.raises(ValueError, match="the sampler has no samples"):
        plots.cpu_utilisation(CpuSampler())


def test_cpu_utilisation_rejects_an_ax_that_is_not_an_axes(sampler):
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.cpu_utilisation(sampler, ax=plt.figure())


# ---- run_figure ----

def test_run_figure_returns_the_timeline_above_the_cpu_plot(sampler):
    spans = [Span("worker A", 1, sampler.start, sampler.start + 0.05)]
    top = plots.run_figure(spans, sampler, "a run")
    axes = top.figure.axes
    assert len(axes) == 2
    assert top is axes[0]
    assert top.get_title() == "a run"
    assert tick_texts(top.get_yticklabels()) == ["worker A"]
    assert axes[1].get_ylabel() == "busy (%)"


def test_run_figure_rejects_no_spans(sampler):
    with pytest.raises(ValueError, match="at least one span"):
        plots.run_figure([], sampler, "empty")


def test_run_figure_rejects_a_sampler_without_samples():
    with pytest.raises(ValueError, match="the sampler has no samples"):
        plots.run_figure(SPANS, CpuSampler(), "no samples")


# ---- timings_bar ----

def test_timings_bar_draws_one_labelled_bar_per_timing():
    timings = {"sequential": 2.0, "threads": 1.0, "processes": 0.5}
    ax = plots.timings_bar(timings, unit="s")
    assert isinstance(ax, Axes)
    assert [bar.get_width() for bar in rectangles(ax)] == [2.0, 1.0, 0.5]
    assert tick_texts(ax.get_yticklabels()) == list(timings)
    assert sorted(text.get_text() for text in ax.texts) == ["0.500 s", "1.00 s", "2.00 s"]


@pytest.mark.parametrize("timings", [{}, [("a", 1.0)]], ids=["empty", "list"])
def test_timings_bar_rejects_what_is_not_a_non_empty_mapping(timings):
    with pytest.raises(ValueError, match="timings must be a non-empty mapping of label -> time"):
        plots.timings_bar(timings)


@pytest.mark.parametrize("value", [-1.0, "1", float("nan"), None])
def test_timings_bar_rejects_times_that_are_not_non_negative_numbers(value):
    with pytest.raises(ValueError, match="every time must be a number >= 0"):
        plots.timings_bar({"fine": 1.0, "bad": value})


def test_timings_bar_rejects_an_ax_that_is_not_an_axes():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.timings_bar({"a": 1.0}, ax=1)


# ---- speedup ----

def test_speedup_draws_measured_ideal_and_cpu_line():
    ax = plots.speedup([1, 2, 4], [1.0, 1.8, 2.1], ideal=[1, 2, 2], cpus=2)
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 3
    assert tick_texts(ax.get_legend().get_texts()) == [
        "ideal", "measured", "effective CPUs = 2"]


def test_speedup_draws_the_measured_capacity_as_a_ceiling():
    ax = plots.speedup([1, 2], [1.0, 1.2], ideal=[1, 1.3], cpus=2, capacity=1.3)
    assert tick_texts(ax.get_legend().get_texts())[-1] == "capacity measured = 1.30 CPUs"
    assert list(ax.get_lines()[-1].get_ydata()) == [1.3, 1.3]
    with pytest.raises(ValueError, match="capacity must be > 0"):
        plots.speedup([1], [1.0], capacity=0)


def test_speedup_without_ideal_or_cpus_draws_one_line():
    ax = plots.speedup([1, 2], [1.0, 1.9])
    assert len(ax.get_lines()) == 1
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 1.9]


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (([], []), {}, "non-empty and of the same length"),
    (([1, 2], [1.0]), {}, "non-empty and of the same length"),
    (([1, 2], [1.0, 2.0]), {"ideal": [1]}, "ideal must have one value per worker count"),
])
def test_speedup_rejects_mismatched_lengths(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.speedup(*args, **kwargs)


def test_speedup_rejects_an_ax_that_is_not_an_axes():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.speedup([1], [1.0], ax="ax")
