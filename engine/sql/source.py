"""Reading and validating a cohort inside DuckDB (CSV or Parquet), so that the Python case loader is not in the hot
path, with the loader's messages all the same.

Why this split: validating 10 million rows one cell at a time in Python costs more than deciding them in DuckDB.
So DuckDB types every cell by rules that are *stricter* than the loader's (a cell is settled in SQL only when its
text is exactly an enum member, ``true``/``false`` in one of the loader's spellings, or a plain decimal number in
range), checks all the assumptions together on the compiled diagram (the query's ``assume`` node: a case no
completion of which the assumptions allow), and finds repeated ids. Every row it cannot settle, and every row
whose id is repeated, goes to :func:`engine.cases.cohort.check_rows`, the loader's own row checker, in file
order: the diagnostics (codes, messages, rows, lines) are the loader's by construction, and a row the loader
accepts after all (``  deep``, ``TRUE``, ``1e1``) comes back with the loader's typed facts. Stricter never means
different: a row DuckDB settles is one the loader accepts with the same values (the differential tests check it
on hostile rows).

A CSV file is read this way only when each record is one physical line (no quote, no carriage return, no blank
line, no byte-order mark: then row N is line N + 1); otherwise, or when DuckDB refuses the file, the whole file
goes through the loader (:class:`Fallback`), which knows how to report broken quotes line by line.

In a Parquet file, row N is the N-th record (there are no lines); typed columns are used as they are when their
type fits the input (a number column for a number, BOOLEAN for a bool), and read as text otherwise.
"""

from __future__ import annotations

import csv
import math
import mmap
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from dsl.diagnostics import Diagnostic, sort_key
from engine.cases.cohort import CELL_LIMIT, COLUMN_LIMIT, check_rows, header_columns
from engine.cases.validate import Case, CaseChecker
from engine.core.model import Input, Model
from engine.evaluate.guideline import Guideline
from engine.sql.cells import KeyColumns

RAW = "__gg_raw"
TYPED = "__gg_typed"
CASES = "__gg_valid"
"""The view of the valid cases: ``__gg_ord`` (file order), ``__gg_case`` (the case id the report shows),
``__gg_desc``, then one typed column per input (enum members as text, numbers DOUBLE, bools BOOLEAN)."""

PASS = "__gg_pass"
"""Per row of the file, from the one validating scan: ``__gg_ord``, ``__gg_case``, ``__gg_good`` (settled here),
``__gg_idh`` (the id's hash) and the key columns asked for."""
ID_HASH = "hash({})"
"""How an id is hashed to find repeated ids (a test makes every id collide, to check that the loader sorts them)."""
KEYS = "__gg_keys_valid"
"""The rows of :data:`CASES` with their key columns (:class:`engine.sql.cells.KeyColumns`)."""

WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""What Python's ``str.strip()`` removes: the loader strips every cell with it, so DuckDB's ``trim`` does too.
Written out, not computed at import (a scan of all code points costs 40 ms a run); a test checks it is the set
``str.isspace`` gives on this Python."""
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
"""A number as DuckDB and Python both read it, to the same double (DuckDB also takes ``1_000``, Python ``١``)."""
TRUE_FORMS = ("true", "TRUE", "True")
FALSE_FORMS = ("false", "FALSE", "False")


class Fallback(Exception):
    """The file is one the Python loader must read (the message says why, for ``--verbose`` users)."""


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Source:
    """A cohort open in DuckDB: :data:`CASES` holds its valid rows; ``diagnostics`` and ``skipped`` are the
    loader's for the bad ones."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: int = 0
    rescued: int = 0
    flagged: int = 0
    fallback: str | None = None
    names: list[str] = field(default_factory=list)
    """The file's column names, in order (column ``c{i}`` of the raw view :data:`RAW`)."""
    keys_view: str | None = None
    """:data:`KEYS` when key columns were asked for."""


def _sql_type(inp: Input) -> str:
    return "BOOLEAN" if inp.kind == "bool" else "DOUBLE" if inp.numeric else "VARCHAR"


def _typed(inp: Input, col: str, col_type: str) -> str:
    """The typed value of input ``inp`` from column ``col`` (of DuckDB type ``col_type``): NULL when the cell is
    empty or not settled here (a value the loader might read otherwise), so a cell is settled exactly when it is
    empty or its value is not NULL (each test runs once a row: 2x faster than testing again for settledness)."""
    numeric = col_type in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
                           "UINTEGER", "USMALLINT", "UTINYINT") or col_type.startswith("DECIMAL")
    if inp.numeric and numeric:
        value = f"CAST({col} AS DOUBLE)"
        return f"CASE WHEN {_in_range(inp, value)} THEN {value} END"
    if inp.kind == "bool" and col_type == "BOOLEAN":
        return col
    return _text(inp, col if col_type == "VARCHAR" else f"CAST({col} AS VARCHAR)")


