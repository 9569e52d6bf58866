"""Each case's plan decided once per distinct combination of cells, not once per row.

Why: the query of :mod:`engine.sql.query` computes every node of the decision DAG for every row (about 1,500
``CASE`` columns for LMS, some 40 µs a row in DuckDB), so a cohort cost about what the Python walk costs. But a
diagram only ever asks which *cell* a value is in (an enum member, a bool, one interval of the compiled number
partition, or unknown): the thresholds are finite, and a part's units (:func:`engine.compile.units.status_units`)
depend only on the cells of the variables its diagram tests. So, in DuckDB:

1. per row, each level's cell as a small integer (0 = unknown, ``i + 1`` = branch ``i``; ``known:x`` is 0 or 1),
   packed per part into exact mixed-radix keys (one ``BIGINT`` per group of levels: no hashing, no collision);
2. the distinct keys of every part (one ``GROUPING SETS`` scan: LMS has 9 parts and at most a few tens of
   thousands of distinct keys per part in a million rows);
3. the part's own query (:func:`engine.sql.query.build` with ``parts``), over those few rows rebuilt from their
   keys, gives each key the part's unit columns (``f``, ``b``, ``q``), numbered as the part's *outcomes*;
4. per row, the outcomes of all parts (hash joins with the small tables) packed into one plan key ``__gg_h1``:
   exactly (mixed radix) when the numbers of outcomes allow, else a hash whose collisions are detected (two
   different outcome tuples under one hash) and refused (:class:`Collision`).

The plan of a key is then the walk's (:func:`engine.sql.plan.decode` of the concatenated unit columns), the same
columns the whole query computes for any row with these cells. Lets are not needed: nothing the native reports
write depends on them (the text and JSON reports still run the whole query, :mod:`engine.sql.duckdb_engine`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot import exp

from engine.compile.guideline import CompiledGuideline, Var
from engine.evaluate.guideline import Guideline
from engine.sql.cache import cached
from engine.sql.query import _index, build

LIMIT = 1 << 62
"""The largest product of radices packed into one ``BIGINT`` key (exact, and positive)."""
KEYED = "__gg_keyed"
"""Per case, in no particular order: ``__gg_ord``, ``__gg_case`` and ``__gg_h1``, its plan key."""
SEEN = "__gg_plans_seen"
"""Per distinct plan key: ``__gg_h1`` and ``n``, how many cases have it."""


class Collision(Exception):
    """Two plans with the same hashed key (never seen; the run stops rather than mix them up)."""


@dataclass(frozen=True)
class Digit:
    """One level in a packed key: its cell is ``key // mult % radix``."""

    level: int
    radix: int
    mult: int


@dataclass
class PartKey:
    """The key columns of one part: ``groups[j]`` is packed into column ``__gg_k{part}_{j}``."""

    part: int
    groups: list[list[Digit]]

    def names(self) -> list[str]:
        return [f"__gg_k{self.part}_{j}" for j in range(len(self.groups))]


def support(g: CompiledGuideline, root: int) -> list[int]:
    """The levels the diagram under ``root`` tests (a superset of what its projections test)."""
    m = g.mdd
    seen: set[int] = set()
    levels: set[int] = set()
    todo = [root]
    while todo:
        n = todo.pop()
        if n in seen or m.is_terminal(n):
            continue
        seen.add(n)
        levels.add(m.level(n))
        todo.extend(m.children(n))
    return sorted(levels)


def radix(var: Var) -> int:
    return 2 if var.kind == "known" else len(var.branches) + 1


def pack(levels: Sequence[tuple[int, int]]) -> list[list[Digit]]:
    """``(level, radix)`` pairs grouped into keys whose product stays within :data:`LIMIT` (at least one group)."""
    groups: list[list[Digit]] = [[]]
    mult = 1
    for level, r in levels:
        if mult * r > LIMIT and groups[-1]:
            groups.append([])
            mult = 1
        groups[-1].append(Digit(level, r, mult))
        mult *= r
    return groups


def part_keys(g: CompiledGuideline) -> list[PartKey]:
    return [PartKey(i, pack([(lv, radix(g.vars[lv])) for lv in support(g, p.node)])) for i, p in enumerate(g.parts)]


def _cell(var: Var, level: int, indexed: bool = False) -> str:
    col = exp.column(var.input).sql("duckdb")
    if var.kind == "known":
        return f"CASE WHEN {col} IS NULL THEN 0 ELSE 1 END"
    if indexed:
        return f"COALESCE(__gg_v{level} + 1, 0)"
    return f"COALESCE(({_index(var, exp.column(var.input)).sql('duckdb')}) + 1, 0)"


