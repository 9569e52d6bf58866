"""`guidegraph diff` (engine/diff/): a refactoring is no change, the LMS fidelity fixes are the regions they should
be, every region's example patient gets the region's verdicts from the evaluator, and random pairs of small
guidelines agree with enumeration through the reference evaluator."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from diffcheck import agrees_with_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import ACTIONS, condition, models

from engine.cli.main import main
from engine.compile.compiler import compile
from engine.core.model import And, Entry, Model, Rule, Strength
from engine.diff.compare import Diff, diff
from engine.diff.keys import key_of_result
from engine.evaluate.guideline import Guideline
from engine.resolve.pipeline import load_model

ROOT = Path(__file__).resolve().parent.parent
LMS = ROOT / "rules" / "lms.rules"
BEFORE = ROOT / "tests" / "fixtures" / "lms_before_fidelity.rules"  # rules/lms.rules at d856320


def _model(path: Path) -> Model:
    model, _, _ = load_model(str(path))
    assert model is not None
    return model


def _refactored(text: str) -> str:
    """lms.rules refactored: the let ``high_grade`` inlined, section ``prognosis`` renamed and moved last, the
    first two rules of the workup swapped."""
    text = text.replace("high_grade and", "grade in {2, 3} and")
    text = re.sub(r"^let high_grade .*\n", "", text, flags=re.M)
    text = text.replace("section prognosis ", "section prognostic_factors ")
    lines = text.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("section prognostic_factors "))
    end = next(i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "\n"))
    block, rest = lines[start:end], lines[:start] + lines[end:]
    text = "".join(rest) + "\n" + "".join(block)
    a = text.index("  rule workup_imaging ")
    b = text.index("  rule workup_biopsy ")
    c = text.index("  rule history_physical ")
    return text[:a] + text[b:c] + text[a:b] + text[c:]


def test_refactoring_is_no_change(tmp_path: Path) -> None:
    text = _refactored(LMS.read_text(encoding="utf-8"))
    assert "let high_grade" not in text and "section prognostic_factors" in text
    path = tmp_path / "refactored.rules"
    path.write_text(text, encoding="utf-8")
    d = diff(_model(LMS), _model(path))
    assert d.regions == ()
    assert main(["diff", str(LMS), str(path)]) == 0


def _check_examples(d: Diff) -> None:
    """Every region: a complete patient of it gets the region's old and new keys from the two evaluators."""
    old, new = Guideline(compile(d.old)), Guideline(compile(d.new))
    m = d.mdd
    for r in d.regions:
        path = m.witness(r.node, True)
        assert path is not None
        facts = d.joint.facts_of(path, complete=True)
        got_old = key_of_result(old.evaluate({k: v for k, v in facts.items() if k in d.old.inputs}), r.action)
        got_new = key_of_result(new.evaluate(facts), r.action)
        assert (got_old, got_new) == (r.old, r.new), (r.action, r.kind, facts)


def test_lms_fidelity_fixes() -> None:
    d = diff(_model(BEFORE), _model(LMS))
    by = {(r.action, r.kind): r for r in d.regions}
    # phase is new: the workup is for the diagnosis phase only
    assert by[("history_and_physical", "disappeared")].condition == "phase != diagnosis"
    assert "phase" not in d.old.inputs and "phase" in d.new.inputs
    # retroperitoneal RT: a preoperative option of 50 Gy where none was given, weaker where the standard RT was
    rt_new = by[("radiotherapy", "appeared")]
    assert "site == retroperitoneum" in rt_new.condition and rt_new.new_rules == ("retroperitoneal_preoperative_rt",)
    assert rt_new.pattern in ("condition refinement", "new action plan")  # the workup leaves these patients too
    weaker = [r for r in d.regions if r.action == "radiotherapy" and r.kind == "weaker"]
    assert weaker and all("site == retroperitoneum" in r.condition for r in weaker)
    assert all(r.pattern == "recommendation refinement" for r in weaker)
    # the boost by margin: to 66 Gy unless the margin is wide
    boost = [r for r in d.regions if r.action == "radiotherapy" and r.kind == "parameters changed"]
    assert sorted("margin != wide" in r.condition for r in boost) == [False, True]
    assert all(r.pattern == "action plan refinement" for r in boost)
    # follow-up bands: one interval at year 3 instead of two clashing ones
    fu = by[("follow_up_visit", "parameters changed")]
    assert "years_since_treatment == 3 years" in fu.condition and "phase == follow_up" in fu.condition
    assert fu.old[0] is not None and fu.new[0] is not None
    assert [len(vs) for _, vs in fu.old[0][1]] == [2] and [len(vs) for _, vs in fu.new[0][1]] == [1]
    _check_examples(d)


