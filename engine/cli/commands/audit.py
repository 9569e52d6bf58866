"""`guidegraph audit RULES COHORT --given COLUMNS [--engine python|duckdb] [--format text|json|html] [-o OUT]`:
guideline concordance of a cohort that records what was actually done.

The given columns (engine/audit/given.py: ``given_<action>``, or ``COLUMN=ACTION``; cells true/false, yes/no,
1/0, empty = not recorded) are read with the cohort; per rule and per action the audit counts the patients it
applied to, those given a positively recommended action (concordant), those given an action advised against
(discordant) and those the data cannot decide (pending), and lists the discordant rows (engine/audit/tally.py).

Exit codes (the CLI contract): 0 no discordant row; 1 discordant rows (a finding, like a conflict in ``run``), or
bad rows in the cohort (reported with the loader's messages, naming row and column; nothing is printed unless
``--keep-going``, which audits the good rows and still exits 1); 2 usage (an unknown --given column or action, an
unusable option), an unreadable cohort or an unwritable output. The output is written whole or not at all.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence

from dsl.diagnostics import Diagnostic, has_errors
from engine.audit.given import Given, GivenError, missing_columns, missing_message, parse_given
from engine.audit.recount import csv_header, load, recount
from engine.audit.report import html_report, json_report, text_report
from engine.audit.tally import Audit
from engine.cli.support import (
    Exit,
    OutputError,
    check_output,
    exit_for,
    load_guideline,
    refuse_inputs,
    report,
    say,
    write_output,
)
from engine.evaluate.guideline import Guideline

FORMATS = ("text", "json", "html")


def _limit(text: str) -> int:
    """``--limit N``: a whole number, 0 or more. A negative one was read as 0 (every row) without a word."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (0: all), got '{text}'") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (all) or more, got {n}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("cohort", metavar="COHORT", help="the cohort: a .csv file (or .parquet with --engine duckdb)")
    parser.add_argument("--given", metavar="COLUMNS", action="append", required=True,
                        help="the columns that record what was done, comma-separated (repeatable): given_<action>, "
                             "or COLUMN=ACTION; cells true/false, yes/no, 1/0, empty = not recorded")
    parser.add_argument("--engine", choices=("python", "duckdb"), default="python",
                        help="who decides and counts: the Python evaluator (default) or DuckDB (needs the cohort "
                             "extra; for large cohorts, CSV or Parquet)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="text (default), json, or html (the default when -o ends in .html)")
    parser.add_argument("--limit", type=_limit, default=100, metavar="N",
                        help="discordant rows listed in text and HTML (default 100; 0: all; JSON lists all)")
    parser.add_argument("--keep-going", action="store_true",
                        help="report bad rows on stderr and audit the others (still exits 1)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout ('-': stdout)")


def _header(path: str, engine: str) -> list[str] | Exit:
    """The cohort's column names, or the exit code after saying why they cannot be read."""
    lower = path.lower()
    if not os.path.isfile(path):
        report([Diagnostic("E901", "error", f"cannot read case file '{path}': no such file")])
        return Exit.USAGE
    if lower.endswith(".parquet"):
        if engine != "duckdb":
            say("guidegraph: error: a Parquet cohort needs --engine duckdb\n")
            return Exit.USAGE
        import duckdb

        try:
            con = duckdb.connect()
            try:
                path_sql = "'" + path.replace("'", "''") + "'"
                return [str(d[0]) for d in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path_sql})").fetchall()]
            finally:
                con.close()
        except duckdb.Error as e:
            report([Diagnostic("E901", "error", f"cannot read case file '{path}': DuckDB cannot read it as Parquet "
                               f"({str(e).splitlines()[0]})")])
            return Exit.USAGE
    if not lower.endswith(".csv"):
        say(f"guidegraph: error: audit reads one cohort file, .csv (or .parquet with --engine duckdb), not '{path}'\n")
        return Exit.USAGE
    return csv_header(path) or []


