"""Spark (``guidegraph sql --dialect spark``, ``run --engine spark``; engine/sql/spark_engine.py): the same query as
DuckDB's, and the same answers as the Python evaluator, row by row, unknown values included.

The tests that start a Spark session are marked ``spark`` (``make test-spark`` installs the spark extra and runs
them) and ``slow`` (a session costs seconds: the default suite leaves them out); each one skips, saying why, when
pyspark or Java is missing. Printing the Spark dialect needs sqlglot only, and is in the default suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from engine.cases.validate import Case
from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")
AF = str(ROOT / "rules/af.rules")

pytest.importorskip("sqlglot", reason="the cohort extra is not installed (scripts/setup.sh installs it)")

NO_SPARK = ("pyspark is not installed (make test-spark installs the spark extra)"
            if importlib.util.find_spec("pyspark") is None else
            "Java is not installed (Spark needs Java 17+)" if shutil.which("java") is None
            and not os.environ.get("JAVA_HOME") else None)


def test_sql_prints_the_spark_dialect(cli: Cli) -> None:
    r = cli("sql", LMS, "--dialect", "spark", "--table", "registry")
    assert r.code == 0, r.err
    assert "registry" in r.out and "CAST(" in r.out and "VARCHAR" not in r.out  # Spark says STRING


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if NO_SPARK is not None:
        pytest.skip(NO_SPARK)
    from engine.sql.spark_engine import session

    s = session()
    yield s


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(NO_SPARK is not None, reason=NO_SPARK or "")
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_spark_duckdb_and_python_agree_on_random_guidelines(spark: Any, data: Any) -> None:
    from engine.sql.duckdb_engine import evaluate_duckdb
    from engine.sql.spark_engine import evaluate_spark

    model = data.draw(models())
    g = Guideline(compile(model))
    facts = [data.draw(facts_for(model)) for _ in range(12)]
    cases = [Case(f"r{i}", None, f, None, "", i) for i, f in enumerate(facts) if g.evaluator.possible(f)]
    want = [g.evaluate(c.facts, c.id, validate=False).to_dict() for c in cases]
    assert [r.to_dict() for _, r in evaluate_spark(g, cases, spark)] == want
    assert [r.to_dict() for _, r in evaluate_duckdb(g, cases)] == want


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(NO_SPARK is not None, reason=NO_SPARK or "")
def test_run_engine_spark_gives_the_python_json_on_lms(cli: Cli, spark: Any, tmp_path: Path) -> None:
    from rules.lms_cohort import write

    cohort = tmp_path / "lms.csv"
    write(str(cohort), 200, 0.15, 5)
    py = cli("run", LMS, str(cohort), "--format", "json")
    sp = cli("run", LMS, str(cohort), "--format", "json", "--engine", "spark", "--spark-master", "local[2]")
    assert sp.code == py.code and sp.err == py.err
    assert json.loads(sp.out) == json.loads(py.out)


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(NO_SPARK is not None, reason=NO_SPARK or "")
def test_derived_values_are_refused_before_spark_starts(cli: Cli) -> None:
    r = cli("run", AF, str(ROOT / "rules/af-cases"), "--engine", "spark")
    assert r.code == 2 and r.out == ""
    assert "--engine spark cannot run this guideline" in r.err and "computed from the inputs" in r.err