@dataclass(frozen=True)
class KeyColumns:
    """The SQL of the parts' key columns over rows of typed inputs, in two steps (each cell is computed once):
    ``cells`` over the inputs (``expr AS __gg_c{level}``), then ``keys`` over the cells (``expr AS name``)."""

    cells: list[str]
    keys: list[str]
    names: list[str]
    indexed: list[str]
    """``cells`` from the branch indices ``__gg_v{level}`` of a query built with ``index_all`` (the cohort
    reader's scan has them: each value is tested once)."""

    def select(self, source: str) -> str:
        """``__gg_ord``, ``__gg_case`` and the key columns of every row of ``source`` (a table or view)."""
        cells = "".join(", " + c for c in self.cells)
        keys = "".join(", " + k for k in self.keys)
        return f"SELECT __gg_ord, __gg_case{keys} FROM (SELECT __gg_ord, __gg_case{cells} FROM {source})"


def key_columns(g: CompiledGuideline, keys: Sequence[PartKey]) -> KeyColumns:
    """The key columns of ``keys`` (see :class:`KeyColumns`)."""
    used = sorted({d.level for k in keys for grp in k.groups for d in grp})
    cells = [f"{_cell(g.vars[lv], lv)} AS __gg_c{lv}" for lv in used]
    indexed = [f"{_cell(g.vars[lv], lv, indexed=True)} AS __gg_c{lv}" for lv in used]
    cols, names = [], []
    for k in keys:
        for name, grp in zip(k.names(), k.groups, strict=True):
            top = grp[-1].mult * grp[-1].radix if grp else 1
            kind = "INTEGER" if top < 1 << 31 else "BIGINT"
            terms = " + ".join(f"CAST(__gg_c{d.level} AS {kind}) * {d.mult}" for d in grp) or "0"
            cols.append(f"CAST({terms} AS {kind}) AS {name}")
            names.append(name)
    return KeyColumns(cells, cols, names, indexed)


def keys_sql(g: CompiledGuideline, keys: Sequence[PartKey], cases_view: str) -> str:
    """Per case ``__gg_ord``, ``__gg_case`` and every part's key columns."""
    return key_columns(g, keys).select(cases_view)


@dataclass
class PartQuery:
    """A part's key and the SQL text of its query (:func:`part_query`); ``width``: its number of unit columns."""

    key: PartKey
    width: int
    sql: str


def part_query(guideline: Guideline, key: PartKey) -> PartQuery:
    """The part's query over ``__gg_d{part}`` (its distinct keys, cells decoded): per key its key columns and
    ``__gg_u{part}_{i}``, the part's unit columns in the order of :func:`engine.sql.plan.decode` (the whole
    query's units are the parts' units, part after part)."""
    q = build(guideline.compiled, f"__gg_d{key.part}", parts=[key.part])

    def make() -> str:
        cols: list[Any] = [exp.column(n) for n in key.names()]
        i = 0
        for u in q.units:
            for kind in ("f", "b", "q"):
                cols.append(q.col(kind, u.node).as_(f"__gg_u{key.part}_{i}"))
                i += 1
        return exp.select(*cols).from_(q.inner.subquery("__gg_nodes")).sql(dialect="duckdb")

    return PartQuery(key, 3 * len(q.units), cached(q, f"cells{key.part}", make))


def _decoded(key: PartKey) -> str:
    """``__gg_d{part}``: the part's distinct keys with each level's cell as the query reads it (NULL: unknown)."""
    cols = [*key.names()]
    for name, grp in zip(key.names(), key.groups, strict=True):
        for d in grp:
            c = f"({name} // {d.mult} % {d.radix})"
            cols.append(f"CASE WHEN {c} = 0 THEN NULL ELSE {c} - 1 END AS __gg_v{d.level}")
    return (f"CREATE OR REPLACE VIEW __gg_d{key.part} AS SELECT {', '.join(cols)} FROM __gg_cells_seen "
            f"WHERE {key.names()[0]} IS NOT NULL")


def _outcomes(con: duckdb.DuckDBPyConnection, part: PartQuery) -> dict[int, tuple[int, ...]]:
    """``__gg_m{part}``: per distinct key of the part its outcome number ``__gg_o{part}`` (equal unit columns,
    equal number); returns each number's unit columns."""
    key = part.key
    con.execute(_decoded(key))
    us = "".join(f", __gg_u{key.part}_{i}" for i in range(part.width))
    rank = f"dense_rank() OVER (ORDER BY {us[2:]}) - 1" if us else "0"
    con.execute(f"CREATE OR REPLACE TABLE __gg_m{key.part} AS SELECT {', '.join(key.names())}, "
                f"CAST({rank} AS BIGINT) AS __gg_o{key.part}{us} FROM ({part.sql})")
    return {int(r[0]): tuple(int(x) for x in r[1:]) for r in con.execute(
        f"SELECT DISTINCT __gg_o{key.part}{us} FROM __gg_m{key.part}").fetchall()}


