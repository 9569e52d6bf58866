"""`guidegraph sql RULES [--dialect duckdb|spark|postgres] [--table NAME] [--id COLUMN] [-o OUT]`: the decision graph as
one SQL query over a table of cases (a column per input, NULL = unknown): per case, per rule, its status
('active', 'pending', 'overridden' or NULL), the inputs a pending rule needs and the rules setting one aside, then
each let's value (engine/sql/query.py). Needs the ``sql`` extra (sqlglot)."""

from __future__ import annotations

import argparse

from engine.cli.support import Exit, load_guideline, say, write_output

DIALECTS = ("duckdb", "spark", "postgres")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("--dialect", choices=DIALECTS, default="duckdb", help="SQL dialect (default: duckdb)")
    parser.add_argument("--table", default="cases", help="the table of cases (default: cases)")
    parser.add_argument("--id", default="id", help="the column identifying a case (default: id)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout ('-': stdout)")


def run(args: argparse.Namespace) -> int:
    try:
        from engine.sql.query import Unsupported, build, text_query, to_sql
    except ImportError as e:
        say(f"guidegraph: error: this command needs the sql extra ({e.name} is missing): "
            "pip install 'guidegraph[sql]'\n")
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    try:
        query = build(guideline.compiled, args.table)
    except Unsupported as e:
        say(f"guidegraph: error: cannot write this guideline as SQL: {e}\n")
        # A guideline the SQL engines cannot express is a usage problem (exit 2), as for run --engine duckdb and
        # the README's contract; it is not a finding about the rules.
        return Exit.USAGE
    write_output(iter([to_sql(text_query(query, args.id), args.dialect) + ";\n"]), args.output)
    return Exit.OK
