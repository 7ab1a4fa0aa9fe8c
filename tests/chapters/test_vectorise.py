"""Tests of helpers.vectorise: notebook 09's bandwidth sweep, cache sizes and roofline (experiment),
its figures and its exercises (answers)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from helpers.exercises import check_behaviour, choose_labels, compare_with_reference, passes
from helpers.vectorise import answers, experiment, figures
from helpers.vectorise.experiment import CacheLevel, Kernel, Rate, Roofline

matplotlib.use("Agg")

COPY = Kernel(arrays=2, bytes_per_element=16, flops_per_element=0,
              run=lambda dst, src: np.copyto(dst, src))
SUM = Kernel(arrays=1, bytes_per_element=8, flops_per_element=1, run=np.sum)


def test_elements_fill_the_working_set_over_all_arrays():
    assert experiment.elements_for(COPY, 2**20) * 2 * 8 == 2**20
    assert experiment.elements_for(SUM, 800) == 100
    with pytest.raises(ValueError):
        experiment.elements_for(COPY, 8)


def test_rate_times_the_kernel_and_counts_its_bytes():
    measured = experiment.rate(COPY, 2**16, repeat=3, min_seconds=1e-4)
    assert measured.elements == 2**12 and measured.seconds > 0
    assert measured.gbps == pytest.approx(2**12 * 16 / measured.seconds / 1e9)
    assert measured.gflops == 0 and measured.intensity == 0


def test_rate_arithmetic():
    r = Rate(working_set=8000, elements=1000, seconds=1e-6, bytes_per_element=8,
             flops_per_element=2)
    assert r.gbps == pytest.approx(8.0) and r.gflops == pytest.approx(2.0)
    assert r.intensity == 0.25


def test_sizes_double_from_low_to_high():
    assert experiment.sizes_between(2**14, 2**17) == [2**14, 2**15, 2**16, 2**17]
    assert experiment.sizes_between(1000, 5000) == [1024, 2048, 4096]
    with pytest.raises(ValueError):
        experiment.sizes_between(2**10, 2**9)


def test_sweep_gives_one_rate_per_kernel_and_size():
    curves = experiment.sweep({"copy": COPY, "sum": SUM}, [2**12, 2**13], repeat=1)
    assert [r.working_set for r in curves["copy"]] == [2**12, 2**13]
    assert len(curves["sum"]) == 2


def test_cache_levels_read_sysfs_and_skip_instruction_caches(tmp_path):
    for number, (level, kind, size) in enumerate([(1, "Data", "32K"), (1, "Instruction", "32K"),
                                                  (2, "Unified", "1024K"), (3, "Unified", "8M")]):
        folder = tmp_path / f"index{number}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "type").write_text(f"{kind}\n")
        (folder / "size").write_text(f"{size}\n")
    broken = tmp_path / "index9"
    broken.mkdir()
    (broken / "level").write_text("4\n")  # no type, no size: skipped
    assert experiment.cache_levels(tmp_path) == [
        CacheLevel("L1d", 32 * 1024), CacheLevel("L2", 2**20), CacheLevel("L3", 8 * 2**20)]


def test_cache_levels_are_empty_where_the_platform_has_none(tmp_path):
    assert experiment.cache_levels(tmp_path / "missing") == []


def test_parse_size():
    assert experiment.parse_size("512") == 512
    assert experiment.parse_size(" 2G\n") == 2**31


def test_matmul_gflops_is_positive():
    assert experiment.matmul_gflops(64, repeat=1) > 0


def test_roofline_ridge_and_attainable():
    roof = Roofline(bandwidth=20.0, compute=40.0)
    assert roof.ridge == 2.0
    assert roof.attainable(0.5) == 10.0 and roof.attainable(10) == 40.0


def test_figures_draw():
    r = Rate(2**20, 2**16, 1e-5, 16, 2)
    ax = figures.bandwidth_curves({"triad": [r, r]}, [])
    assert "not reported" in " ".join(t.get_text() for t in ax.texts)
    ax = figures.roofline(Roofline(20.0, 40.0), {"triad": r})
    assert ax.get_xscale() == "log" and len(ax.lines) == 3


def test_huber_reference_equals_the_loop():
    for x, delta in answers.huber_cases():
        assert answers.huber_reference(x, delta) == pytest.approx(
            answers.huber_loop(x, delta), rel=1e-12, abs=1e-12)
    assert passes(compare_with_reference, answers.huber_loop,
                  answers.huber_reference, answers.huber_cases())


def horner_in_place(x, out):
    np.multiply(x, 2.0, out=out)
    out += 3.0
    out *= x
    out += 1.0
    return out


def test_quadratic_trial_passes_in_place_and_fails_a_temporary():
    assert passes(check_behaviour, answers.quadratic_trial(horner_in_place),
                  trials=2)
    trial = answers.quadratic_trial
    assert "return out itself" in trial(lambda x, out: answers.quadratic(x))()

    def copies(x, out):
        out[:] = answers.quadratic(x)
        return out

    assert "temporary" in trial(copies)()

    def clobbers(x, out):
        x *= 1.0 + 1e-3
        return horner_in_place(x, out)

    assert "x changed" in trial(clobbers)()
    assert "differ" in trial(lambda x, out: out)()


def test_bound_answers_pass_their_check():
    assert set(answers.BOUND) == set(answers.BOUND_WHY)
    assert passes(choose_labels, answers.BOUND, answers.BOUND,
                  why=answers.BOUND_WHY)
