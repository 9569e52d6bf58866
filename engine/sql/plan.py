"""The ``run`` report of a cohort written by DuckDB itself (CSV or Parquet), with the bytes of the Python path.

Why it can be exact without Python per row: every row of the CSV report but the case id is fixed by the case's
*plan*, what each status unit is (active, pending on which inputs, set aside by which rules: the query's ``f``,
``b``, ``q`` columns); recommendations, pending and set-aside rows, conflicts and clashes all follow from it, and
a cohort has few distinct plans (LMS: under a thousand in a million rows). So DuckDB gives each case a plan key,
decided once per distinct combination of the cells the diagrams test (:mod:`engine.sql.cells`), Python formats
each distinct plan once with the report code of ``guidegraph run`` (:func:`csv_report`, parsed back into cells),
and DuckDB writes each case's id with its plan's rows, in case order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from engine.cases.validate import Case
from engine.cli.report_csv import CSV_COLUMNS, csv_report
from engine.compile.guideline import RuleStatus
from engine.evaluate.assemble import ACTIVE, Outcome, Plan, assemble, plan_of
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result
from engine.sql.cache import cached
from engine.sql.cells import KEYED, SEEN, KeyColumns, PartQuery, key_columns, keyed, part_keys, part_query
from engine.sql.cells import Collision as Collision  # re-exported: the audit command catches it here
from engine.sql.query import Query, build
from engine.sql.source import lit

SRC = "__gg_src"
"""The view every cached query reads: ``__gg_ord``, ``__gg_case`` and one column per input."""


@dataclass
class Queries:
    """The SQL texts of one guideline for DuckDB (cached on disk: :mod:`engine.sql.cache`)."""

    q: Query
    parts: list[PartQuery]
    possible: str
    keys: KeyColumns
    """The parts' key columns, for the reader to compute in its validating scan."""


def queries(guideline: Guideline) -> Queries:
    """The queries over :data:`SRC`."""
    q = build(guideline.compiled, SRC)

    def possible() -> str:
        a = build(guideline.compiled, SRC, assume_only=True, index_all=True)
        f = a.col("f", a.assume).sql("duckdb")
        return f"SELECT *, (({f}) & 2) <> 0 AS __gg_possible FROM {a.inner.subquery('__gg_n').sql('duckdb')}"

    keys = part_keys(guideline.compiled)
    parts = [part_query(guideline, k) for k in keys]
    return Queries(q, parts, cached(q, "possible", possible), key_columns(guideline.compiled, keys))


def decode(guideline: Guideline, q: Query, row: Sequence[int]) -> Plan:
    """The plan of one row of :func:`raw_query` (after its id column), as the walk's outcomes give it."""
    levels = [(1 << lv, v.input) for lv, v in enumerate(q.g.vars) if v.kind != "known"]
    over = sorted(q.over_bits, key=q.over_bits.__getitem__)
    outcomes: dict[int, Outcome] = {}
    for k, u in enumerate(q.units):
        f, b, m = row[3 * k:3 * k + 3]
        if not f & 1:
            continue
        if not f & 4:
            outcomes[u.unit] = ACTIVE
        elif f & 2:
            outcomes[u.unit] = Outcome(RuleStatus.PENDING, (), tuple(
                dict.fromkeys(name for bit, name in levels if m & bit)))
        elif not f & 8:
            outcomes[u.unit] = Outcome(RuleStatus.OVERRIDDEN, tuple(
                sorted(o for i, o in enumerate(over) if b >> i & 1)))
    return plan_of(guideline.model, outcomes)


def plan_result(guideline: Guideline, plan: Plan) -> Result:
    """A result with the plan's rows (no facts: ``because`` is empty, which the CSV report does not show)."""
    model = guideline.model
    none = [lambda facts, lets: () for _ in model.rules]
    return assemble(model, "", {}, {}, (), none, plan)


def plan_rows(guideline: Guideline, plan: Plan) -> tuple[list[list[str | None]], bool, bool]:
    """The CSV report's rows for one plan, after the case column (empty cells as None), and whether the plan has
    a conflict, and a clash."""
    result = plan_result(guideline, plan)
    case = Case("x", None, {}, None, "", 0)
    text = "".join(csv_report(guideline.model, [(case, result)]))
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return [[c if c else None for c in r[1:]] for r in rows], bool(result.conflicts), bool(result.clashes)


@dataclass
class Written:
    cases: int
    rows: int
    plans: int
    conflicts: int
    clashes: int


