"""The output of ``guidegraph test``: a readable pass/fail list with coverage, or JUnit XML for CI.

The text report ends with the summary line ``N passed, M failed`` alone on its line (tools grep for it). The
coverage part lists the rules no case fired, each with a witness case printed as YAML ready to paste into a case
file, and the decision-graph leaves no case reaches.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from engine.cases.coverage import Coverage
from engine.cases.validate import Case
from engine.evaluate.guideline import Guideline

MAX_LEAVES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """One case's verdict: ``failures`` is None for a case without expectations (run for coverage only)."""

    case: Case
    failures: tuple[str, ...] | None

    @property
    def passed(self) -> bool:
        return not self.failures


def counts(outcomes: Sequence[Outcome]) -> tuple[int, int]:
    tested = [o for o in outcomes if o.failures is not None]
    return sum(o.passed for o in tested), sum(not o.passed for o in tested)


def witness_yaml(rule: str, facts: dict[str, object]) -> str:
    """A case that fires ``rule``, as a YAML list item ready to paste into a case file."""
    doc = [{"id": f"covers_{rule}", "description": f"fires rule {rule} (generated witness)", "facts": facts}]
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _leaf_text(guideline: Guideline, node: str) -> str:
    entries = guideline.graph.nodes[node].get("entries", [])
    active = dict.fromkeys(f"{e['strength']} {e['action']}" for e in entries if e.get("status") == "active")
    return "; ".join(active) if active else "no active recommendation"


def coverage_text(guideline: Guideline, cov: Coverage, min_coverage: float | None) -> Iterator[str]:
    yield f"Rule coverage: {cov.percent:.1f}% ({len(cov.fired)} of {len(cov.rules)} rules fired)\n"
    if cov.uncovered:
        yield "Rules no case fires:\n"
        for rule in cov.uncovered:
            yield f"  {rule} ({guideline.model.rule(rule).span})\n"
            facts = cov.witnesses.get(rule)
            if facts is None:
                yield "    no witness: no possible patient makes this rule active\n"
            else:
                yield "    witness case:\n"
                for line in witness_yaml(rule, dict(facts)).splitlines():
                    yield f"      {line}\n"
    reached = len(cov.leaves) - len(cov.unreached)
    yield f"Decision-graph leaves reached: {reached} of {len(cov.leaves)}\n"
    if cov.unreached:
        yield "Leaves no case reaches:\n"
        for node in cov.unreached[:MAX_LEAVES_SHOWN]:
            yield f"  {node}: {_leaf_text(guideline, node)}\n"
        if len(cov.unreached) > MAX_LEAVES_SHOWN:
            yield f"  ... and {len(cov.unreached) - MAX_LEAVES_SHOWN} more\n"
    if min_coverage is not None and cov.percent < min_coverage:
        yield f"rule coverage {cov.percent:.1f}% is below the minimum of {min_coverage:g}%\n"


def text_report(guideline: Guideline, outcomes: Sequence[Outcome], cov: Coverage,
                min_coverage: float | None) -> Iterator[str]:
    untested = 0
    for o in outcomes:
        if o.failures is None:
            untested += 1
            continue
        if o.passed:
            yield f"PASS {o.case.id}\n"
        else:
            yield f"FAIL {o.case.id} ({o.case.file}:{o.case.line})\n"
            for f in o.failures:
                yield f"  - {f}\n"
    if untested:
        yield f"{untested} case{'s' if untested != 1 else ''} without expectations (run for coverage only)\n"
    yield "\n"
    yield from coverage_text(guideline, cov, min_coverage)
    passed, failed = counts(outcomes)
    yield f"{passed} passed, {failed} failed\n"


def junit_report(guideline: Guideline, outcomes: Sequence[Outcome], cov: Coverage,
                 min_coverage: float | None) -> Iterator[str]:
    """JUnit XML: one testcase per case with expectations, plus one for the coverage threshold if given."""
    passed, failed = counts(outcomes)
    below = min_coverage is not None and cov.percent < min_coverage
    suite = ET.Element("testsuite", {
        "name": guideline.model.title, "tests": str(passed + failed + (min_coverage is not None)),
        "failures": str(failed + below), "errors": "0", "skipped": "0"})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "rule_coverage", "value": f"{cov.percent:.1f}"})
    ET.SubElement(props, "property", {"name": "uncovered_rules", "value": ", ".join(cov.uncovered)})
    for o in outcomes:
        if o.failures is None:
            continue
        case = ET.SubElement(suite, "testcase", {"classname": o.case.file, "name": o.case.id,
                                                 "file": o.case.file, "line": str(o.case.line)})
        if o.failures:
            failure = ET.SubElement(case, "failure", {"message": o.failures[0], "type": "expectation"})
            failure.text = "\n".join(o.failures)
    if min_coverage is not None:
        case = ET.SubElement(suite, "testcase", {"classname": guideline.model.file, "name": "rule coverage"})
        if below:
            failure = ET.SubElement(case, "failure", {
                "message": f"rule coverage {cov.percent:.1f}% is below the minimum of {min_coverage:g}%",
                "type": "coverage"})
            failure.text = "uncovered rules: " + ", ".join(cov.uncovered)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ET.tostring(root, encoding="unicode") + "\n"
