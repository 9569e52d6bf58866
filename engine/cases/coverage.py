"""Rule coverage of a test suite, measured on the compiled decision graph.

A rule is *covered* ("fired") when it applied for at least one case: its entries were recommended, or it applied
but was set aside by an overriding rule (the override was exercised), or one of its adjustments changed a
recommendation (``adjusted`` in force in a verdict). A decision-graph leaf is *reached* when some
case's known facts lead to it and to no other possible leaf of its section (unknown inputs follow every branch;
a case whose missing data leaves several possible leaves only might reach them, and does not count).

For every uncovered rule a *witness* is built from the graph: a path from its section's root to a possible leaf
in which the rule's entry is active, turned into facts (one value per question on the path), checked by actually
evaluating it, so the YAML printed for the author is a case that fires the rule; facts the rule does not need
are then dropped one by one (each drop re-checked by evaluation).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.core.model import Input
from engine.core.semantics import kleene
from engine.core.values import Interval, json_number
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import FactValue, Result

MAX_WITNESS_PATHS = 25
"""Paths tried per uncovered rule before giving up on a witness (each try costs one evaluation)."""


@dataclass(frozen=True, slots=True)
class Coverage:
    rules: tuple[str, ...]
    fired: tuple[str, ...]
    uncovered: tuple[str, ...]
    leaves: tuple[str, ...]
    """The possible (not impossible) leaves of every section diagram."""
    unreached: tuple[str, ...]
    witnesses: dict[str, dict[str, FactValue] | None] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.fired) / len(self.rules) if self.rules else 100.0


def node_order(node: str) -> tuple[str, str, int]:
    """Sort key of graph node ids ``<section>/l<k>``: by section, then kind, then number (l2 before l10)."""
    section, _, local = node.rpartition("/")
    digits = local.lstrip("dl")
    return (section, local[:1], int(digits) if digits.isdigit() else 0)


def fired_rules(results: Sequence[Result], adjustments: bool = False) -> set[str]:
    """Rules that applied in at least one result (active or set aside; with ``adjustments``, the guideline has
    some: also the rules whose adjustment changed a verdict)."""
    out: set[str] = set()
    for r in results:
        out.update(rec.rule for rec in r.recommendations)
        out.update(o.rule for o in r.overridden)
        if adjustments:
            out.update(a.rule for v in r.actions for a in v.adjusted or () if not a.needs)
    return out


def possible_leaves(guideline: Guideline, root: str, facts: Mapping[str, FactValue]) -> set[str]:
    """The possible (not impossible) leaves inside the section of the diagram at graph root ``root`` that a case
    may reach: the evaluator's walk (:meth:`engine.evaluate.evaluator.Evaluator.reach`)."""
    graph = guideline.graph
    nodes, _ = guideline.evaluator.reach(root, facts)
    return {n for n in nodes if graph.nodes[n]["kind"] == "leaf" and not graph.nodes[n]["impossible"]
            and graph.nodes[n]["inside"]}


def reached_leaves(guideline: Guideline, facts: Mapping[str, FactValue]) -> set[str]:
    """The leaves a case reaches: per diagram, the one possible leaf its facts lead to (a diagram where the
    missing data leaves several possible leaves is not counted: the case only might reach them)."""
    out: set[str] = set()
    for root in [*guideline.roots.values(), *(r for rs in guideline.part_roots.values() for r in rs)]:
        found = possible_leaves(guideline, root, facts)
        if len(found) == 1:
            out |= found
    return out


# ---------------------------------------------------------------------------------------------------------------
# Witnesses


def _pick_number(inp: Input, iv: Sequence[Any]) -> int | float:
    """A readable number inside ``iv`` and the input's range (an integer when one fits)."""
    x = Interval.from_json(iv).point("closed_or_whole", integer=inp.kind == "integer", domain=(inp.low, inp.high))
    return json_number(x)


def _any_value(inp: Input) -> FactValue:
    if inp.numeric:
        return _pick_number(inp, [None, None, True, True])
    return inp.domain[0]