def _in_range(inp: Input, v: str) -> str:
    parts = [f"isfinite({v})"]
    if not math.isinf(inp.low):
        parts.append(f"{v} >= {float(inp.low)!r}")
    if not math.isinf(inp.high):
        parts.append(f"{v} <= {float(inp.high)!r}")
    if inp.kind == "integer":
        parts.append(f"{v} = trunc({v})")
    return " AND ".join(parts)


def _strip(col: str) -> str:
    """``col.strip()`` or NULL when empty; ``trim`` with a set of characters is slow in DuckDB (40x plain
    ``trim``), so it runs only on the rare cells that start or end with whitespace."""
    ws = "".join("\\" + c if c in "\\]^-" else c for c in WHITESPACE)
    return (f"NULLIF(CASE WHEN regexp_matches({col}, {lit(f'^[{ws}]|[{ws}]$')}) THEN trim({col}, {lit(WHITESPACE)}) "
            f"ELSE {col} END, '')")


def _text(inp: Input, t: str) -> str:
    # the cell as it is: a cell with surrounding whitespace is not settled here (the loader strips it)
    if inp.kind == "enum":
        members = ", ".join(lit(str(v)) for v in inp.values)
        return f"CASE WHEN {t} IN ({members}) THEN {t} END"
    if inp.kind == "bool":
        forms = ", ".join(lit(f) for f in (*TRUE_FORMS, *FALSE_FORMS))
        trues = ", ".join(lit(f) for f in TRUE_FORMS)
        return f"CASE WHEN {t} IN ({forms}) THEN {t} IN ({trues}) END"
    v = f"TRY_CAST({t} AS DOUBLE)"
    return f"CASE WHEN regexp_full_match({t}, {lit(NUMBER)}) AND {_in_range(inp, v)} THEN {v} END"


