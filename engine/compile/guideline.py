"""The compiled guideline: the model, its variables, its decision diagrams and the networkx graph drawn from them.

:class:`Guideline` is what ``engine.compile.compiler.compile`` returns and what evaluation, the checks and the renderer
share. The public part is ``model``, ``graph``, ``roots``, ``order`` and :meth:`Guideline.evaluate` (the contract in
docs/graph.md). The diagrams themselves stay available to the engine (``mdd``, ``section_nodes``, ``vars``,
``leaves``) because the checker reasons on them directly (see docs/graph.md, "Reusing the diagrams").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import networkx as nx

from dsl.diagnostics import Diagnostic
from dsl.span import NO_SPAN
from engine.compile.mdd import MDD
from engine.core.model import EnumValue, Interval, Model

if TYPE_CHECKING:
    from engine.evaluate.result import FactValue, Result

Status = str | tuple[str, tuple[int, ...]]
"""A rule's status in a leaf: ``"active"`` or ``("overridden", indices of the applying overriders)``."""

class LeafKey(NamedTuple):
    """A diagram's terminal value (a tuple, so that it costs nothing more as a hash-consed MDD terminal). Rule and
    cover indices are positions in ``model.rules`` and ``model.covers``."""

    impossible: bool
    """The assumptions rule these patients out (everything else is empty)."""
    statuses: tuple[tuple[int, Status], ...]
    """(rule index, status) for every rule of the diagram that applies."""
    covers: tuple[int, ...]
    """The covers whose region holds."""
    gaps: tuple[int, ...]
    """Those covers that no active entry of any rule answers."""
    inside: bool
    """The section's guard holds."""


IMPOSSIBLE = LeafKey(True, (), (), (), False)


class Part(NamedTuple):
    """One diagram that evaluation walks: a whole section (its rules and covers), or, in a section too wide to
    combine (see ``engine.compile.compiler._parts``), one of its rules."""

    section: str
    rules: tuple[int, ...]
    covers: tuple[int, ...]
    node: int


@dataclass(frozen=True, slots=True)
class Var:
    """One variable of the diagrams: an input (its branches are enum values, bools, or the cells of the number
    partition) or the pseudo-variable ``known:x`` (branches ``False, True``)."""

    name: str
    input: str
    kind: str  # "known" | "bool" | "enum" | "number" | "integer"
    branches: tuple[EnumValue | bool | Interval, ...]
    question: str
    unit: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer")

    def branch_of(self, value: FactValue) -> int:
        """The branch a known fact value takes (``ValueError`` when it lies in none: the case loader prevents
        that)."""
        if self.numeric:
            x = float(value)
            for i, cell in enumerate(self.branches):
                assert isinstance(cell, Interval)
                if cell.contains(x):
                    return i
        else:
            for i, v in enumerate(self.branches):
                if v == value and isinstance(v, bool) == isinstance(value, bool):
                    return i
        raise ValueError(f"{value!r} is not an allowed value of {self.input}")


@dataclass(frozen=True, slots=True)
class LeafEntry:
    """One (rule, entry) line of a leaf: ``index`` is the entry's position in its rule."""

    rule: int
    index: int
    status: str  # "active" | "overridden"
    by: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Leaf:
    """What a section diagram's terminal means, decoded once: entries sorted as results list them (strength rank,
    rule order, entry order), covered actions, conflicts (both polarities active) and gaps."""

    impossible: bool
    entries: tuple[LeafEntry, ...]
    covers: tuple[str, ...]
    conflicts: tuple[str, ...]
    gaps: tuple[str, ...]
    inside: bool = True