def _python(guideline: Guideline, path: str, given: Sequence[Given]) -> tuple[Audit | None, list[Diagnostic], int]:
    loaded = load(guideline, path, given)
    if loaded.unread_files:
        return None, loaded.diagnostics, loaded.skipped
    return recount(guideline, loaded, given), loaded.diagnostics, loaded.skipped


def _duckdb(guideline: Guideline, path: str, given: Sequence[Given]) -> tuple[Audit | None, list[Diagnostic], int]:
    import duckdb

    from engine.audit.native import audit_duckdb
    from engine.sql.source import Fallback

    con = duckdb.connect()
    try:
        return audit_duckdb(con, guideline, path, given)
    except Fallback as e:
        if path.lower().endswith(".parquet"):
            return None, [Diagnostic("E901", "error", f"cannot read case file '{path}': {e}")], 0
        audit, diags, skipped = _python(guideline, path, given)  # a CSV file only the loader reads correctly
        if audit is not None:
            audit.engine = "duckdb (the Python loader read this file)"
        return audit, diags, skipped
    finally:
        con.close()


def run(args: argparse.Namespace) -> int:
    if args.engine == "duckdb":
        try:
            import duckdb  # noqa: F401
            import pyarrow  # noqa: F401
            import sqlglot  # noqa: F401
        except ImportError as e:
            say(f"guidegraph: error: --engine duckdb needs the cohort extra ({e.name} is missing): "
                "pip install 'guidegraph[cohort]'\n")
            return Exit.USAGE
    fmt = args.format or ("html" if (args.output or "").lower().endswith((".html", ".htm")) else "text")
    problem = refuse_inputs(args.output, [args.rules, args.cohort]) or check_output(args.output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    try:
        given = parse_given(args.given, guideline.model)
    except GivenError as e:
        say(f"guidegraph: error: {e}\n")
        return Exit.USAGE
    header = _header(args.cohort, args.engine)
    if isinstance(header, Exit):
        return header
    missing = missing_columns(header, given)
    if header and missing:
        say(f"guidegraph: error: {missing_message(missing, header, args.cohort)}\n")
        return Exit.USAGE
    return _audit(args, guideline, given, fmt)


def _audit(args: argparse.Namespace, guideline: Guideline, given: Sequence[Given], fmt: str) -> int:
    if args.engine == "duckdb":
        import duckdb

        from engine.sql.plan import Collision
        from engine.sql.query import Unsupported
        try:
            audit, diagnostics, skipped = _duckdb(guideline, args.cohort, given)
        except Unsupported as e:
            say(f"guidegraph: error: --engine duckdb cannot run this guideline: {e}\n")
            return Exit.USAGE
        except (duckdb.Error, Collision) as e:
            say(f"guidegraph: error: DuckDB failed: {e}\n")
            return Exit.FINDINGS
    else:
        audit, diagnostics, skipped = _python(guideline, args.cohort, given)
    bad = has_errors(diagnostics)
    report(diagnostics)
    if audit is None or (bad and not args.keep_going):
        return exit_for(diagnostics) if bad else Exit.USAGE
    chunks: Iterator[str] = (json_report(audit) if fmt == "json" else html_report(audit, args.cohort, args.limit)
                             if fmt == "html" else text_report(audit, args.limit))
    try:
        write_output(chunks, args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    if bad:
        say(f"guidegraph: {skipped:,} row{'s' if skipped != 1 else ''} skipped because of the errors above; "
            f"{audit.patients:,} audited\n")
        return exit_for(diagnostics)
    n = len(audit.discordant)
    if n:
        p = audit.discordant_patients
        say(f"guidegraph: {n:,} discordant row{'s' if n != 1 else ''} ({p:,} patient{'s' if p != 1 else ''} given "
            "an action an active rule advises against; listed in the audit)\n")
        return Exit.FINDINGS
    return Exit.OK