def _paths(guideline: Guideline, root: str, targets: set[str]) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Root-to-target paths (as edge lists), depth first, only through nodes that can still reach a target."""
    import networkx as nx

    graph = guideline.graph
    useful = set(targets)
    for t in targets:
        useful |= nx.ancestors(graph, t)
    if root not in useful:
        return
    stack: list[tuple[str, list[tuple[str, str, dict[str, Any]]]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if node in targets:
            yield path
            continue
        for _, child, data in reversed(list(graph.out_edges(node, data=True))):
            if child in useful:
                stack.append((child, [*path, (node, child, data)]))


def _facts_of(guideline: Guideline, path: list[tuple[str, str, dict[str, Any]]]) -> dict[str, FactValue]:
    model = guideline.model
    chosen: dict[str, FactValue] = {}
    known: dict[str, bool] = {}
    for node, _, data in path:
        attrs = guideline.graph.nodes[node]
        inp = model.input_of(attrs["input"])
        if attrs["var"].startswith("known:"):
            known[inp.name] = bool(data["values"][0])
        elif "values" in data:
            chosen[inp.name] = data["values"][0]
        else:
            chosen[inp.name] = _pick_number(inp, data.get("intervals", [data.get("interval")])[0])
    for name, is_known in known.items():
        if not is_known:
            chosen.pop(name, None)
        elif name not in chosen:
            chosen[name] = _any_value(model.inputs[name])
    return {n: chosen[n] for n in model.inputs if n in chosen}


def witness(guideline: Guideline, rule: str) -> dict[str, FactValue] | None:
    """Facts of a patient for whom ``rule`` is active, or None when the graph has no such possible leaf."""
    model = guideline.model
    if not model.rule(rule).entries:
        return _adjusting(guideline, rule)
    section = model.rule(rule).section
    root = guideline.roots.get(section)
    if root is None:  # a wide section: one diagram per rule, in rule order
        own = [r.name for r in model.rules if r.section == section]
        parts = guideline.part_roots.get(section, ())
        if len(parts) != len(own):
            return None
        root = parts[own.index(rule)]
    graph = guideline.graph
    targets = {n for n, a in graph.nodes(data=True)
               if a.get("kind") == "leaf" and a.get("section") == section and not a.get("impossible")
               and any(e["rule"] == rule and e["status"] == "active" for e in a.get("entries", ()))}
    checks = [kleene(a.expr, model) for a in model.assumptions]
    for tried, path in enumerate(_paths(guideline, root, targets)):
        if tried >= MAX_WITNESS_PATHS:
            break
        facts = _facts_of(guideline, path)
        if any(check(facts) is False for check in checks):
            continue
        if _fires(guideline, rule, facts):
            return _minimal(guideline, rule, facts, checks)
    return None


def _fires(guideline: Guideline, rule: str, facts: Mapping[str, FactValue]) -> bool:
    result = guideline.evaluate(facts)
    if any(r.rule == rule for r in result.recommendations):
        return True
    return any(a.rule == rule and not a.needs for v in result.actions for a in v.adjusted or ())


def _adjusting(guideline: Guideline, rule: str) -> dict[str, FactValue] | None:
    """A witness for a rule with only adjustments: a patient of the region where one of them changes a
    recommendation (the region ``check``'s W215 reads), checked by evaluating it."""
    from engine.checks.adjustments import adjustment_regions
    from engine.checks.witness import witness as region_witness

    ri = guideline.compiled.rule_index[rule]
    checks = [kleene(a.expr, guideline.model) for a in guideline.model.assumptions]
    for (ra, rb, _), sp, region in adjustment_regions(guideline.compiled):
        if ra == rb == ri and region != sp.m.FALSE:
            found = region_witness(guideline.compiled, sp.m, region, rule, "")
            if found is not None and _fires(guideline, rule, found["facts"]):
                return _minimal(guideline, rule, dict(found["facts"]), checks)
    return None


def _minimal(guideline: Guideline, rule: str, facts: dict[str, FactValue],
             checks: Sequence[Any]) -> dict[str, FactValue]:
    """Drop the facts the rule does not need (greedily, one at a time), so the witness shows only what matters."""
    for name in list(facts):
        trial = {k: v for k, v in facts.items() if k != name}
        if all(check(trial) is not False for check in checks) and _fires(guideline, rule, trial):
            facts = trial
    return facts


def coverage(guideline: Guideline, cases: Sequence[Mapping[str, FactValue]], results: Sequence[Result],
             witnesses: bool = True) -> Coverage:
    """Coverage of ``results`` (one per case, same order as ``cases``' facts) over the guideline's rules and
    leaves; a witness for every uncovered rule unless ``witnesses`` is False."""
    rules = tuple(r.name for r in guideline.model.rules)
    fired = fired_rules(results, bool(guideline.model.adjustments))
    graph = guideline.graph
    leaves = tuple(sorted((n for n, a in graph.nodes(data=True) if a.get("kind") == "leaf" and not a.get("impossible")
                           and a.get("inside", True)),
                          key=node_order))
    reached: set[str] = set()
    for facts in cases:
        reached |= reached_leaves(guideline, facts)
    uncovered = tuple(r for r in rules if r not in fired)
    found = {r: witness(guideline, r) for r in uncovered} if witnesses else {}
    return Coverage(rules, tuple(r for r in rules if r in fired), uncovered, leaves,
                    tuple(n for n in leaves if n not in reached), found)