@dataclass(eq=False)
class Guideline:
    """A compiled guideline (see docs/graph.md)."""

    model: Model
    graph: nx.DiGraph
    roots: dict[str, str]
    order: tuple[str, ...]
    mdd: MDD
    vars: tuple[Var, ...]
    section_nodes: dict[str, int]          # section -> MDD node (terminals are LeafKey); wide sections have none
    let_nodes: dict[str, int]              # let -> MDD node with terminals True/False/None (None: impossible)
    assume_node: int                       # boolean MDD of all assumptions
    rule_nodes: dict[str, int]             # rule -> boolean MDD of "the rule applies"
    leaves: dict[LeafKey, Leaf]
    rule_index: dict[str, int]
    parts: tuple[Part, ...] = ()           # the diagrams evaluation walks, in section order
    part_roots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # wide section -> its parts' graph roots
    _fast: Callable[[Mapping[str, Any], str | None], Result | None] | None = field(default=None, repr=False)
    _vet: _FactChecker | None = field(default=None, repr=False)
    _active: dict[LeafKey, frozenset[int]] | None = field(default=None, repr=False)
    _because: list[Any] | None = field(default=None, repr=False)
    _slow: Any = field(default=None, repr=False)  # engine.evaluate.walk's memoised walks

    @property
    def section_rules(self) -> dict[str, tuple[int, ...]]:
        """Section -> indices (in ``model.rules``) of its rules."""
        cached: dict[str, tuple[int, ...]] | None = getattr(self, "_section_rules", None)
        if cached is None:
            cached = {s.name: tuple(i for i, r in enumerate(self.model.rules) if r.section == s.name)
                      for s in self.model.sections}
            self._section_rules = cached
        return cached

    def check_facts(self, facts: Mapping[str, Any]) -> dict[str, FactValue]:
        """``facts`` checked against the declared inputs and converted to their values (``None``: unknown), or
        :class:`engine.core.errors.CaseError` naming every unknown input (with "did you mean"), wrong type, value out
        of range or not allowed, and broken ``assume``: what the case loader checks in files, for facts that
        come from Python. Values that already are exact (an enum member, a bool, a number in range) pass a cheap
        test; only the others go through the converters that also write the messages."""
        vet = self._vet
        if vet is None:
            vet = self._vet = _FactChecker(self.model)
        return vet(facts)

    def evaluate(self, facts: Mapping[str, FactValue], case_id: str | None = None, *,
                 validate: bool = True) -> Result:
        """Evaluate one case (missing inputs are unknown; see engine/evaluate/walk.py). The facts are first checked
        (:meth:`check_facts`, raising ``CaseError``) unless ``validate=False`` says they already were, as the
        case loader's are."""
        if validate:
            facts = self.check_facts(facts)
        if self._fast is not None:
            res = self._fast(facts, case_id)
            if res is not None:
                return res
        from engine.evaluate.walk import evaluate_slow
        return evaluate_slow(self, facts, case_id)

    def evaluate_many(self, cases: Iterable[Mapping[str, FactValue]], *, validate: bool = True) -> list[Result]:
        """Evaluate cases in order (case ids None); the same results as :meth:`evaluate` one by one, with the
        per-call dispatch hoisted out of the loop. With ``validate`` every case is checked first, and an invalid
        one raises ``CaseError`` before anything is evaluated."""
        from engine.evaluate.walk import evaluate_slow
        if validate:
            cases = [self.check_facts(facts) for facts in cases]
        out: list[Result] = []
        append = out.append
        for facts in cases:
            fast = self._fast
            res = fast(facts, None) if fast is not None else None
            append(res if res is not None else evaluate_slow(self, facts, None))
        return out

    def facts_of(self, path: Mapping[int, int], complete: bool = False) -> dict[str, FactValue]:
        """A patient for a partial assignment ``{level: branch}`` (e.g. ``self.mdd.witness(...)``): each tested
        input gets its branch's value (a number cell gets a simple point inside it); an input whose ``known:x``
        is on branch 0 is left out (unknown). With ``complete``, untested inputs get their first branch's value,
        so the patient is fully known apart from the inputs that must be unknown."""
        out: dict[str, FactValue] = {}
        unknown = {self.vars[lv].input for lv, b in path.items() if self.vars[lv].kind == "known" and b == 0}
        for lv, var in enumerate(self.vars):
            if var.kind == "known" or var.input in unknown or (lv not in path and not complete):
                continue
            cell = var.branches[path.get(lv, 0)]
            out[var.input] = point_in(cell, var.kind == "integer") if isinstance(cell, Interval) else cell
        return out


def point_in(cell: Interval, integer: bool = False) -> int | float:
    """A simple number inside ``cell``: a closed end, else the next whole number inside, else the midpoint."""
    lo, hi = cell.low, cell.high
    x: float
    if lo is not None and cell.low_closed:
        x = lo
    elif hi is not None and cell.high_closed and lo is None:
        x = hi
    elif lo is None:
        x = 0.0 if hi is None else hi - 1.0
    elif hi is None or math.floor(lo) + 1 < hi or (math.floor(lo) + 1 == hi and cell.high_closed):
        x = math.floor(lo) + 1.0
    else:
        x = (lo + hi) / 2
    return int(x) if integer or float(x).is_integer() else x


