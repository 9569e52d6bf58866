"""Rule coverage of a test suite, measured on the compiled decision graph.

A rule is *covered* ("fired") when it applied for at least one case: its entries were recommended, or it applied
but was set aside by an overriding rule (the override was exercised). A decision-graph leaf is *reached* when some
case's known facts lead to it and to no other possible leaf of its section (unknown inputs follow every branch;
a case whose missing data leaves several possible leaves only might reach them, and does not count).

For every uncovered rule a *witness* is built from the graph: a path from its section's root to a possible leaf
in which the rule's entry is active, turned into facts (one value per question on the path), checked by actually
evaluating it, so the YAML printed for the author is a case that fires the rule; facts the rule does not need
are then dropped one by one (each drop re-checked by evaluation).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.cases.values import kleene
from engine.core.model import Input
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


def fired_rules(results: Sequence[Result]) -> set[str]:
    """Rules that applied in at least one result (active or set aside)."""
    out: set[str] = set()
    for r in results:
        out.update(rec.rule for rec in r.recommendations)
        out.update(o.rule for o in r.overridden)
    return out


def _in_interval(x: float, iv: Sequence[Any]) -> bool:
    low, high, low_closed, high_closed = iv
    if low is not None and (x < low or (x == low and not low_closed)):
        return False
    return not (high is not None and (x > high or (x == high and not high_closed)))


def _intervals(data: Mapping[str, Any]) -> list[Sequence[Any]]:
    return list(data.get("intervals") or [data["interval"]])


def _edge_holds(data: Mapping[str, Any], var: str, inp: str, facts: Mapping[str, FactValue]) -> bool | None:
    """Whether the case takes this edge: None when the case does not know the answer."""
    if var.startswith("known:"):
        return (facts.get(inp) is not None) in data["values"]
    value = facts.get(inp)
    if value is None:
        return None
    if "values" in data:
        return any(value == v and isinstance(value, bool) == isinstance(v, bool) for v in data["values"])
    return any(_in_interval(float(value), iv) for iv in _intervals(data))


def possible_leaves(guideline: Guideline, root: str, facts: Mapping[str, FactValue]) -> set[str]:
    """The possible (not impossible) leaves of one section diagram that agree with the case's known facts: an
    unknown input follows every branch."""
    graph = guideline.graph
    seen: set[str] = set()
    out: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        attrs = graph.nodes[node]
        if attrs["kind"] != "decision":
            if not attrs.get("impossible") and attrs.get("inside", True):
                out.add(node)
            continue
        for _, child, data in graph.out_edges(node, data=True):
            if _edge_holds(data, attrs["var"], attrs["input"], facts) is not False:
                stack.append(child)
    return out


def reached_leaves(guideline: Guideline, facts: Mapping[str, FactValue]) -> set[str]:
    """The leaves a case reaches: per section, the one possible leaf its facts lead to (a section where the
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
    low, high, low_closed, high_closed = iv
    lo = max(inp.low, -math.inf if low is None else low)
    hi = min(inp.high, math.inf if high is None else high)
    lo_c = low_closed if low is not None and low >= inp.low else True
    hi_c = high_closed if high is not None and high <= inp.high else True
    if math.isinf(lo) and math.isinf(hi):
        candidates: list[float] = [0.0]
    elif math.isinf(lo):
        candidates = [hi if hi_c else math.ceil(hi) - 1]
    elif math.isinf(hi):
        candidates = [lo if lo_c else math.floor(lo) + 1]
    else:
        candidates = [math.ceil(lo) + k for k in (0, 1)] + [(lo + hi) / 2]
        if lo_c:
            candidates.insert(0, lo)
    for c in candidates:
        if _in_interval(c, [lo, hi, lo_c, hi_c]) and (inp.kind != "integer" or float(c).is_integer()):
            return int(c) if float(c).is_integer() else c
    return (lo + hi) / 2


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
        inp = model.inputs[attrs["input"]]
        if attrs["var"].startswith("known:"):
            known[inp.name] = bool(data["values"][0])
        elif "values" in data:
            chosen[inp.name] = data["values"][0]
        else:
            chosen[inp.name] = _pick_number(inp, _intervals(data)[0])
    for name, is_known in known.items():
        if not is_known:
            chosen.pop(name, None)
        elif name not in chosen:
            chosen[name] = _any_value(model.inputs[name])
    return {n: chosen[n] for n in model.inputs if n in chosen}


def witness(guideline: Guideline, rule: str) -> dict[str, FactValue] | None:
    """Facts of a patient for whom ``rule`` is active, or None when the graph has no such possible leaf."""
    model = guideline.model
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
    return any(r.rule == rule for r in guideline.evaluate(facts).recommendations)


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
    fired = fired_rules(results)
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
