"""The ``run`` report of a cohort written by DuckDB itself (CSV or Parquet), with the bytes of the Python path.

Why it can be exact without Python per row: every row of the CSV report but the case id is fixed by the case's
*plan*, what each status unit is (active, pending on which inputs, set aside by which rules: the query's ``f``,
``b``, ``q`` columns); recommendations, pending and set-aside rows, conflicts and clashes all follow from it, and
a cohort has few distinct plans (LMS: a few thousand in 10 million rows). So DuckDB computes a key per case (two
independent 64-bit hashes of the plan columns; a collision of the first is detected by the second, and refused),
Python formats each distinct plan once with the report code of ``guidegraph run`` (:func:`csv_report`, parsed
back into cells), and DuckDB joins the cases to their plan's rows and writes them in case order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from engine.cases.validate import Case
from engine.cli.report_run import CSV_COLUMNS, csv_report
from engine.compile.guideline import RuleStatus
from engine.evaluate.assemble import ACTIVE, Outcome, Plan, assemble, plan_of
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result
from engine.sql.cache import cached
from engine.sql.query import Query, build, raw_query

SRC = "__gg_src"
"""The view every cached query reads: ``__gg_ord``, ``__gg_case`` and one column per input."""


class Collision(Exception):
    """Two plans with the same first hash (never seen; the run stops rather than mix them up)."""


@dataclass
class Queries:
    """The SQL texts of one guideline for DuckDB (cached on disk: :mod:`engine.sql.cache`)."""

    q: Query
    raw: str
    keys: str
    possible: str


def _plan_cols(q: Query) -> list[str]:
    return [q.col(k, u.node).sql("duckdb") for u in q.units for k in ("f", "b", "q")]


def queries(guideline: Guideline) -> Queries:
    """The queries over :data:`SRC`."""
    q = build(guideline.compiled, SRC)

    def keys() -> str:
        cols = _plan_cols(q) or ["0"]
        return (f"SELECT __gg_ord, __gg_case, hash({', '.join(cols)}) AS __gg_h1, "
                f"hash({', '.join(reversed(cols))}, 'gg') AS __gg_h2 "
                f"FROM {q.inner.subquery('__gg_nodes').sql('duckdb')}")

    def possible() -> str:
        a = build(guideline.compiled, SRC, assume_only=True)
        f = a.col("f", a.assume).sql("duckdb")
        return (f"SELECT __gg_ord, __gg_ok, __gg_id, (({f}) & 2) <> 0 AS __gg_possible "
                f"FROM {a.inner.subquery('__gg_n').sql('duckdb')}")

    return Queries(q, cached(q, "raw", lambda: raw_query(q, "__gg_ord").sql(dialect="duckdb")),
                   cached(q, "keys", keys), cached(q, "possible", possible))


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


def keyed(con: duckdb.DuckDBPyConnection, qs: Queries) -> None:
    """``__gg_keyed``: per case (in file order) its id and plan hashes; ``__gg_plans_seen``: the distinct plans,
    with a representative case and how many cases have it."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE __gg_keyed AS {qs.keys}")
    con.execute("CREATE OR REPLACE TEMP TABLE __gg_plans_seen AS SELECT __gg_h1, min(__gg_ord) AS rep, "
                "count(*) AS n, min(__gg_h2) <> max(__gg_h2) AS clash FROM __gg_keyed GROUP BY __gg_h1")
    if con.execute("SELECT count(*) FROM __gg_plans_seen WHERE clash").fetchall()[0][0]:
        raise Collision("two different plans share a hash")


def plans(con: duckdb.DuckDBPyConnection, guideline: Guideline, qs: Queries, cases_view: str) -> dict[int, Plan]:
    """The plan of every distinct hash in ``__gg_plans_seen`` (one query over the representative cases)."""
    reps = dict(con.execute("SELECT rep, __gg_h1 FROM __gg_plans_seen").fetchall())
    con.execute(f"CREATE OR REPLACE TEMP VIEW {SRC} AS SELECT * FROM {cases_view} WHERE __gg_ord IN "
                "(SELECT rep FROM __gg_plans_seen)")
    out: dict[int, Plan] = {}
    for row in con.execute(qs.raw).fetchall():
        out[reps[row[0]]] = decode(guideline, qs.q, row[1:1 + 3 * len(qs.q.units)])
    return out


def write_report(con: duckdb.DuckDBPyConnection, guideline: Guideline, qs: Queries, cases_view: str, path: str,
                 fmt: str) -> Written:
    """Write the CSV report of the cases in ``cases_view`` to ``path`` as ``fmt`` (``csv`` or ``parquet``)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW {SRC} AS SELECT * FROM {cases_view}")
    keyed(con, qs)
    found = plans(con, guideline, qs, cases_view)
    table: dict[str, list[Any]] = {n: [] for n in ("__gg_h1", "__gg_seq", *CSV_COLUMNS[1:])}
    flags: list[tuple[int, bool, bool]] = []
    for h, plan in found.items():
        rows, conflict, clash = plan_rows(guideline, plan)
        flags.append((h, conflict, clash))
        for seq, r in enumerate(rows):
            table["__gg_h1"].append(h)
            table["__gg_seq"].append(seq)
            for name, cell in zip(CSV_COLUMNS[1:], r, strict=True):
                table[name].append(cell)
    import pyarrow as pa

    arrow = pa.table({"__gg_h1": pa.array(table["__gg_h1"], pa.uint64()),
                      "__gg_seq": pa.array(table["__gg_seq"], pa.int32()),
                      **{n: pa.array(table[n], pa.string()) for n in CSV_COLUMNS[1:]}})
    con.register("__gg_plan_arrow", arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE __gg_plan_rows AS SELECT __gg_h1, list(struct_pack("
                + ", ".join(f'"{n}" := "{n}"' for n in CSV_COLUMNS[1:])
                + ") ORDER BY __gg_seq) AS r FROM __gg_plan_arrow GROUP BY __gg_h1")
    con.unregister("__gg_plan_arrow")
    select = ('SELECT __gg_case AS "case", unnest(r, recursive := true) FROM (SELECT k.__gg_ord, k.__gg_case, '
              "p.r FROM __gg_keyed k JOIN __gg_plan_rows p USING (__gg_h1) ORDER BY k.__gg_ord)")
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true, QUOTE '\"'"
    con.execute(f"COPY ({select}) TO '{path.replace(chr(39), chr(39) * 2)}' ({options})")
    counts = dict(con.execute("SELECT __gg_h1, n FROM __gg_plans_seen").fetchall())
    total = sum(counts.values())
    out_rows = con.execute("SELECT sum(n * len(r)) FROM __gg_plans_seen JOIN __gg_plan_rows USING (__gg_h1)") \
        .fetchall()[0][0] or 0
    return Written(total, int(out_rows), len(found), sum(counts[h] for h, c, _ in flags if c),
                   sum(counts[h] for h, _, k in flags if k))
