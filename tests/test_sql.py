"""The SQL engine (engine/sql/) gives the Python evaluator's answers, unknown values (SQL NULL) included: on random
guidelines with random partial cases, on the LMS cohort, through ``guidegraph run --engine duckdb`` and through the
query ``guidegraph sql`` prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from bench.cohort import cohort_rows, write_cohort
from engine import load
from engine.cases.validate import Case
from engine.compile.compiler import compile
from engine.core.model import FactValue
from engine.evaluate.guideline import Guideline

duckdb = pytest.importorskip("duckdb", reason="the sql extra is not installed (scripts/setup.sh installs it)")
pytest.importorskip("sqlglot", reason="the sql extra is not installed (scripts/setup.sh installs it)")

from engine.sql.duckdb_engine import evaluate_duckdb  # noqa: E402

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")


def _cases(facts: list[dict[str, FactValue]]) -> list[Case]:
    return [Case(f"c{i}", None, f, None, "mem", 1) for i, f in enumerate(facts)]


def _same(g: Guideline, facts: list[dict[str, FactValue]]) -> None:
    got = list(evaluate_duckdb(g, _cases(facts)))
    assert len(got) == len(facts)
    for case, res in got:
        want = g.evaluate(case.facts, case.id, validate=False)
        assert res.to_dict() == want.to_dict(), case.facts
        assert res == want


def _differential(data: Any) -> None:
    model = data.draw(models())
    g = Guideline(compile(model))
    facts = [data.draw(facts_for(model)) for _ in range(4)]
    # cases that break the assumptions jointly are refused by the loader (E311): keep the possible ones
    _same(g, [f for f in facts if g.evaluator.possible(f)])


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_duckdb_matches_python_on_random_guidelines(data: Any) -> None:
    _differential(data)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_duckdb_matches_python_on_many_random_guidelines(data: Any) -> None:
    _differential(data)


@pytest.fixture(scope="module")
def lms() -> Guideline:
    return load(LMS)


@pytest.mark.slow
def test_duckdb_matches_python_on_the_lms_cohort(lms: Guideline) -> None:
    rows = cohort_rows(lms.model, 400, 0.3, 5)
    _same(lms, [r for r in rows if lms.evaluator.possible(r)])


@pytest.mark.slow
def test_duckdb_matches_python_on_a_large_lms_cohort(lms: Guideline) -> None:
    for p_missing, seed in ((0.0, 1), (0.1, 2), (0.5, 3)):
        rows = cohort_rows(lms.model, 5_000, p_missing, seed)
        _same(lms, [r for r in rows if lms.evaluator.possible(r)])


@pytest.mark.parametrize("fmt", ["csv", pytest.param("json", marks=pytest.mark.slow),
                                 pytest.param("text", marks=pytest.mark.slow)])
def test_run_engine_duckdb_writes_the_same_bytes(cli: Cli, tmp_path: Path, fmt: str) -> None:
    cohort = tmp_path / "cohort.csv"
    write_cohort(str(cohort), 300, 0.2, 9)
    py = cli("run", LMS, str(cohort), "--format", fmt, "--engine", "python")
    dk = cli("run", LMS, str(cohort), "--format", fmt, "--engine", "duckdb")
    assert py.code in (0, 1)
    assert (dk.code, dk.out, dk.err) == (py.code, py.out, py.err)


@pytest.mark.slow
def test_run_engine_duckdb_reports_bad_rows_as_python_does(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "bad.csv"
    cohort.write_text("id,phase,grade\np1,treatment,4\np2,treatment,2\n", encoding="utf-8")
    py = cli("run", LMS, str(cohort), "--format", "csv", "--keep-going", "--engine", "python")
    dk = cli("run", LMS, str(cohort), "--format", "csv", "--keep-going", "--engine", "duckdb")
    assert py.code == 1
    assert "p1" in py.err
    assert (dk.code, dk.out, dk.err) == (py.code, py.out, py.err)


@pytest.mark.slow
def test_sql_command_query_gives_statuses_needs_and_overriders(cli: Cli, lms: Guideline) -> None:
    res = cli("sql", LMS, "--table", "patients")
    assert res.code == 0, res.err
    con = duckdb.connect()
    kinds = {i.name: i.kind for i in lms.model.inputs.values()}
    cols = ", ".join(f"{n} {'BOOLEAN' if k == 'bool' else 'DOUBLE' if k in ('number', 'integer') else 'VARCHAR'}"
                     for n, k in kinds.items())
    con.execute(f"CREATE TABLE patients (id VARCHAR, {cols})")
    rows = [r for r in cohort_rows(lms.model, 200, 0.3, 4) if lms.evaluator.possible(r)]
    names = list(kinds)
    con.executemany(f"INSERT INTO patients VALUES ({', '.join('?' * (len(names) + 1))})",
                    [[f"p{i}", *(None if r.get(n) is None else str(r[n]) if kinds[n] == "enum" else r[n]
                                 for n in names)] for i, r in enumerate(rows)])
    out = con.execute(res.out).fetchall()
    header = [d[0] for d in con.description]
    assert len(out) == len(rows)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in out}
    for i, facts in enumerate(rows):
        got = by_id[f"p{i}"]
        want = lms.evaluate(facts, validate=False)
        active = {r.rule for r in want.recommendations}
        pending = {p.rule: ", ".join(p.needs) for p in want.pending}
        over = {o.rule: ", ".join(o.by) for o in want.overridden}
        for rule in lms.model.rules:
            status = got[rule.name]
            expected = ("active" if rule.name in active else "pending" if rule.name in pending
                        else "overridden" if rule.name in over else None)
            assert status == expected, (facts, rule.name)
            if status == "pending":
                assert got[f"{rule.name}:needs"] == pending[rule.name]
            if status == "overridden":
                assert got[f"{rule.name}:by"] == over[rule.name]
        assert {k[4:]: v for k, v in got.items() if k.startswith("let:")} == dict(want.lets)


@pytest.mark.slow
def test_sql_command_postgres_dialect(cli: Cli) -> None:
    import sqlglot

    res = cli("sql", LMS, "--dialect", "postgres")
    assert res.code == 0, res.err
    assert sqlglot.parse_one(res.out.rstrip().rstrip(";"), read="postgres") is not None