def plans(con: duckdb.DuckDBPyConnection, guideline: Guideline, qs: Queries, cases_view: str,
          keys_view: str | None = None) -> dict[int, Plan]:
    """Create :data:`engine.sql.cells.KEYED` (per case its plan key ``__gg_h1``) and :data:`engine.sql.cells.SEEN`
    (per key how many cases have it) for the cases in ``cases_view`` (``keys_view``: the same cases with their key
    columns, when the reader computed them); return the plan of every key."""
    found = keyed(con, guideline.compiled, qs.parts, cases_view, keys_view)
    return {h: decode(guideline, qs.q, row) for h, row in found.items()}


def _enum(values: Sequence[str | None]) -> str:
    """The SQL type a report column is written as: an ``ENUM`` of its values. Why: DuckDB writes an ``ENUM``
    column to Parquet as its dictionary and the codes (about 5x faster than hashing every text of the ~11 rows per
    LMS case); readers see text, and CSV gets the same text."""
    found = sorted({v for v in values if v is not None})
    if not found:
        return "VARCHAR"
    return "ENUM(" + ", ".join(lit(v) for v in found) + ")"


def write_report(con: duckdb.DuckDBPyConnection, guideline: Guideline, qs: Queries, cases_view: str, path: str,
                 fmt: str, keys_view: str | None = None) -> Written:
    """Write the CSV report of the cases in ``cases_view`` to ``path`` as ``fmt`` (``csv`` or ``parquet``).

    The plans' rows become one list per plan, held in a DuckDB variable; each case, in file order, is its id and
    the rows of its plan's list (a lookup by position, no join per output row). Not for a guideline with
    adjustments or constraints: its rows depend on the verdicts and the facts (``adjusted`` and ``never_together``
    rows), which a plan alone does not give."""
    if guideline.model.adjustments or guideline.model.together:
        raise ValueError("write_report: a guideline with adjustments or never_together constraints is written case "
                         "by case (engine/sql/native.py)")
    found = plans(con, guideline, qs, cases_view, keys_view)
    columns = CSV_COLUMNS[1:]
    table: dict[str, list[Any]] = {n: [] for n in ("__gg_pid", "__gg_seq", *columns)}
    pids: list[tuple[int, int]] = []
    flags: list[tuple[int, bool, bool, int]] = []
    for pid, (h, plan) in enumerate(found.items(), 1):
        rows, conflict, clash = plan_rows(guideline, plan)
        pids.append((h, pid))
        flags.append((h, conflict, clash, len(rows)))
        for seq, r in enumerate(rows):
            table["__gg_pid"].append(pid)
            table["__gg_seq"].append(seq)
            for name, cell in zip(columns, r, strict=True):
                table[name].append(cell)
    import pyarrow as pa

    arrow = pa.table({"__gg_pid": pa.array(table["__gg_pid"], pa.int64()),
                      "__gg_seq": pa.array(table["__gg_seq"], pa.int32()),
                      **{n: pa.array(table[n], pa.string()) for n in columns}})
    con.register("__gg_plan_arrow", arrow)
    fields = ", ".join(f'"{n}" := CAST("{n}" AS {_enum(table[n])})' for n in columns)
    con.execute(f"SET VARIABLE __gg_rows = (SELECT list(r ORDER BY __gg_pid) FROM (SELECT __gg_pid, "
                f"list(struct_pack({fields}) ORDER BY __gg_seq) AS r FROM __gg_plan_arrow GROUP BY __gg_pid))")
    con.unregister("__gg_plan_arrow")
    con.register("__gg_pid_arrow", pa.table({"__gg_h1": pa.array([h for h, _ in pids], pa.uint64()),
                                             "__gg_pid": pa.array([p for _, p in pids], pa.int64())}))
    con.execute("CREATE OR REPLACE TEMP TABLE __gg_pids AS SELECT * FROM __gg_pid_arrow")
    con.unregister("__gg_pid_arrow")
    select = (f'SELECT __gg_case AS "case", unnest(getvariable(\'__gg_rows\')[__gg_pid], recursive := true) FROM '
              f"(SELECT k.__gg_ord, k.__gg_case, p.__gg_pid FROM {KEYED} k JOIN __gg_pids p USING (__gg_h1) "
              "ORDER BY k.__gg_ord)")
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true, QUOTE '\"'"
    con.execute(f"COPY ({select}) TO {lit(path)} ({options})")
    counts = {int(h): int(n) for h, n in con.execute(f"SELECT __gg_h1, n FROM {SEEN}").fetchall()}
    return Written(sum(counts.values()), sum(counts[h] * k for h, _, _, k in flags), len(found),
                   sum(counts[h] for h, c, _, _ in flags if c), sum(counts[h] for h, _, k, _ in flags if k))