def _csv_header(path: str) -> list[str]:
    """The header of a CSV file DuckDB may read by itself, or :class:`Fallback`."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            raise Fallback("the file is empty")
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            for bad, why in ((b'"', "a quoted cell"), (b"\r", "a carriage return"), (b"\n\n", "a blank line")):
                if m.find(bad) >= 0:
                    raise Fallback(f"the file has {why}")
            if m[:1] == b"\n" or m[:3] == b"\xef\xbb\xbf":
                raise Fallback("the file starts with a blank line or a byte-order mark")
            end = m.find(b"\n")
            first = m[:end if end >= 0 else size]
    except OSError as e:
        raise Fallback(f"cannot map the file: {e}") from None
    try:
        header = next(csv.reader([first.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration) as e:
        raise Fallback(f"the header cannot be read here: {e}") from None
    if len(header) > COLUMN_LIMIT:
        raise Fallback("the header has too many columns")
    return header


def _file_names(path: str, names: list[str]) -> list[str]:
    """The Parquet file's own column names, in order. Why not DuckDB's: it renames columns whose names differ only
    by case (``a`` and ``A`` become ``a`` and ``A_1``), and a message must name what is in the file."""
    try:
        import pyarrow.parquet as pq

        found = list(pq.read_schema(path).names)
    except Exception:  # any reader error: keep DuckDB's names, which DuckDB could read
        return names
    return found if len(found) == len(names) else names


def _columns(con: duckdb.DuckDBPyConnection, path: str, parquet: bool) -> tuple[list[str], list[str], str]:
    """The header names, the column types DuckDB reads and the ``FROM`` clause of the raw rows (with
    ``__gg_ord``, the 1-based record number)."""
    if parquet:
        scan = f"read_parquet({lit(path)}, file_row_number = true)"
        try:
            desc = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        except duckdb.Error as e:
            raise Fallback(f"DuckDB cannot read the Parquet file: {e}") from None
        names = [d[0] for d in desc if d[0] != "file_row_number"]
        types = [str(d[1]) for d in desc if d[0] != "file_row_number"]
        cols = ", ".join(f"{ident(n)} AS c{i}" for i, n in enumerate(names))
        return _file_names(path, names), types, f"(SELECT file_row_number + 1 AS __gg_ord, {cols} FROM {scan})"
    names = _csv_header(path)
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
    scan = (f"read_csv({lit(path)}, header = true, auto_detect = false, columns = {{{spec}}}, delim = ',', "
            "quote = '\"', escape = '\"', nullstr = '', strict_mode = true, null_padding = false)")
    cols = ", ".join(f"c{i}" for i in range(len(names)))
    return names, ["VARCHAR"] * len(names), f"(SELECT row_number() OVER () AS __gg_ord, {cols} FROM {scan})"


def open_cohort(con: duckdb.DuckDBPyConnection, path: str, guideline: Guideline, assume_sql: str,
                checker: CaseChecker | None = None, keys: KeyColumns | None = None) -> Source:
    """Create :data:`CASES` for the cohort at ``path`` (``.csv`` or ``.parquet``), or raise :class:`Fallback`.

    ``assume_sql`` selects every column of the view ``__gg_src``, every variable's branch index ``__gg_v{level}``
    and ``__gg_possible`` (the compiled assumptions: :func:`engine.sql.plan.queries`). ``keys``: key columns to
    compute in the same scan (:data:`KEYS`, the :class:`Source`'s ``keys_view``). ``checker``: the loader's
    checker for the rows DuckDB cannot settle (``guidegraph audit``'s also reads its given columns; they are left
    out of :data:`CASES`, and read from :data:`RAW` by the caller)."""
    model = guideline.model
    parquet = path.lower().endswith(".parquet")
    names, types, raw = _columns(con, path, parquet)
    checker = checker or CaseChecker(model)
    header, diags = header_columns(path, names, checker)
    if diags:  # no row is read: an empty cohort, as the loader gives
        cases_from_loader(con, model, [])
        return Source(diags, 0)
    line = "__gg_ord" if parquet else "__gg_ord + 1"
    by_name = {name: i for i, name, _ in header.columns}
    # two steps: the inner select types each cell once (raw cells kept as __gg_r{i}), the outer one derives
    # whether the row is settled from the typed values
    inner = ["__gg_ord", f"{line} AS __gg_line"]
    outer = ["__gg_ord", "__gg_line", "__gg_id", "__gg_case", "__gg_desc"]
    oks: list[str] = []
    idc = _strip(f"CAST(c{header.id_col} AS VARCHAR)") if header.id_col is not None else "CAST(NULL AS VARCHAR)"
    inner.append(f"{idc} AS __gg_id")
    inner.append(f"COALESCE({idc}, {lit(path + ':')} || CAST({line} AS VARCHAR)) AS __gg_case")
    inner.append(f"{_strip(f'CAST(c{header.desc_col} AS VARCHAR)')} AS __gg_desc"
                 if header.desc_col is not None else "CAST(NULL AS VARCHAR) AS __gg_desc")
    raw_used = set(range(len(names))) if not parquet else set()
    for name, inp in model.inputs.items():
        i = by_name.get(name)
        outer.append(ident(name))
        if i is None:
            inner.append(f"CAST(NULL AS {_sql_type(inp)}) AS {ident(name)}")
            continue
        inner.append(f"{_typed(inp, f'c{i}', types[i])} AS {ident(name)}")
        oks.append(f"(__gg_r{i} IS NULL OR {ident(name)} IS NOT NULL)")
        raw_used.add(i)
    inner += [f"c{i} AS __gg_r{i}" for i in sorted(raw_used)]
    if not parquet:
        oks.append(" AND ".join(f"(__gg_r{i} IS NULL OR strlen(__gg_r{i}) <= {CELL_LIMIT})"
                                for i in range(len(names))) or "TRUE")
    outer.append(f"({' AND '.join(oks) or 'TRUE'}) AS __gg_ok")
    typed_from = f"(SELECT {', '.join(inner)} FROM {RAW})"
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT * FROM {raw}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {TYPED} AS SELECT {', '.join(outer)} FROM {typed_from}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW __gg_src AS SELECT * FROM {TYPED}")
        # one scan of the file: per row whether it is settled, its id's hash and the key columns asked for
        idh = (f"CASE WHEN __gg_id IS NOT NULL THEN {ID_HASH.format('__gg_id')} END" if header.id_col is not None
               else "NULL")
        cells = "".join(", " + c for c in keys.indexed) if keys else ""
        cols = "".join(", " + k for k in keys.keys) if keys else ""
        con.execute(f"CREATE OR REPLACE TEMP TABLE {PASS} AS SELECT __gg_ord, __gg_case, __gg_good, "
                    f"CAST(__gg_idh AS UBIGINT) AS __gg_idh{cols} FROM (SELECT __gg_ord, __gg_case, "
                    f"COALESCE(__gg_ok AND __gg_possible, FALSE) AS __gg_good, {idh} AS __gg_idh{cells} "
                    f"FROM ({assume_sql}))")
        # repeated ids by their hashes: a row whose hash is repeated goes to the loader, which finds the true
        # repeats (and accepts the others); counting the distinct hashes first spares the grouping (a second
        # pass over all the hashes) for the usual cohort, whose ids are all different
        distinct, known = con.execute(f"SELECT count(DISTINCT __gg_idh), count(__gg_idh) FROM {PASS}").fetchall()[0]
        repeated = (f" OR __gg_idh IN (SELECT __gg_idh FROM {PASS} WHERE __gg_idh IS NOT NULL GROUP BY __gg_idh "
                    "HAVING count(*) > 1)") if distinct != known else ""
        con.execute(f"CREATE OR REPLACE TEMP TABLE __gg_flagged AS SELECT __gg_ord FROM {PASS} WHERE NOT "
                    f"__gg_good{repeated}")
        flagged = con.execute("SELECT count(*) FROM __gg_flagged").fetchall()[0][0]
        rows: list[tuple[Any, ...]] = []
        if flagged:
            cols = ", ".join(f"CAST(c{i} AS VARCHAR)" for i in range(len(names)))
            rows = con.execute(f"SELECT __gg_ord, {line}, {cols} FROM {RAW} WHERE __gg_ord IN "
                               f"(SELECT __gg_ord FROM __gg_flagged) ORDER BY __gg_ord").fetchall()
    except duckdb.Error as e:
        raise Fallback(f"DuckDB cannot read the file: {e}") from None
    if not parquet and any(c is not None and len(c) > CELL_LIMIT for r in rows for c in r[2:]):
        raise Fallback("a cell is longer than the loader reads")
    source = Source(flagged=flagged, names=names)
    ords = {int(r[1]): int(r[0]) for r in rows}
    cases, skipped = check_rows(path, header, ((int(r[1]), ["" if c is None else c for c in r[2:]]) for r in rows),
                                checker, source.diagnostics)
    kept: list[Case] = []
    for case in cases:
        why = guideline.impossible(case.facts)
        if why is None:
            kept.append(case)
        else:
            source.diagnostics.append(why(f"case '{case.id}'", case.span()))
            skipped += 1
    source.diagnostics.sort(key=sort_key)
    source.skipped, source.rescued = skipped, len(kept)
    _rescue(con, model, [(ords[c.line], c) for c in kept])
    inputs = ", ".join(ident(n) for n in model.inputs)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {CASES} AS SELECT __gg_ord, __gg_case, __gg_desc, {inputs} FROM "
                f"{TYPED} WHERE __gg_ord NOT IN (SELECT __gg_ord FROM __gg_flagged) UNION ALL "
                f"SELECT __gg_ord, __gg_case, __gg_desc, {inputs} FROM __gg_rescued")
    if keys:
        key_names = "".join(", " + n for n in keys.names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {KEYS} AS SELECT __gg_ord, __gg_case{key_names} FROM {PASS} WHERE "
                    f"__gg_ord NOT IN (SELECT __gg_ord FROM __gg_flagged) UNION ALL {keys.select('__gg_rescued')}")
        source.keys_view = KEYS
    return source


def _rescue(con: duckdb.DuckDBPyConnection, model: Model, cases: Sequence[tuple[int, Case]]) -> None:
    """The table of flagged rows the loader accepted, with the loader's values."""
    cols = ", ".join(f"{ident(n)} {_sql_type(i)}" for n, i in model.inputs.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE __gg_rescued (__gg_ord BIGINT, __gg_case VARCHAR, "
                f"__gg_desc VARCHAR, {cols})")
    if cases:
        marks = ", ".join("?" for _ in range(3 + len(model.inputs)))
        con.executemany(f"INSERT INTO __gg_rescued VALUES ({marks})", [
            [o, c.id, c.description, *(_value(i, c.facts.get(n)) for n, i in model.inputs.items())]
            for o, c in cases])


def _value(inp: Input, v: object) -> object:
    """A fact as :data:`CASES` holds it (enum members as text, like the SQL query compares them)."""
    if v is None or inp.kind == "bool":
        return v
    if inp.numeric:
        assert isinstance(v, int | float)
        return float(v)
    return str(v)


def cases_from_loader(con: duckdb.DuckDBPyConnection, model: Model, cases: Sequence[Case]) -> None:
    """:data:`CASES` from cases the Python loader read (the fallback)."""
    _rescue(con, model, list(enumerate(cases, 1)))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {CASES} AS SELECT * FROM __gg_rescued")
