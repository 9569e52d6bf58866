"""Evaluating a cohort in DuckDB: the query of :mod:`engine.sql.query` decides every unit's status and every let,
Python assembles the same :class:`~engine.evaluate.result.Result` the evaluator builds (``because`` lists, order,
conflicts: :func:`engine.evaluate.assemble.assemble`).

The cases are those of the Python case loader, already validated (same diagnostics, codes and rows by
construction); they reach DuckDB as a typed CSV file written here (numbers as exact ``repr``, enum members as
text, empty = NULL = unknown).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Sequence

import duckdb

from engine.cases.validate import Case
from engine.compile.guideline import RuleStatus
from engine.core.model import FactValue
from engine.evaluate.assemble import ACTIVE, Outcome, Plan, assemble, plan_of
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import LazyDerived, Result
from engine.sql.query import ROW, Query, build, raw_query

TABLE = "__gg_cases"
BATCH = 10_000


def _cell(value: FactValue | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _types(q: Query) -> dict[str, str]:
    kinds = {v.input: v.kind for v in q.g.vars if v.kind != "known"}
    out = {ROW: "BIGINT"}
    for name in q.inputs:
        kind = kinds.get(name, "enum")
        out[name] = "BOOLEAN" if kind == "bool" else "DOUBLE" if kind in ("number", "integer") else "VARCHAR"
    return out


def _decoder(q: Query) -> tuple[list[int], list[tuple[int, str]], list[int]]:
    levels = [(1 << lv, v.input) for lv, v in enumerate(q.g.vars) if v.kind != "known"]
    over = sorted(q.over_bits, key=q.over_bits.__getitem__)
    return [u.unit for u in q.units], levels, over


def evaluate_duckdb(guideline: Guideline, cases: Sequence[Case],
                    connection: duckdb.DuckDBPyConnection | None = None) -> Iterator[tuple[Case, Result]]:
    """The cases' results, in order, decided by DuckDB (equal to ``guideline.evaluate`` case by case)."""
    g = guideline.compiled
    model = g.model
    q = build(g, TABLE)
    types = _types(q)
    con = connection or duckdb.connect()
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="guidegraph-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(types)
            for i, case in enumerate(cases):
                w.writerow([i, *(_cell(case.facts.get(n)) for n in q.inputs)])
        columns = ", ".join(f"'{n}': '{t}'" for n, t in types.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT * FROM read_csv('{path}', header = true, "
                    f"auto_detect = false, columns = {{{columns}}}, nullstr = '', quote = '\"', escape = '\"')")
    finally:
        os.unlink(path)
    units, levels, over = _decoder(q)
    let_names = [name for name, _ in q.lets]
    n_units = len(units)
    plans: dict[tuple[int, ...], Plan] = {}
    because_of = guideline.evaluator.because_of
    derive = guideline.evaluator.deriver.derive
    cur = con.execute(raw_query(q).sql(dialect="duckdb"))
    try:
        while True:
            rows = cur.fetchmany(BATCH)
            if not rows:
                break
            for row in rows:
                case = cases[row[0]]
                key = row[1:1 + 3 * n_units]
                plan = plans.get(key)
                if plan is None:
                    outcomes: dict[int, Outcome] = {}
                    for k, u in enumerate(units):
                        f, b, m = key[3 * k:3 * k + 3]
                        if not f & 1:
                            continue
                        if not f & 4:
                            outcomes[u] = ACTIVE
                        elif f & 2:
                            outcomes[u] = Outcome(RuleStatus.PENDING, (), tuple(
                                dict.fromkeys(name for bit, name in levels if m & bit)))
                        elif not f & 8:
                            outcomes[u] = Outcome(RuleStatus.OVERRIDDEN, tuple(
                                sorted(o for i, o in enumerate(over) if b >> i & 1)))
                    plan = plans[key] = plan_of(model, outcomes)
                lets = tuple((name, True if f == 3 else False if f == 5 else None)
                             for name, f in zip(let_names, row[1 + 3 * n_units:], strict=True))
                res = assemble(model, case.id, {}, case.facts, lets, because_of, plan)
                object.__setattr__(res, "derived", LazyDerived(derive, case.facts))
                yield case, res
    finally:
        if connection is None:
            con.close()
