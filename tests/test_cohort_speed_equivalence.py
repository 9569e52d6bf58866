"""The fast paths give exactly the results of the plain ones, on random LMS cohorts with missing values.

Fast paths under test: the generated full and partial paths with their memos (engine/evaluate/fast.py,
engine/evaluate/walk.py), the memoised cell conversion of CSV cohorts (engine/cases/cohort.py), the pre-formatted
CSV rows (engine/cli/report_csv.py) and the slot-twin constructors (engine/evaluate/result.py). Each is compared
with a plain version built here: the unmemoised walk with the tree-walking ``because``, the per-cell converter,
``csv.writer`` on every row, the dataclass constructors.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

import engine
from bench.cohort import cohort_rows, write_cohort
from engine.cases.cohort import load_csv
from engine.cases.validate import Case, CaseChecker
from engine.cli.report_csv import csv_report
from engine.compile.guideline import CompiledGuideline
from engine.core.model import Strength
from engine.evaluate.assemble import assemble
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.evaluate.result import (
    Because,
    FactValue,
    Recommendation,
    Result,
    new_because,
    new_recommendation,
    new_result,
)
from engine.evaluate.walk import active_sets, outcomes_from, reach_values, walk_diagram

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LMS = os.path.join(ROOT, "rules", "lms.rules")


@pytest.fixture(scope="module")
def lms() -> Guideline:
    return engine.load(LMS)


def let_values(g: CompiledGuideline, branch: Sequence[int | None]) -> list[tuple[str, bool | None]]:
    """Each let's value: the one its diagram reaches, or None when the branches disagree."""
    out: list[tuple[str, bool | None]] = []
    for name, node in g.let_nodes.items():
        vals = {v for v in reach_values(g, node, branch) if v is not None}
        out.append((name, vals.pop() if len(vals) == 1 else None))
    return out


def plain_evaluate(guideline: Guideline, facts: Mapping[str, FactValue], case_id: str | None) -> Result:
    """The walk of engine/evaluate/walk.py with no memo, no generated code and the tree-walking ``because``."""
    g = guideline.compiled
    active = active_sets(g)
    branch: list[int | None] = []
    for v in g.vars:
        if v.kind == "known":
            branch.append(1 if v.input in facts else 0)
        else:
            branch.append(v.branch_of(facts[v.input]) if v.input in facts else None)
    outcomes = {}
    for part in g.parts:
        keys, needs = walk_diagram(g, part.node, branch, active)

        def need_names(ri: int, needs: dict[int, frozenset[int]] = needs) -> tuple[str, ...]:
            return tuple(dict.fromkeys(g.vars[lv].input for lv in sorted(needs.get(ri, ()))))

        outcomes.update(outcomes_from(g.model, part.rules, keys, need_names))
    return guideline.evaluator.deriver.attach(assemble(g.model, case_id, outcomes, facts, let_values(g, branch)),
                                              facts)


@pytest.mark.parametrize("p_missing", [0.0, 0.05, 0.3])
def test_evaluate_equals_plain_walk(lms: Guideline, p_missing: float) -> None:
    cases = cohort_rows(lms.model, 1500, p_missing, seed=int(p_missing * 100) + 1)
    fresh = engine.load(LMS)  # memos filled by these cases only
    for i, facts in enumerate(cases):
        got = lms.evaluate(facts, f"p{i}")
        want = plain_evaluate(lms, facts, f"p{i}")
        assert got == want, facts
        assert got.to_dict() == want.to_dict(), facts
        assert fresh.evaluate(facts, f"p{i}") == got, facts
        assert lms.evaluator.walk(facts, f"p{i}") == got, facts  # the partial path, also for all-known cases


def test_evaluate_equals_direct_oracle(lms: Guideline) -> None:
    """A few cases against the graph-free oracle (exponential in the unknowns: keep them few)."""
    for facts in cohort_rows(lms.model, 60, 0.08, seed=9):
        if sum(1 for n in lms.model.inputs if n not in facts) > 3:
            continue
        assert lms.evaluate(facts, "c").to_dict() == evaluate_direct(lms.model, facts, "c").to_dict(), facts


def test_memos_keep_results_after_many_distinct_cases(lms: Guideline) -> None:
    """Rows that repeat the same facts give equal results however many other cases were evaluated between."""
    cases = cohort_rows(lms.model, 400, 0.1, seed=21)
    first = [lms.evaluate(f) for f in cases]
    for f in cohort_rows(lms.model, 2000, 0.1, seed=22):
        lms.evaluate(f)
    assert [lms.evaluate(f) for f in cases] == first


