"""`guidegraph export RULES [--format json|yaml] [-o FILE]`: the rules and the decision graph as data.

The data schema is engine/compile/export.py's (docs/graph.md, "Rules as data"). Output goes to stdout, or atomically
to ``-o FILE`` (written beside it, then renamed), so a failed export never leaves half a file; ``-o`` may not name
the rules file itself. Exit codes: 0 written, 1 errors in the rules, 2 unreadable rules file or unwritable output.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import yaml

from engine.cli.support import Exit, OutputError, check_output, load_guideline, refuse_inputs, report, write_output
from engine.compile.export import to_data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to export")
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="output format (default: json)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output ('-': standard output)")


def dumps(data: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
        return text
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    problem = refuse_inputs(args.output, [args.rules]) or check_output(args.output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    try:
        write_output([dumps(to_data(guideline.compiled), args.format)], args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    return Exit.OK
