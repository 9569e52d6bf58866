"""Mutation fuzzing of the whole pipeline after ``check`` accepts a rules file: ``run`` (every format), ``fmt``,
``export``, ``test``, ``diff``, ``render``, ``report``, ``sql`` and ``run --engine duckdb``.

The fuzzing itself ran outside the suite (mutants of rules/lms.rules, rules/af.rules and the fixtures: operators
swapped, thresholds changed, rules deleted, duplicated or renamed, strengths swapped, overrides dropped or added,
choice sets, adjustments, covers, question orders, labels...). Each bug it found has a regression test here, on a
small fixture under tests/fixtures/mutants/; each test fails without its fix.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from diffcheck import agrees_with_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import condition, models

from engine.core.model import And, Model, Quantity, Rule, Strength

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


# ---------------------------------------------------------------------------------------------------------------
# diff: the members of a set input are facts, shared by both versions

SETS = ROOT / "tests" / "fixtures" / "derived" / "sets.rules"


def test_diff_of_a_set_input_that_gains_a_value(cli: Cli, tmp_path: Path) -> None:
    """``set of {imatinib, sunitinib, regorafenib}`` gaining ``zz_new``: the patients both versions allow hold no
    ``zz_new``, so no verdict changes. The diff renamed every derived value of the new version apart, the set's
    members too, so ``imatinib in prior`` of the two versions were unrelated variables: it showed four regions
    with self-contradictory conditions (``imatinib in prior and ... (not (imatinib in prior) or ...)``) and example
    patients whose verdicts do not change; the old version also allowed ``zz_new in prior``."""
    text = SETS.read_text(encoding="utf-8")
    new = tmp_path / "sets_new_value.rules"
    new.write_text(text.replace("regorafenib}", "regorafenib, zz_new}", 1), encoding="utf-8")
    assert _diff(cli, SETS, new)["changes"] == []
    assert _diff(cli, new, SETS)["changes"] == []


def test_diff_against_a_version_whose_rules_read_no_member(cli: Cli, tmp_path: Path) -> None:
    """The other side of the previous test: a version that declares the set but has no rules (so no member
    variables of its own) must leave the declared members free, not false: every change shows."""
    text = SETS.read_text(encoding="utf-8")
    empty = tmp_path / "no_rules.rules"
    empty.write_text(text[:text.index("section next")], encoding="utf-8")
    for old, new in ((SETS, empty), (empty, SETS)):
        data = _diff(cli, old, new)
        assert data["changed_actions"] == ["sunitinib", "regorafenib"], (old.name, data["changes"])


def test_diff_of_a_changed_count_keeps_the_members_shared(cli: Cli, tmp_path: Path) -> None:
    """A changed derived value (the count rule ``third`` reads) renames the derived values apart, but not the
    members: the one change is regorafenib for patients who had imatinib and sunitinib (count 2 before, 1 now);
    before the fix the diff said "no change"."""
    text = SETS.read_text(encoding="utf-8")
    new = tmp_path / "sets_count.rules"
    new.write_text(text.replace("count_of prior >= 2", "count_of {imatinib in prior, regorafenib in prior} >= 2"),
                   encoding="utf-8")
    changes = _diff(cli, SETS, new)["changes"]
    assert isinstance(changes, list) and len(changes) == 1, changes
    change = changes[0]
    assert (change["action"], change["kind"]) == ("regorafenib", "disappeared")
    assert change["when"].startswith("imatinib in prior and sunitinib in prior and progressing == true"), change
    assert sorted(change["example"]["facts"]["prior"]) == ["imatinib", "sunitinib"]


# ---------------------------------------------------------------------------------------------------------------
# Property: the diff of a random model and a mutant of it agrees with the brute-force evaluator, with every
# feature the three bugs above were about (tests/test_diff.py's brute force leaves them out)


@st.composite
def _mutant_pairs(draw: Any) -> tuple[Model, Model]:
    """A random model and a mutant: rules dropped, conditions and strengths changed, prevailing prohibitions
    toggled, entries set aside by name added or dropped, adjustments changed or dropped."""
    old = draw(models())
    rules: list[Rule] = []
    for r in old.rules:
        k = draw(st.integers(0, 9))
        if k == 0:
            continue
        if k == 1:
            when = condition(draw, old.inputs, list(old.lets))
            guard = next(s.guard for s in old.sections if s.name == r.section)
            r = dataclasses.replace(r, when=when, condition=And((guard, when)))
        elif k == 2 and not r.entries[0].one_of:
            s = draw(st.sampled_from(list(Strength)))
            e = dataclasses.replace(r.entries[0], strength=s, prevails=r.entries[0].prevails and s.advises_against)
            r = dataclasses.replace(r, entries=(e, *r.entries[1:]))
        elif k == 3:
            r = dataclasses.replace(r, entries=tuple(dataclasses.replace(e, prevails=not e.prevails)
                                                     if e.strength.advises_against else e for e in r.entries))
        elif k == 4 and rules:
            target = draw(st.sampled_from(rules))
            r = dataclasses.replace(r, sets_aside=((target.name, draw(st.sampled_from(target.entries)).action),))
        elif k == 5:
            r = dataclasses.replace(r, sets_aside=())
        elif k == 6 and r.adjusts:
            a = r.adjusts[0]
            r = dataclasses.replace(r, adjusts=(dataclasses.replace(a, params=(
                ("dose", Quantity(float(draw(st.integers(0, 3))), "Gy")),)),) if draw(st.booleans()) else ())
        rules.append(r)
    given = {r.name: {e.action for e in r.entries} for r in rules}
    rules = [dataclasses.replace(r, overrides=tuple(o for o in r.overrides if o in given),
                                 sets_aside=tuple((t, a) for t, a in r.sets_aside if a in given.get(t, ())))
             for r in rules]
    return old, dataclasses.replace(old, rules=tuple(rules))


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_mutant_pairs(), st.integers(0, 10**6))
def test_diff_of_mutants_agrees_with_the_reference_evaluator(pair: tuple[Model, Model], seed: int) -> None:
    """Every allowed complete patient sampled (and one in each region) is in exactly the regions whose change
    the reference evaluator (engine/evaluate/reference.py, no diagrams) shows between the two versions."""
    agrees_with_reference(*pair, seed, every_below=0, sample=40)


# ---------------------------------------------------------------------------------------------------------------
# run: a pending entry names the omitted number the relations' solver pinned to a cell

BP = ROOT / "tests" / "fixtures" / "derived" / "bp.rules"


def test_pending_on_a_number_the_solver_pinned_names_it(cli: Cli, tmp_path: Path) -> None:
    """``assume sbp > dbp`` with ``dbp: 141`` pins the omitted ``sbp`` to its cell 140..260 (a ``Within`` value in
    the facts the walk reads), which the walk took for a given value: ``treat`` (``sbp - dbp > 60 mmHg``) was
    pending on no input at all ("Enter  to decide 1 item") and ``refer`` (``pp > 80 mmHg and ...``) did not say
    it waits on ``sbp``; the reference evaluator names ``sbp`` for both."""
    case = tmp_path / "case.yaml"
    case.write_text('id: a\nfacts: {dbp: 141, smoker: false, site: gastric}\n', encoding="utf-8")
    code, out, err = cli("run", str(BP), str(case), "--format", "json")
    assert code == 0, err
    pending = {(p["rule"], tuple(p["needs"])) for p in json.loads(out)["results"][0]["pending"]}
    assert ("r1", ("sbp",)) in pending and ("r4", ("sbp", "diabetes", "ckd")) in pending, pending
    code, out, err = cli("run", str(BP), str(case))
    assert "Enter Systolic blood pressure (sbp) to decide 1 item: RECOMMEND Treat" in out, out
    assert "Enter  to" not in out
