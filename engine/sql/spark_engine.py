"""Evaluating a cohort on Spark (``guidegraph run --engine spark [--spark-master URL]``): the query of
:mod:`engine.sql.query` printed in Spark's dialect, run on a Spark session, decoded as the DuckDB engine decodes it.

Why the same query and the same decoding: the differential promise ("every engine gives the Python evaluator's
answers") then rests on one SQL form, tested against Python on DuckDB and on Spark alike; only the dialect
differs. The cases are the Python case loader's, already validated (same diagnostics and rows by construction);
they reach Spark as a typed DataFrame (enum members as text, numbers as doubles, NULL = unknown). A session of
``local[*]`` runs in this process's JVM; ``--spark-master`` names a cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from engine.cases.validate import Case
from engine.core.model import FactValue
from engine.evaluate.assemble import assemble
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import LazyDerived, Result
from engine.sql.plan import decode
from engine.sql.query import ROW, Query, build, raw_query

TABLE = "__gg_cases"


def _types(q: Query) -> dict[str, str]:
    kinds = {v.input: v.kind for v in q.g.vars if v.kind != "known"}
    out = {ROW: "bigint"}
    for name in q.inputs:
        kind = kinds.get(name, "enum")
        out[name] = "boolean" if kind == "bool" else "double" if kind in ("number", "integer") else "string"
    return out


def _value(v: FactValue | None, kind: str) -> Any:
    if v is None or kind == "boolean":
        return v
    if kind == "double":
        return float(v)
    return str(v)


def session(master: str | None = None) -> Any:
    """A Spark session (``local[*]`` unless ``master`` names another), quiet and without its web UI."""
    from pyspark.sql import SparkSession

    # whole-stage code generation is off: the query's ~1,500 CASE columns (LMS) exceed the JVM's 64 KB method
    # limit, so Spark would compile, fail, log a stack trace and fall back to the interpreter for every query
    spark = (SparkSession.builder.master(master or "local[*]").appName("guidegraph")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
             .config("spark.sql.codegen.wholeStage", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def evaluate_spark(guideline: Guideline, cases: Sequence[Case], spark: Any = None,
                   master: str | None = None) -> Iterator[tuple[Case, Result]]:
    """The cases' results, in order, decided by Spark (equal to ``guideline.evaluate`` case by case), on ``spark``
    or a new :func:`session` of ``master``, started only once the query is built (a guideline the SQL form
    refuses raises :class:`engine.sql.query.Unsupported` before any JVM starts)."""
    from pyspark.sql.types import StructType

    g = guideline.compiled
    model = g.model
    q = build(g, TABLE)
    if spark is None:
        spark = session(master)
    types = _types(q)
    schema = StructType.fromDDL(", ".join(f"`{n}` {t}" for n, t in types.items()))
    rows = [(i, *(_value(case.facts.get(n), types[n]) for n in q.inputs)) for i, case in enumerate(cases)]
    spark.createDataFrame(rows, schema).createOrReplaceTempView(TABLE)
    n_units = len(q.units)
    let_names = [name for name, _ in q.lets]
    because_of = guideline.evaluator.because_of
    derive = guideline.evaluator.deriver.derive
    plans: dict[tuple[int, ...], Any] = {}
    for row in spark.sql(raw_query(q).sql(dialect="spark")).toLocalIterator():
        case = cases[row[0]]
        key = tuple(row[1:1 + 3 * n_units])
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = decode(guideline, q, key)
        lets = tuple((name, True if f == 3 else False if f == 5 else None)
                     for name, f in zip(let_names, row[1 + 3 * n_units:], strict=True))
        res = assemble(model, case.id, {}, case.facts, lets, because_of, plan)
        object.__setattr__(res, "derived", LazyDerived(derive, case.facts))
        yield case, res
