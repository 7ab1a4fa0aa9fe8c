"""The examples in the helpers' docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import helpers
from helpers.course.collection import MIN_HELPER_MODULES, helper_modules, module_name

# walk_packages, not iter_modules: the modules of a chapter's folder carry examples too.
MODULES = sorted(info.name.removeprefix("helpers.")
                 for info in pkgutil.walk_packages(helpers.__path__, "helpers."))


def test_every_module_is_collected():
    files = {module_name(p).removesuffix(".__init__") for p in helper_modules()} - {"__init__"}
    assert set(MODULES) == files and len(MODULES) >= MIN_HELPER_MODULES - 1


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"helpers.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in helpers.{name}"
