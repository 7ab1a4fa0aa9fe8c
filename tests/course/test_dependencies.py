"""pyproject.toml and environment.yml declare the same packages, and every import is declared."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import sys
import tomllib

import pytest
import yaml

from helpers.course.collection import MIN_HELPER_MODULES, NOTEBOOKS, ROOT, helper_modules

# Import names whose distribution is called something else.
DISTRIBUTION_OF = {"IPython": "ipython", "ipykernel": "ipykernel",
                   "jupyter_client": "jupyter-client"}
# Packages installed with the test extras only; never imported by helpers or notebooks.
TEST_ONLY = {"hypothesis", "nbval", "pytest", "pytest-timeout", "pyyaml", "ruff",
             "jupyter-repo2docker"}
# conda-forge's lean package for the same PyPI distribution (the full ones pull in pandas,
# pyarrow, bokeh, Qt or pandoc, which the course never uses).
CONDA_NAME_OF = {"dask": "dask-core", "matplotlib": "matplotlib-base",
                 "nbconvert": "nbconvert-core", "jupyter-client": "jupyter_client"}


# The same need met by another package on another platform (pyproject uses markers; conda-forge
# is read for Linux and macOS).
PLATFORM_ALTERNATIVES = {"impi-rt": "mpich"}


def requirement(spec: str) -> tuple[str, str]:
    """Split 'numpy>=1.26,<3' into ('numpy', '>=1.26,<3'); environment markers are dropped."""
    spec = spec.split(";")[0]
    name, bounds = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", spec).groups()
    return name.lower(), bounds.replace(" ", "")


def pyproject_runtime() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(requirement(spec) for spec in project["dependencies"]
                if requirement(spec)[0] not in PLATFORM_ALTERNATIVES)


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_runtime() -> dict[str, str]:
    specs = [spec for spec in environment()["dependencies"] if isinstance(spec, str)]
    packages = dict(requirement(spec) for spec in specs)
    return {name: bounds for name, bounds in packages.items() if name not in {"python", "pip"}}


def test_environment_pins_python_minor_and_postbuild_installs_the_package():
    env = environment()
    assert env["channels"] == ["conda-forge", "nodefaults"]
    assert any(re.fullmatch(r"python=3\.\d+", spec) for spec in env["dependencies"]
               if isinstance(spec, str)), "environment.yml must pin python to a minor version"
    assert not any(isinstance(spec, dict) for spec in env["dependencies"]), (
        "no pip section: postBuild installs the package, so Binder can cache the environment")
    assert "pip install --no-deps --no-build-isolation -e ." in (ROOT / "postBuild").read_text()
    assert not (ROOT / "binder").exists(), "a binder/ folder would make Binder ignore the root"


def test_both_files_declare_the_same_packages_and_bounds():
    assert conda_runtime() == {CONDA_NAME_OF.get(name, name): bounds
                               for name, bounds in pyproject_runtime().items()}


def test_the_ruff_of_the_tests_is_the_ruff_of_pre_commit():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]
    pinned = dict(requirement(spec) for spec in extras)["ruff"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
    rev = next(repo["rev"] for repo in hooks if repo["repo"].endswith("ruff-pre-commit"))
    assert pinned == f"=={rev.removeprefix('v')}"


def test_every_runtime_dependency_has_a_lower_bound():
    for name, bounds in pyproject_runtime().items():
        assert ">=" in bounds, f"{name} has no lower bound"


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def third_party(modules: set[str]) -> set[str]:
    local = {"helpers", "course_check"}
    return {m for m in modules if m not in sys.stdlib_module_names and m not in local}


def sources() -> dict[str, str]:
    found = {str(p.relative_to(ROOT)): p.read_text() for p in helper_modules()}
    assert len(found) >= MIN_HELPER_MODULES
    found |= {str(p.relative_to(ROOT)): p.read_text()
              for p in (NOTEBOOKS / "scripts").glob("*.py")}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found[path.name] = code
    return found


@pytest.mark.parametrize("name", sorted(sources()))
def test_every_import_is_declared(name):
    declared = set(pyproject_runtime())
    for module in third_party(imported_modules(sources()[name])):
        distribution = DISTRIBUTION_OF.get(module, module).lower()
        assert distribution in declared, f"{name} imports {module}, which is not declared"


def test_the_import_scan_sees_third_party_imports():
    code = "import numpy as np\nfrom matplotlib import pyplot\nimport os\nfrom . import x\n"
    assert third_party(imported_modules(code)) == {"numpy", "matplotlib"}


def test_test_extras_are_declared():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]
    assert {requirement(spec)[0] for spec in extras} == TEST_ONLY


def test_every_folder_of_helpers_is_packaged():
    # A wheel carries only the packages setuptools finds: a folder with an __init__.py whose
    # parents are packages too, named by an `include` pattern. Every folder holding a module must
    # be one, or spawned workers fail to import it once installed. (setuptools' own
    # find_packages is not used: a venv of Python 3.12+ has no setuptools.)
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = found["packages"]["find"]["include"]
    marked = {".".join(p.parent.relative_to(ROOT).parts)
              for p in (ROOT / "helpers").rglob("__init__.py")}
    packages = {name for name in marked
                if any(fnmatch.fnmatch(name, pattern) for pattern in include)
                and all(".".join(name.split(".")[:i]) in marked
                        for i in range(1, name.count(".") + 1))}
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in helper_modules()}
    assert packages == folders and "helpers" in packages and len(folders) >= 18
