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


# ---------------------------------------------------------------------------------------------------------------
# diff: a changed adjustment changes the parameters patients get

GIST = ROOT / "tests" / "fixtures" / "adjust" / "gist.rules"


def test_diff_sees_a_changed_dose_adjustment(cli: Cli, tmp_path: Path) -> None:
    """The diff's verdict key held the recommending rules' own parameters only, so ``adjust imatinib(dose: 800 mg)``
    changed to 600 mg was "no change: every verdict ... is the same for every patient" (exit 0), although ``run``
    gives a KIT exon 9 patient 600 mg instead of 800 mg; ``--cohort`` counted no patient either."""
    new = tmp_path / "gist_600.rules"
    new.write_text(GIST.read_text(encoding="utf-8").replace("dose: 800 mg", "dose: 600 mg"), encoding="utf-8")
    data = _diff(cli, GIST, new)
    changes = data["changes"]
    assert data["changed_actions"] == ["imatinib"] and isinstance(changes, list) and len(changes) == 1
    change = changes[0]
    assert change["kind"] == "parameters changed"
    assert (change["old"]["params"]["dose"], change["new"]["params"]["dose"]) == (["800 mg"], ["600 mg"])
    assert change["when"] == "high_risk == true and kit_exon == 9 and intolerant == false and pregnant == false"
    assert "exon9_dose" in change["new_rules"]
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("id,high_risk,kit_exon,intolerant,pregnant\np1,true,9,false,false\np2,true,11,false,false\n",
                      encoding="utf-8")
    code, out, err = cli("diff", str(GIST), str(new), "--cohort", str(cohort))
    assert code == 1, err
    assert "1 of 2 patients" in out


def test_diff_of_an_added_adjustment_and_of_two_in_force(cli: Cli, tmp_path: Path) -> None:
    """An adjustment added where another is in force: where both are (intolerant exon 9, once the override is
    gone) the dose is a clash in the new version, as in ``run``; elsewhere the new adjustment's value."""
    text = GIST.read_text(encoding="utf-8")
    rule = "  rule intolerant_dose:\n    when intolerant\n    adjust imatinib(dose: 300 mg)\n    overrides exon9_dose\n"
    assert rule in text
    old = tmp_path / "old.rules"
    old.write_text(text.replace(rule, ""), encoding="utf-8")
    new = tmp_path / "new.rules"
    new.write_text(text.replace("    overrides exon9_dose\n", ""), encoding="utf-8")
    data = _diff(cli, old, new)
    changes = data["changes"]
    assert isinstance(changes, list)
    got = sorted((c["kind"], c["old"]["params"]["dose"], c["new"]["params"]["dose"]) for c in changes)
    assert got == [("parameters changed", ["400 mg"], ["300 mg"]),
                   ("parameters changed", ["800 mg"], ["300 mg", "800 mg"])], got
    assert all("intolerant == true" in c["when"] for c in changes)


# ---------------------------------------------------------------------------------------------------------------
# diff: no pending entry on an input nobody can give (issue 17's assumptions)

ASSUME_KNOWN = ROOT / "tests" / "fixtures" / "visualize" / "assume_known.rules"


def test_diff_reads_unknowable_inputs_as_run_does(cli: Cli, tmp_path: Path) -> None:
    """``assume n is known implies not a``: for a patient with ``a``, ``n`` has no value, so rule ``early`` (``a and
    n < 2 years``) applies to nobody and ``run`` lists nothing for ``{a: true}``. ``diff`` still read the omitted
    ``n`` as any value, so ``recommend scan`` changed to ``must scan`` was "pending changed" for ``a == true``, with
    an example patient that ``run`` shows with no pending entry at all. A rule on a knowable omitted input stays
    pending (rule ``after``, ``not a and n >= 5 years``, for ``{a: false}``)."""
    text = ASSUME_KNOWN.read_text(encoding="utf-8")
    early = tmp_path / "early.rules"
    early.write_text(text.replace("    recommend scan\n", "    must scan\n"), encoding="utf-8")
    data = _diff(cli, ASSUME_KNOWN, early)
    assert data["changes"] == [], data["changes"]
    after = tmp_path / "after.rules"
    after.write_text(text.replace("    recommend review\n", "    must review\n"), encoding="utf-8")
    changes = _diff(cli, ASSUME_KNOWN, after)["changes"]
    assert isinstance(changes, list)
    assert sorted((c["kind"], c["when"], c["old"]["pending"], c["new"]["pending"]) for c in changes) == [
        ("pending changed", "a == false and n is unknown", ["recommend"], ["must"]),
        ("stronger", "n >= 5 years", [], [])], changes
