"""CONTRIBUTING's chapter contract names tests that exist, so the table cannot drift from them."""

from __future__ import annotations

import re

from helpers.course.collection import ROOT

CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
CONTRACT = CONTRIBUTING.split("### The chapter contract")[1]


def test_every_test_the_contract_names_exists():
    named = re.findall(r"`((?:tests/|conftest)[\w/.]*\.py)(?:::(\w+))?`", CONTRACT)
    assert len(named) >= 15, "the contract table lost its rows"
    missing = []
    for path, test in named:
        source = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).exists() else ""
        if not source or (test and f"def {test}(" not in source):
            missing.append(f"{path}::{test}" if test else path)
    assert missing == []
