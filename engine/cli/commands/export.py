"""`guidegraph export RULES [--format json|yaml|fhir] [--fhir-map MAP] [-o FILE]`: the rules and the decision graph as
data, or (fhir) as a CPG-on-FHIR PlanDefinition Bundle (engine/fhir/plandefinition.py).

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
    parser.add_argument("--format", choices=("json", "yaml", "fhir"), default="json",
                        help="output format (default: json); fhir: a FHIR R4 Bundle with a PlanDefinition and its "
                             "ActivityDefinitions (CPG-on-FHIR; docs/fhir-map.md)")
    parser.add_argument("--fhir-map", metavar="MAP",
                        help="with --format fhir: the FHIR map (codes for the ActivityDefinitions, where each "
                             "condition's inputs are read)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output ('-': standard output)")


def dumps(data: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
        return text
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    inputs = [args.rules, *([args.fhir_map] if getattr(args, "fhir_map", None) else [])]
    problem = refuse_inputs(args.output, inputs) or check_output(args.output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    if args.format == "fhir":
        from engine.cli.fhir_support import plan_definition_text

        text = plan_definition_text(guideline, args.rules, getattr(args, "fhir_map", None))
        if isinstance(text, Exit):
            return text
    else:
        text = dumps(to_data(guideline.compiled), args.format)
    try:
        write_output([text], args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    return Exit.OK