def test_cli_exit_codes_and_formats(tmp_path: Path, capsys: Any) -> None:
    assert main(["diff", str(BEFORE), str(LMS)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("guidegraph diff ") and "actions change for some patients" in out
    assert main(["diff", str(BEFORE), str(LMS), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] and {"action", "kind", "pattern", "when", "example"} <= set(data["changes"][0])
    assert main(["diff", str(BEFORE), str(LMS), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("# Summary of updates") and "| version | rule |" in md
    assert main(["diff", str(tmp_path / "missing.rules"), str(LMS)]) == 2
    assert main(["diff", f"{LMS}@no-such-revision-xyz", str(LMS)]) == 2
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("id,phase,extent,site,depth,size_cm,grade,margin,rt_timing\n"
                      "p1,treatment,localized,extremity,deep,8,3,close,postoperative\n"
                      "p2,diagnosis,localized,extremity,deep,8,3,close,postoperative\n", encoding="utf-8")
    assert main(["diff", str(BEFORE), str(LMS), "--cohort", str(cohort), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["cohort"]["patients"] == 2 and data["cohort"]["changed"] == 2


def test_git_revision() -> None:
    proc = subprocess.run(["git", "cat-file", "-e", "d856320^{commit}"], cwd=ROOT, capture_output=True)
    if proc.returncode != 0:  # a shallow checkout: the fixture test above covers the same diff
        return
    assert main(["diff", "rules/lms.rules@d856320", str(BEFORE)]) in (0, 1)


# ---------------------------------------------------------------------------------------------------------------
# Brute force on random pairs


def _plain(model: Model) -> Model:
    """``model`` without action-level exceptions (``overrides rule.action``, prevailing prohibitions): this pair
    generator drops and rewrites entries, which would leave them dangling. The diff reads them; the mutant pairs of
    tests/test_fuzz_mutants.py check it against the reference evaluator."""
    rules = []
    for r in model.rules:
        if getattr(r, "sets_aside", ()):
            r = dataclasses.replace(r, sets_aside=())
        if any(getattr(e, "prevails", False) for e in r.entries):
            r = dataclasses.replace(r, entries=tuple(dataclasses.replace(e, prevails=False) for e in r.entries))
        rules.append(r)
    return dataclasses.replace(model, rules=tuple(rules))


@st.composite
def _pairs(draw: Any) -> tuple[Model, Model]:
    a = _plain(draw(models()))
    ins, lets = a.inputs, list(a.lets)
    rules: list[Rule] = []
    for r in a.rules:
        k = draw(st.integers(0, 7))
        if k == 0:
            continue  # dropped
        if k == 1:
            when = condition(draw, ins, lets)
            guard = next(s.guard for s in a.sections if s.name == r.section)
            r = dataclasses.replace(r, when=when, condition=And((guard, when)))
        elif k == 2:
            e = r.entries[0]
            r = dataclasses.replace(r, entries=(Entry(e.action, draw(st.sampled_from(list(Strength))), e.params),
                                                *r.entries[1:]))
        elif k == 3:
            e = r.entries[0]
            r = dataclasses.replace(r, entries=(Entry(draw(st.sampled_from(ACTIONS)), e.strength, ()),
                                                *r.entries[1:]))
        rules.append(r)
    names = {r.name for r in rules}
    rules = [dataclasses.replace(r, overrides=tuple(o for o in r.overrides if o in names)) for r in rules]
    return a, dataclasses.replace(a, rules=tuple(rules))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pairs(), st.integers(0, 10**6))
def test_random_pairs_agree_with_enumeration(pair: tuple[Model, Model], seed: int) -> None:
    agrees_with_reference(*pair, seed)
