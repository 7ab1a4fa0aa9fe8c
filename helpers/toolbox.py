"""What every chapter's setup cell imports in its first line: the names the chapters share.

The second line imports the chapter's own folder (``from helpers.pools import experiment``).
Modules import from the module that defines a name, never from here, and a child process never
imports this one: it loads matplotlib and ipywidgets.

>>> from helpers import toolbox
>>> toolbox.expect is toolbox.checks.expect and "claim" in toolbox.__all__
True
"""

from __future__ import annotations

from helpers import checks, exercises, models, plots
from helpers.capacity import Sampler, alongside, interleaved_with_capacity, measure_capacity, spin
from helpers.checks import expect, show
from helpers.claims import claim
from helpers.exercises import (
    check_behaviour,
    check_prediction,
    choose_labels,
    compare_with_reference,
    labels_of,
    passes,
)
from helpers.explorer import explore
from helpers.leftovers import (
    is_running,
    kill_tagged,
    leftover_children,
    reap_zombies,
    tagged_processes,
    zombies,
)
from helpers.machine import effective_cpus, mp_context, report
from helpers.models import ideal_speedup, makespan
from helpers.scripts import kill_group, run_group, run_module, run_script, show_script
from helpers.tasks import (
    CPU_TERMS,
    IO_WAIT_SECONDS,
    burn_cpu,
    burn_cpu_math,
    burn_cpu_timed,
    burn_cpu_vectorised,
    costly_task,
    wait_io,
)
from helpers.timing import (
    Measurement,
    ThreadCpu,
    Timer,
    TreeCpu,
    format_seconds,
    interleaved,
    keep_gil,
    measure,
)
from helpers.tracing import (
    CpuSampler,
    Recorder,
    Span,
    Traced,
    concurrency_over_time,
    peak_concurrency,
    task_name,
)

__all__ = [
    "CPU_TERMS",
    "IO_WAIT_SECONDS",
    "CpuSampler",
    "Measurement",
    "Recorder",
    "Sampler",
    "Span",
    "ThreadCpu",
    "Timer",
    "Traced",
    "TreeCpu",
    "alongside",
    "burn_cpu",
    "burn_cpu_math",
    "burn_cpu_timed",
    "burn_cpu_vectorised",
    "check_behaviour",
    "check_prediction",
    "checks",
    "choose_labels",
    "claim",
    "compare_with_reference",
    "concurrency_over_time",
    "costly_task",
    "effective_cpus",
    "exercises",
    "expect",
    "explore",
    "format_seconds",
    "ideal_speedup",
    "interleaved",
    "interleaved_with_capacity",
    "is_running",
    "keep_gil",
    "kill_group",
    "kill_tagged",
    "labels_of",
    "leftover_children",
    "makespan",
    "measure",
    "measure_capacity",
    "models",
    "mp_context",
    "passes",
    "peak_concurrency",
    "plots",
    "reap_zombies",
    "report",
    "run_group",
    "run_module",
    "run_script",
    "show",
    "show_script",
    "spin",
    "tagged_processes",
    "task_name",
    "wait_io",
    "zombies",
]