def _all_outcomes(con: duckdb.DuckDBPyConnection, parts: Sequence[PartQuery]) -> list[dict[int, tuple[int, ...]]]:
    """:func:`_outcomes` of every part, two at a time on cursors of their own. Why: a part's query runs over a few
    thousand keys, so its time is DuckDB planning some thousand ``CASE`` columns, on one thread; two cursors keep
    both cores busy (LMS: 0.8 s -> 0.55 s). Their tables and views are in the main schema of the run's in-memory
    database, since a cursor does not see another's temporary ones."""
    def one(part: PartQuery) -> dict[int, tuple[int, ...]]:
        cur = con.cursor()
        try:
            return _outcomes(cur, part)
        finally:
            cur.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, parts))


def _plan_key(columns: Sequence[str], sizes: Sequence[int]) -> tuple[str, bool]:
    """The SQL of the plan key from the parts' outcome numbers, and whether it is exact (mixed radix) rather than
    a hash."""
    total = 1
    for size in sizes:
        total *= size
    if not columns:
        return "CAST(0 AS UBIGINT)", True
    if total > LIMIT:
        return f"hash({', '.join(columns)})", False
    mult, terms = 1, []
    for column, size in zip(columns, sizes, strict=True):
        terms.append(f"{column} * {mult}")
        mult *= size
    return f"CAST({' + '.join(terms)} AS UBIGINT)", True


def keyed(con: duckdb.DuckDBPyConnection, g: CompiledGuideline, parts: Sequence[PartQuery],
          cases_view: str, keys_view: str | None = None) -> dict[int, tuple[int, ...]]:
    """Create :data:`KEYED` and :data:`SEEN` for the cases in ``cases_view``; return each plan key's unit columns
    (``f``, ``b``, ``q`` per unit of the whole query, as :func:`engine.sql.plan.decode` reads them).
    ``keys_view``: those cases with their key columns already computed (:class:`KeyColumns`; the cohort reader
    computes them in its validating scan), else they are computed here."""
    keys = [p.key for p in parts]
    if keys_view is None:
        # the keys are computed in one scan of the cases and kept (about 50 bytes a case) for the two passes below
        con.execute(f"CREATE OR REPLACE TEMP TABLE __gg_keys AS {keys_sql(g, keys, cases_view)}")
        keys_view = "__gg_keys"
    names = [n for k in keys for n in k.names()]
    sets = ", ".join("(" + ", ".join(k.names()) + ")" for k in keys)
    con.execute(f"CREATE OR REPLACE TABLE __gg_cells_seen AS SELECT {', '.join(names)} FROM {keys_view} "
                f"GROUP BY GROUPING SETS ({sets})" if keys else
                "CREATE OR REPLACE TABLE __gg_cells_seen AS SELECT 0 AS __gg_none")
    outcomes = _all_outcomes(con, parts)
    sizes = [max(len(o), 1) for o in outcomes]
    columns = [f"__gg_o{k.part}" for k in keys]
    key, exact = _plan_key(columns, sizes)
    joins = " ".join(f"JOIN __gg_m{k.part} USING ({', '.join(k.names())})" for k in keys)
    extra = "" if exact else "".join(f", {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {KEYED} AS SELECT __gg_ord, __gg_case, {key} AS __gg_h1{extra} "
                f"FROM {keys_view} {joins}")
    con.execute("DROP TABLE IF EXISTS __gg_keys")
    agg = "" if exact else "".join(f", min({c}) AS {c}, min({c}) <> max({c}) AS __gg_x{i}"
                                   for i, c in enumerate(columns))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SEEN} AS SELECT __gg_h1, count(*) AS n{agg} FROM {KEYED} "
                "GROUP BY __gg_h1")
    out: dict[int, tuple[int, ...]] = {}
    for row in con.execute(f"SELECT * FROM {SEEN}").fetchall():
        h = int(row[0])
        digits: list[int] = []
        if exact:
            rest = h
            for size in sizes:
                digits.append(rest % size)
                rest //= size
        elif any(row[3 + 2 * i] for i in range(len(columns))):
            raise Collision("two different plans share a hash")
        else:
            digits = [int(row[2 + 2 * i]) for i in range(len(columns))]
        out[h] = tuple(x for o, d in zip(outcomes, digits, strict=True) for x in o[d])
    return out
