"""The audit on DuckDB (``guidegraph audit --engine duckdb``): a big cohort counted in SQL, with the numbers of the
Python path (:mod:`engine.audit.recount`) by construction.

How: DuckDB opens and validates the cohort as ``run --engine duckdb`` does (:func:`engine.sql.source.open_cohort`,
with the audit's checker so the given columns are the loader's business for the rows DuckDB cannot settle), and
computes each patient's *plan* key (:func:`engine.sql.plan.plans`, decided once per distinct combination of
cells). A cohort has few distinct plans; Python turns each into its result once
(:func:`engine.sql.plan.plan_result`) and into the same tally keys the Python path counts per patient
(:func:`engine.audit.tally.result_keys`). Those keys go back to DuckDB as a small table, and one
``GROUP BY`` joins them to the patients' given cells: the counts are summed in SQL, never per row in Python. The
discordant rows are a join too.

A given cell is settled in SQL only when it is empty or, stripped as Python strips, one of the allowed words in
any letter case; a row with any other given cell that DuckDB otherwise settled goes through the loader's row
checker, for the loader's message (row, column, what is allowed), and is left out like any bad row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from dsl.diagnostics import Diagnostic, sort_key
from engine.audit.given import FALSE_TEXTS, TRUE_TEXTS, Given, GivenChecker
from engine.audit.tally import Audit, Discordant, result_keys, rule_order
from engine.cases.cohort import check_rows, header_columns
from engine.core.model import Strength
from engine.evaluate.guideline import Guideline
from engine.sql.plan import plan_result, plans, queries
from engine.sql.source import CASES, RAW, _strip, lit, open_cohort

GIVEN = "__gg_given"
AUDITED = "__gg_audit_cases"
NEGATIVE = tuple(s.value for s in Strength if s.advises_against)
"""The strengths whose entries, given, are discordant (the strong negatives: see engine/audit/tally.py)."""


def _given_table(con: duckdb.DuckDBPyConnection, given: Sequence[Given], names: Sequence[str]) -> None:
    """:data:`GIVEN`: per raw row its given values (``g0``, ``g1``... TRUE, FALSE or NULL) and whether all are
    settled."""
    index = {n.strip(): i for i, n in enumerate(names)}
    words = ", ".join(lit(w) for w in (*TRUE_TEXTS, *FALSE_TEXTS))
    trues = ", ".join(lit(w) for w in TRUE_TEXTS)
    cols, oks = [], []
    for k, g in enumerate(given):
        s = f"lower({_strip(f'CAST(c{index[g.column]} AS VARCHAR)')})"
        cols.append(f"CASE WHEN {s} IN ({words}) THEN {s} IN ({trues}) END AS g{k}")
        oks.append(f"({s} IS NULL OR {s} IN ({words}))")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {GIVEN} AS SELECT __gg_ord, {', '.join(cols)}, "
                f"({' AND '.join(oks)}) AS __gg_ok FROM {RAW}")


def _bad_given(con: duckdb.DuckDBPyConnection, guideline: Guideline, path: str, given: Sequence[Given],
               names: Sequence[str]) -> list[Diagnostic]:
    """The loader's diagnostics for valid rows with a given cell SQL does not settle (those it accepts after all
    stay in); :data:`AUDITED` is the cases without the rows refused."""
    parquet = path.lower().endswith(".parquet")
    line = "__gg_ord" if parquet else "__gg_ord + 1"
    cols = ", ".join(f"CAST(c{i} AS VARCHAR)" for i in range(len(names)))
    rows = con.execute(f"SELECT __gg_ord, {line}, {cols} FROM {RAW} WHERE __gg_ord IN (SELECT __gg_ord FROM "
                       f"{GIVEN} WHERE NOT __gg_ok) AND __gg_ord IN (SELECT __gg_ord FROM {CASES}) "
                       "ORDER BY __gg_ord").fetchall()
    diags: list[Diagnostic] = []
    checker = GivenChecker(guideline.model, given)
    header, _ = header_columns(path, list(names), checker)
    kept, _ = check_rows(path, header, ((int(r[1]), ["" if c is None else c for c in r[2:]]) for r in rows),
                         checker, diags)
    lines = {c.line for c in kept}
    refused = [int(r[0]) for r in rows if int(r[1]) not in lines]
    con.execute("CREATE OR REPLACE TEMP TABLE __gg_refused (__gg_ord BIGINT)")
    if refused:
        con.executemany("INSERT INTO __gg_refused VALUES (?)", [[o] for o in refused])
    ords = {int(r[1]): int(r[0]) for r in rows}
    for case in kept:  # accepted after all (not expected: SQL settles every form the converter takes)
        sets = ", ".join(f"g{k} = {_sql_bool(case.facts.get(g.column))}" for k, g in enumerate(given))
        con.execute(f"UPDATE {GIVEN} SET {sets} WHERE __gg_ord = {ords[case.line]}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {AUDITED} AS SELECT * FROM {CASES} WHERE __gg_ord NOT IN "
                "(SELECT __gg_ord FROM __gg_refused)")
    return diags


def _sql_bool(v: object) -> str:
    return "NULL" if v is None else "TRUE" if v else "FALSE"


def audit_duckdb(con: duckdb.DuckDBPyConnection, guideline: Guideline, path: str,
                 given: Sequence[Given]) -> tuple[Audit | None, list[Diagnostic], int]:
    """The audit of the cohort at ``path`` (raises :class:`engine.sql.source.Fallback` for a file the loader must
    read), the diagnostics of its bad rows, and how many rows they cost. The audit is None when the header was
    refused (no row read)."""
    model = guideline.model
    qs = queries(guideline)
    source = open_cohort(con, path, guideline, qs.possible, GivenChecker(model, given), keys=qs.keys)
    if not source.names:
        return None, source.diagnostics, source.skipped
    _given_table(con, given, source.names)
    diags = _bad_given(con, guideline, path, given, source.names)
    skipped = source.skipped + con.execute("SELECT count(*) FROM __gg_refused").fetchall()[0][0]
    diagnostics = sorted([*source.diagnostics, *diags], key=sort_key)
    keys = None
    if source.keys_view is not None:  # the key columns the reader computed, for the audited rows only
        keys = "__gg_audited_keys"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {keys} AS SELECT * FROM {source.keys_view} WHERE __gg_ord NOT IN "
                    "(SELECT __gg_ord FROM __gg_refused)")
    found = plans(con, guideline, qs, AUDITED, keys)
    columns = {g.action: g.column for g in given}
    rows: list[tuple[Any, ...]] = []
    for h, plan in found.items():
        rows += [(h, *k) for k in result_keys(plan_result(guideline, plan), columns)]
    import pyarrow as pa

    names = ("h1", "kind", "rule", "action", "strength", "status")
    con.register("__gg_keys_arrow", pa.table({n: pa.array([r[i] for r in rows], pa.uint64() if i == 0 else
                                                          pa.string()) for i, n in enumerate(names)}))
    con.execute("CREATE OR REPLACE TEMP TABLE __gg_plan_keys AS SELECT * FROM __gg_keys_arrow")
    con.unregister("__gg_keys_arrow")
    states = " UNION ALL ".join(
        f"SELECT k.__gg_h1 AS h1, {lit(g.action)} AS action, CASE g.g{i} WHEN TRUE THEN 'yes' WHEN FALSE THEN "
        f"'no' ELSE 'none' END AS state, count(*) AS n FROM __gg_keyed k JOIN {GIVEN} g USING (__gg_ord) "
        "GROUP BY ALL" for i, g in enumerate(given))
    counts = con.execute(
        f"SELECT p.kind, p.rule, p.action, p.strength, p.status, c.state, sum(c.n) FROM __gg_plan_keys p JOIN "
        f"({states}) c ON p.h1 = c.h1 AND p.action = c.action GROUP BY ALL").fetchall()
    audit = Audit(model, list(given), skipped=skipped, engine="duckdb")
    audit.patients = con.execute("SELECT count(*) FROM __gg_keyed").fetchall()[0][0]
    audit.fold(((r[0], r[1], r[2], r[3], r[4], r[5]), int(r[6])) for r in counts)
    audit.discordant = _discordant(con, path, given, rule_order(model))
    return audit, diagnostics, skipped


def _discordant(con: duckdb.DuckDBPyConnection, path: str, given: Sequence[Given],
                order: dict[str, int]) -> list[Discordant]:
    line = "k.__gg_ord" if path.lower().endswith(".parquet") else "k.__gg_ord + 1"
    which = "CASE p.action " + " ".join(f"WHEN {lit(g.action)} THEN g.g{i}" for i, g in enumerate(given)) + " END"
    negative = ", ".join(lit(s) for s in NEGATIVE)
    rows = con.execute(
        f"SELECT {line}, k.__gg_case, p.rule, p.action, p.strength FROM __gg_keyed k JOIN __gg_plan_keys p "
        f"ON k.__gg_h1 = p.h1 JOIN {GIVEN} g ON g.__gg_ord = k.__gg_ord WHERE p.kind = 'rule' AND "
        f"p.status = 'active' AND p.strength IN ({negative}) AND {which}").fetchall()
    columns = {g.action: g.column for g in given}
    return sorted(Discordant(int(r[0]), order[r[2]], r[3], r[1], r[2], r[4], columns[r[3]]) for r in rows)