def _plain_load(text: str, checker: CaseChecker) -> list[dict[str, FactValue]]:
    """Per-cell conversion of every row, with the same header handling as a simple cohort (id + inputs)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    out = []
    for row in rows[1:]:
        facts: dict[str, FactValue] = {}
        for name, cell in zip(header, row, strict=True):
            if name != "id" and cell.strip():
                facts[name] = checker.text_converters[name](cell.strip())
        out.append(facts)
    return out


def test_csv_loading_equals_per_cell_conversion(lms: Guideline, tmp_path: Any) -> None:
    path = str(tmp_path / "cohort.csv")
    written = write_cohort(path, 3000, 0.05, seed=4, model=lms.model)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cases, diags = load_csv(path, text, CaseChecker(lms.model))
    assert diags == []
    assert [c.facts for c in cases] == _plain_load(text, CaseChecker(lms.model)) == written
    for c, w in zip(cases, written, strict=True):  # same types too (5 and 5.0 are equal but not the same)
        assert [type(v) for v in c.facts.values()] == [type(v) for v in w.values()]
    assert [c.id for c in cases] == [f"p{i}" for i in range(3000)]


def test_csv_loading_still_reports_bad_cells_and_assumptions(lms: Guideline) -> None:
    names = list(lms.model.inputs)
    good = cohort_rows(lms.model, 1, 0.0, seed=2)[0]

    def row(i: int, **over: str) -> str:
        cells = {n: ("true" if good[n] is True else "false" if good[n] is False else str(good[n])) for n in names}
        cells.update(over)
        return f"r{i}," + ",".join(cells[n] for n in names)

    text = "\n".join(["id," + ",".join(names), row(1), row(2, sex="mail"), row(3), row(4, site="uterus", sex="male"),
                      row(5, sex="mail"), row(6)]) + "\n"
    cases, diags = load_csv("c.csv", text, CaseChecker(lms.model))
    assert [c.id for c in cases] == ["r1", "r3", "r6"]
    assert sorted({d.span.line for d in diags if d.span}) == [3, 5, 6]
    assert all(d.severity == "error" for d in diags)


def _plain_csv(pairs: list[tuple[Case, Result]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("case", "section", "action", "strength", "rule", "params", "evidence", "citations", "status",
                "detail"))
    for case, result in pairs:
        for rec in result.recommendations:
            w.writerow((case.id, rec.section, rec.action, rec.strength.value, rec.rule,
                        "; ".join(f"{n}: {v}" for n, v in rec.params), rec.evidence or "",
                        ", ".join(str(c) for c in rec.citations), "applies", ""))
        for p in result.pending:
            w.writerow((case.id, "", p.action, p.strength.value, p.rule, "", "", "", "pending",
                        "needs: " + ", ".join(p.needs)))
        for o in result.overridden:
            w.writerow((case.id, "", o.action, o.strength.value, o.rule, "", "", "", "overridden",
                        "by: " + ", ".join(o.by)))
        for c in result.conflicts:
            w.writerow((case.id, "", c.action, "", ", ".join((*c.positive, *c.negative)), "", "", "", "conflict",
                        f"for: {', '.join(c.positive)}; against: {', '.join(c.negative)}"))
        for c in result.clashes:
            w.writerow((case.id, "", c.action, "", ", ".join(r for r, _ in c.given),
                        "; ".join(f"{c.param}: {v} ({r})" for r, v in c.given), "", "", "clash", f"{c.param} differs"))
        if not (result.recommendations or result.pending or result.overridden):
            w.writerow((case.id, "", "", "", "", "", "", "", "none", ""))
    return buf.getvalue()


def test_csv_output_equals_csv_writer(lms: Guideline) -> None:
    ids = ["p1", "", "a,b", 'say "x"', "line\nbreak", "cr\rx", " padded ", "ü-ñ"]
    facts = cohort_rows(lms.model, 300, 0.05, seed=8)
    pairs = [(Case(ids[i % len(ids)] + str(i // len(ids) if i % len(ids) else ""), None, f, None, "x.csv", i + 2),
              lms.evaluate(f)) for i, f in enumerate(facts)]
    assert "".join(csv_report(lms.model, pairs)) == _plain_csv(pairs)


def test_fast_constructors_make_the_public_dataclasses() -> None:
    b1, b2 = new_because("x > 1", (("x", 2.5),)), Because("x > 1", (("x", 2.5),))
    assert type(b1) is Because and b1 == b2 and hash(b1) == hash(b2) and repr(b1) == repr(b2)
    args: tuple[Any, ...] = ("act", Strength.MUST, "r1", "s", (), "IV", (3,), (b1,), None, ("a note",), "A sentence.")
    r1, r2 = new_recommendation(*args), Recommendation(*args)
    assert type(r1) is Recommendation and r1 == r2 and hash(r1) == hash(r2) and repr(r1) == repr(r2)
    assert r1.to_dict() == r2.to_dict() and dataclasses.astuple(r1) == dataclasses.astuple(r2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r1.rule = "other"  # type: ignore[misc]
    res1, res2 = new_result("c", (r1,), (), (), (), (("l", None),)), Result("c", (r2,), lets=(("l", None),))
    assert type(res1) is Result and res1 == res2 and res1.to_dict() == res2.to_dict() and repr(res1) == repr(res2)