def interval_json(cell: Interval) -> list[Any]:
    """``[low, high, low_closed, high_closed]`` with None for unbounded ends (JSON numbers as written)."""
    def num(x: float | None) -> int | float | None:
        if x is None or math.isinf(x):
            return None
        return int(x) if float(x).is_integer() else x
    return [num(cell.low), num(cell.high), cell.low_closed, cell.high_closed]


# ---------------------------------------------------------------------------------------------------------------
# The networkx copy of a section diagram


def _num_text(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def interval_label(cell: Interval, domain: tuple[float, float], unit: str | None) -> str:
    """An edge answer as a flowchart prints it: ``> 5 cm``, ``<= 5 cm``, ``3..5 years``, ``any``."""
    dlo, dhi = domain
    open_low = cell.low is None or (cell.low == dlo and cell.low_closed)
    open_high = cell.high is None or (cell.high == dhi and cell.high_closed)
    u = f" {unit}" if unit else ""
    if open_low and open_high:
        return "any"
    if open_low:
        assert cell.high is not None
        return f"{'<=' if cell.high_closed else '<'} {_num_text(cell.high)}{u}"
    assert cell.low is not None
    if open_high:
        return f"{'>=' if cell.low_closed else '>'} {_num_text(cell.low)}{u}"
    assert cell.high is not None
    if cell.low == cell.high:
        return f"= {_num_text(cell.low)}{u}"
    if cell.low_closed and cell.high_closed:
        return f"{_num_text(cell.low)}..{_num_text(cell.high)}{u}"
    return (f"{'>=' if cell.low_closed else '>'} {_num_text(cell.low)} and "
            f"{'<=' if cell.high_closed else '<'} {_num_text(cell.high)}{u}")


def _value_text(var: Var, v: object) -> str:
    if var.kind == "known":
        return "known" if v else "unknown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _runs(var: Var, branches: list[int]) -> list[Interval]:
    """Cells of consecutive branches (neighbours in the partition) joined into one interval each."""
    out: list[Interval] = []
    last = -2
    for i in branches:
        c = var.branches[i]
        assert isinstance(c, Interval)
        if out and i == last + 1:
            p = out[-1]
            out[-1] = Interval(p.low, c.high, p.low_closed, c.high_closed)
        else:
            out.append(c)
        last = i
    return out


def add_section_graph(graph: nx.DiGraph, model: Model, vars: tuple[Var, ...], mdd: MDD, section: str,
                      root: int, leaves: Mapping[LeafKey, Leaf], prefix: str | None = None) -> str:
    """Copy one section diagram into ``graph`` (ids ``<prefix>/d<k>``, ``<prefix>/l<k>`` in depth-first
    preorder, children in branch order; the prefix is the section's name, or ``<section>/p<k>`` for the parts of
    a wide section); returns the root id.

    Nodes and edges are collected first, in the order a node-by-node copy would add them (nodes in preorder,
    an edge once its child's subtree is done), then added in two bulk calls; edge labels are computed once per
    (variable, answers) and entry texts once per (rule, entry), since the same ones recur across the diagram."""
    prefix = section if prefix is None else prefix
    ids: dict[int, str] = {}
    counts = [0, 0]
    rules = model.rules
    nodes: list[tuple[str, dict[str, Any]]] = []
    edges: list[tuple[str, str, dict[str, Any]]] = []
    labels: dict[tuple[int, tuple[int, ...]], tuple[str, list[list[Any]]] | tuple[str, list[Any]]] = {}
    heads: dict[tuple[int, int], tuple[str, str, str, tuple[tuple[str, Any], ...], dict[str, object]]] = {}
    level, children, is_terminal, value = mdd.level, mdd.children, mdd.is_terminal, mdd.value

    def entry_head(ri: int, ei: int) -> tuple[str, str, str, tuple[tuple[str, Any], ...], dict[str, object]]:
        h = heads.get((ri, ei))
        if h is None:
            r = rules[ri]
            e = r.entries[ei]
            span = (e.span if e.span.line else r.span).to_dict()  # the entry's line, else its rule's
            h = heads[(ri, ei)] = (r.name, e.action, e.strength.value, tuple((k, v) for k, v in e.params), span)
        return h

    def edge_label(lv: int, branches: tuple[int, ...]) -> tuple[str, list[list[Any]]] | tuple[str, list[Any]]:
        out = labels.get((lv, branches))
        if out is None:
            var = vars[lv]
            if var.numeric:
                inp = model.inputs[var.input]
                runs = _runs(var, list(branches))
                out = (" or ".join(interval_label(r, (inp.low, inp.high), var.unit) for r in runs),
                       [interval_json(r) for r in runs])
            else:
                vals = [var.branches[i] for i in branches]
                out = (", ".join(_value_text(var, v) for v in vals), vals)
            labels[(lv, branches)] = out
        return out

    def visit(n: int) -> str:
        if n in ids:
            return ids[n]
        if is_terminal(n):
            nid = ids[n] = f"{prefix}/l{counts[1]}"
            counts[1] += 1
            leaf = leaves[value(n)]
            entries = []
            for le in leaf.entries:
                name, action, strength, params, span = entry_head(le.rule, le.index)
                entries.append({"rule": name, "action": action, "strength": strength,
                                "params": {k: v.to_json() for k, v in params},
                                "status": le.status, "by": [rules[o].name for o in le.by], "span": span})
            nodes.append((nid, {"kind": "leaf", "section": section, "impossible": leaf.impossible,
                                "entries": entries, "covers": list(leaf.covers), "conflicts": list(leaf.conflicts),
                                "gaps": list(leaf.gaps), "inside": leaf.inside}))
            return nid
        lv = level(n)
        var = vars[lv]
        nid = ids[n] = f"{prefix}/d{counts[0]}"
        counts[0] += 1
        nodes.append((nid, {"kind": "decision", "section": section, "var": var.name, "input": var.input,
                            "question": var.question, "unit": var.unit}))
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(children(n)):
            groups.setdefault(c, []).append(i)
        for child, branches in groups.items():
            cid = visit(child)
            label, parts = edge_label(lv, tuple(branches))
            if var.numeric:
                edges.append((nid, cid, {"interval": list(parts[0]), "intervals": [list(p) for p in parts],
                                         "label": label}))
            else:
                edges.append((nid, cid, {"values": list(parts), "label": label}))
        return nid

    root_id = visit(root)
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return root_id


class _FactChecker:
    """:meth:`Guideline.check_facts` for one model: the case loader's converters and assumption checks, built
    once, behind a per-input cheap acceptance test."""

    def __init__(self, model: Model) -> None:
        from engine.cases.validate import CaseChecker
        from engine.cases.values import accepter

        self.checker = CaseChecker(model)
        self.accept = {name: accepter(inp) for name, inp in model.inputs.items()}
        self.assumptions = [holds for _, holds, _ in self.checker.assumptions]

    def __call__(self, facts: Mapping[str, Any]) -> dict[str, FactValue]:
        if not isinstance(facts, dict | Mapping):
            self._fail([Diagnostic("E305", "error", "facts must be a mapping of input names to values, "
                                                    f"got {type(facts).__name__}")])
        accept = self.accept
        out: dict[str, FactValue] = {}
        slow: list[tuple[Any, Any]] = []
        for name, raw in facts.items():
            ok = accept.get(name) if type(name) is str else None
            if ok is not None and ok(raw):
                out[name] = raw
            elif raw is not None:
                slow.append((name, raw))
        if slow:
            self._convert(slow, out)
        for holds in self.assumptions:
            if holds(out) is False:
                self._fail(self.checker.check_assumptions("facts", out, NO_SPAN))
        return out

    def _convert(self, items: list[tuple[Any, Any]], out: dict[str, FactValue]) -> None:
        from engine.cases.values import BadValue

        checker = self.checker
        diags: list[Diagnostic] = []
        for name, raw in items:
            convert = checker.converters.get(name) if isinstance(name, str) else None
            if convert is None:
                diags.append(checker.unknown_input("facts", str(name), NO_SPAN))
                continue
            try:
                out[name] = convert(raw)
            except BadValue as bad:
                diags.append(checker.bad_value("facts", name, bad, NO_SPAN))
        if diags:
            self._fail(diags)

    @staticmethod
    def _fail(diags: list[Diagnostic]) -> NoReturn:
        from engine.core.errors import CaseError

        raise CaseError([replace(d, span=None) for d in diags])
