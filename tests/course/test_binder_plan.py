"""Binder's build plan, rendered by repo2docker without Docker: the environment it will build.

``repo2docker --no-build --debug`` prints the Dockerfile it would build; reading it checks what
Binder will really do with ``environment.yml`` and ``postBuild``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers.course.collection import ROOT


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> str:
    # A copy of just the files repo2docker reads, so the plan does not depend on local clutter.
    repo = tmp_path_factory.mktemp("binder-repo")
    for name in ("environment.yml", "postBuild", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, repo / name)
    done = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--no-run",
                           "--debug", str(repo)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_binder_uses_the_conda_buildpack_with_the_pinned_python(plan):
    pinned = next(spec for spec in yaml.safe_load((ROOT / "environment.yml").read_text())[
        "dependencies"] if isinstance(spec, str) and spec.startswith("python="))
    assert f"Building conda environment for {pinned}" in plan
    assert re.search(r"env update -p \$\{NB_PYTHON_PREFIX\} --file \"environment.yml\"", plan)


def test_binder_runs_postbuild_after_the_environment(plan):
    environment_step = plan.index('--file "environment.yml"')
    postbuild = [match.start() for match in re.finditer(r"RUN .*postBuild", plan)]
    assert postbuild, "no RUN step for postBuild in the plan"
    assert all(step > environment_step for step in postbuild)
