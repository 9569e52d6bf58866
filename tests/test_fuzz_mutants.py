"""Mutation fuzzing of the whole pipeline after ``check`` accepts a rules file: ``run`` (every format), ``fmt``,
``export``, ``test``, ``diff``, ``render``, ``report``, ``sql`` and ``run --engine duckdb``.

The fuzzing itself ran outside the suite (mutants of rules/lms.rules, rules/af.rules and the fixtures: operators
swapped, thresholds changed, rules deleted, duplicated or renamed, strengths swapped, overrides dropped or added,
choice sets, adjustments, covers, question orders, labels...). Each bug it found has a regression test here, on a
small fixture under tests/fixtures/mutants/; each test fails without its fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "tests" / "fixtures" / "mutants"


def _diff(cli: Cli, old: Path, new: Path) -> dict[str, object]:
    code, out, err = cli("diff", str(old), str(new), "--format", "json")
    assert code in (0, 1), err  # 1: some verdict changes
    data: dict[str, object] = json.loads(out)
    return data


# ---------------------------------------------------------------------------------------------------------------
# diff: an entry set aside on its own (overrides RULE.ACTION, a prevailing prohibition) is a change


@pytest.mark.parametrize("new", ["entry_override_named.rules", "entry_override_prevails.rules"])
def test_diff_sees_one_entry_of_a_rule_set_aside(cli: Cli, new: str) -> None:
    """``diff`` read whether a rule's entries are active per rule, so an ``overrides r1.y`` (or a ``not_recommended
    y prevails``) added in the new version, which sets aside r1's entry on y alone, was "no change" although the
    evaluator's verdict on y goes from a conflict to not recommended wherever both rules apply."""
    data = _diff(cli, MUTANTS / "entry_override_old.rules", MUTANTS / new)
    assert data["changed_actions"] == ["y"]
    changes = data["changes"]
    assert isinstance(changes, list) and len(changes) == 1
    change = changes[0]
    assert (change["kind"], change["old"]["verdict"], change["new"]["verdict"]) == (
        "conflict resolved", "conflict", "not_recommended")
    assert change["when"] == "a == true and b == true"
    assert change["new_rules"] == ["r2"]  # r1's entry on y is set aside there: not a rule of the new verdict
