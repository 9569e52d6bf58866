"""Plans decided once per distinct combination of cells (engine/sql/cells.py) are the Python evaluator's, case by
case: on random guidelines with many partial cases (NULL = unknown, pending), with the keys split into many
columns and the plan key hashed (a tiny packing limit), on number values at the thresholds, and on LMS."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from bench.cohort import cell, cohort_rows
from engine import load
from engine.cases.validate import Case
from engine.cli.report_csv import csv_report
from engine.compile.compiler import compile
from engine.core.model import FactValue
from engine.evaluate.guideline import Guideline

duckdb = pytest.importorskip("duckdb", reason="the cohort extra is not installed (scripts/setup.sh installs it)")
pytest.importorskip("sqlglot", reason="the cohort extra is not installed (scripts/setup.sh installs it)")

from engine.sql import cells  # noqa: E402
from engine.sql.cells import KEYED, Digit, pack  # noqa: E402
from engine.sql.plan import plan_result, plans, queries, write_report  # noqa: E402
from engine.sql.source import CASES, open_cohort  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")


def _write(path: Path, g: Guideline, facts: list[dict[str, FactValue]]) -> None:
    names = list(g.model.inputs)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id," + ",".join(names) + "\n")
        for i, c in enumerate(facts):
            f.write(f"r{i}," + ",".join(cell(c.get(k)) for k in names) + "\n")


def _report(g: Guideline, case_id: str, result: Any) -> list[list[str]]:
    text = "".join(csv_report(g.model, [(Case(case_id, None, {}, None, "", 0), result)]))
    return list(csv.reader(io.StringIO(text)))[1:]


def _row_by_row(g: Guideline, facts: list[dict[str, FactValue]], tmp: Path) -> None:
    """Every possible case's plan, from its key, gives the rows the evaluator's result gives, and the whole CSV
    report is the Python path's."""
    path = tmp / "cohort.csv"
    _write(path, g, facts)
    con = duckdb.connect()
    qs = queries(g)
    open_cohort(con, str(path), g, qs.possible)
    found = plans(con, g, qs, CASES)
    keyed = dict(con.execute(f"SELECT __gg_case, __gg_h1 FROM {KEYED}").fetchall())
    kept = [(f"r{i}", c) for i, c in enumerate(facts) if g.evaluator.possible(c)]
    assert sorted(keyed) == sorted(i for i, _ in kept)
    for case_id, c in kept:
        want = g.evaluate(c, case_id, validate=False)
        assert _report(g, case_id, plan_result(g, found[keyed[case_id]])) == _report(g, case_id, want), c
    out = tmp / "out.csv"
    write_report(con, g, qs, CASES, str(out), "csv")
    pairs = [(Case(i, None, c, None, "", 0), g.evaluate(c, i, validate=False)) for i, c in kept]
    assert out.read_text(encoding="utf-8") == "".join(csv_report(g.model, pairs))


def _random(data: Any, tmp: Path) -> None:
    # the per-plan writer takes guidelines without adjustments (their CSV rows depend on the verdicts: run_native
    # assembles those case by case, tests/test_adjust_csv.py)
    model = data.draw(models(adjustments=False))
    g = Guideline(compile(model))
    # few distinct draws, each repeated: several cases share their cells (the point of deciding per class)
    distinct = [data.draw(facts_for(model)) for _ in range(8)]
    picks = data.draw(st.lists(st.integers(0, len(distinct) - 1), min_size=8, max_size=24))
    _row_by_row(g, [*distinct, *(distinct[i] for i in picks), {}], tmp)


SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data())
def test_plans_by_cells_match_python_on_random_guidelines(tmp_path: Path, data: Any) -> None:
    _random(data, tmp_path)


@SETTINGS
@given(data=st.data())
def test_split_keys_and_a_hashed_plan_key_change_nothing(tmp_path: Path, data: Any) -> None:
    """With a packing limit of 4 every level is a key column of its own and the plan key is a hash (the path of
    guidelines too large for exact keys): the answers stay the evaluator's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cells, "LIMIT", 4)
        _random(data, tmp_path)


def test_pack_splits_only_when_the_product_would_overflow() -> None:
    assert pack([(0, 3), (1, 4), (2, 2)]) == [[Digit(0, 3, 1), Digit(1, 4, 3), Digit(2, 2, 12)]]
    big = 1 << 40
    assert pack([(0, big), (1, big), (2, 2)]) == [[Digit(0, big, 1)], [Digit(1, big, 1), Digit(2, 2, big)]]
    assert pack([]) == [[]]


@pytest.fixture(scope="module")
def lms() -> Guideline:
    return load(LMS)


def test_lms_at_its_thresholds_and_with_unknowns(lms: Guideline, tmp_path: Path) -> None:
    """Number values exactly at, just below and just above each threshold the diagrams test, and missing."""
    base = cohort_rows(lms.model, 60, 0.3, 17)
    edges: set[float] = set()
    for v in lms.compiled.vars:
        if v.numeric:
            for c in v.branches:
                edges.update(float(x) for x in (getattr(c, "low", None), getattr(c, "high", None))
                             if x is not None and abs(float(x)) != float("inf"))
    facts: list[dict[str, FactValue]] = []
    for i, row in enumerate(base):
        for name, inp in lms.model.inputs.items():
            if inp.numeric and edges and name in row:
                e = sorted(edges)[i % len(edges)]
                value = e + (i % 3 - 1) * 0.1
                if inp.low <= value <= inp.high:
                    row = {**row, name: int(value) if inp.kind == "integer" and value == int(value) else value}
        facts.append(row)
    _row_by_row(lms, [f for f in facts if lms.evaluator.possible(f)], tmp_path)
