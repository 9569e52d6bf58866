"""The compiled guideline as data: the model, its variables, its decision diagrams and the networkx graph.

:class:`CompiledGuideline` is what ``engine.compile.compiler.compile`` returns: frozen data that evaluation
(``engine.evaluate.Evaluator``), the checks and the renderer read and nobody writes into. The public part is
``model``, ``graph``, ``roots`` and ``order`` (the contract in docs/graph.md); the diagrams themselves (``mdd``,
``section_nodes``, ``parts``, ``vars``, ``leaves``) are there for the engine, because evaluation and the checker
reason on them directly (docs/graph.md, "Reusing the diagrams"). What runs cases (generated code, memos) is the
evaluator's, and what checks facts from Python is ``engine.cases.facts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, NamedTuple

import networkx as nx

from engine.compile.mdd import MDD
from engine.core.model import EnumValue, FactValue, Interval, Model
from engine.core.values import json_number, same_member


class RuleStatus(StrEnum):
    """What a rule's entries are for a patient (the words of results and of the graph's leaf entries)."""

    ACTIVE = "active"            # it applies and nothing sets it aside: its entries are recommendations
    OVERRIDDEN = "overridden"    # it applies but a rule that overrides it applies too
    PENDING = "pending"          # it applies for some values of the unknown inputs only (evaluation only)


class Unit(NamedTuple):
    """A *status unit*: entries of one rule that are set aside by the same rules (see
    ``engine.compile.compiler.status_units``). Without action-level exceptions unit ``i`` is rule ``i`` with all its
    entries; an entry set aside on its own (``overrides rule.action``, a prevailing prohibition) is a unit of its
    own, numbered after the rules."""

    rule: int
    entries: tuple[int, ...]
    over: tuple[int, ...]
    """The rules whose applying sets these entries aside (directly or through a chain), in rule order."""


class Applied(NamedTuple):
    """A status unit (:class:`Unit`; unit ``i < len(model.rules)`` is rule ``i``) whose rule applies in a leaf:
    active, or set aside by the applying overriders ``by`` (rule indices)."""

    rule: int
    status: RuleStatus
    by: tuple[int, ...] = ()


class LeafKey(NamedTuple):
    """A diagram's terminal value (a tuple, so that it costs nothing more as a hash-consed MDD terminal). Rule and
    cover indices are positions in ``model.rules`` and ``model.covers``."""

    impossible: bool
    """The assumptions rule these patients out (everything else is empty)."""
    statuses: tuple[Applied, ...]
    """Every rule of the diagram that applies, with its status."""
    covers: tuple[int, ...]
    """The covers whose region holds."""
    gaps: tuple[int, ...]
    """Those covers that no active entry of any rule answers."""
    inside: bool
    """The section's guard holds."""


IMPOSSIBLE = LeafKey(True, (), (), (), False)


class Drawn(NamedTuple):
    """A diagram copied into the graph: its MDD root and the graph id of each of its MDD nodes."""

    node: int
    ids: dict[int, str]


class Part(NamedTuple):
    """One diagram that evaluation walks: a whole section (its rules and covers), or, in a section too wide to
    combine (see ``engine.compile.compiler._parts``), one of its rules."""

    section: str
    rules: tuple[int, ...]
    covers: tuple[int, ...]
    node: int


VarKind = Literal["known", "bool", "enum", "number", "integer"]


@dataclass(frozen=True, slots=True)
class Var:
    """One variable of the diagrams: an input (its branches are enum values, bools, or the cells of the number
    partition) or the pseudo-variable ``known:x`` (branches ``False, True``)."""

    name: str
    input: str
    kind: VarKind
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
                if same_member(v, value):
                    return i
        raise ValueError(f"{value!r} is not an allowed value of {self.input}")


@dataclass(frozen=True, slots=True)
class LeafEntry:
    """One (rule, entry) line of a leaf: ``index`` is the entry's position in its rule."""

    rule: int
    index: int
    status: RuleStatus  # ACTIVE or OVERRIDDEN
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


@dataclass(frozen=True, eq=False)
class CompiledGuideline:
    """A compiled guideline (see docs/graph.md): data only, never written into after ``compile``."""

    model: Model
    graph: nx.DiGraph
    roots: dict[str, str]                  # section -> root id of its diagram in ``graph`` (wide sections have none)
    order: tuple[str, ...]                 # the variable order
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
    section_rules: dict[str, tuple[int, ...]] = field(default_factory=dict)  # section -> its rules' indices
    drawn: dict[str, Drawn] = field(default_factory=dict)  # graph root id -> the diagram copied there
    cover_gaps: tuple[int, ...] = ()       # cover index -> MDD: True where it is a gap, False where answered or
                                           # outside it, None where the assumptions are broken
    together: tuple[int, ...] = ()         # never_together index -> MDD of its condition (None: assumptions broken)
    adjust_nodes: tuple[int, ...] = ()     # per ``model.adjustments``: MDD True where its rule is active (applies,
                                           # no overrider applies), False where not, None: assumptions broken
    classified: int | None = None
    """Boolean MDD: every classification without ``otherwise`` gives the patient a value (None: all do). The
    checks reason on these patients only; the others are E210's."""
    solve: Callable[..., dict[str, float | int] | None] | None = None
    """Values of the numbers that relations read, for a path (engine.compile.theory); None without relations."""

    def facts_of(self, path: Mapping[int, int], complete: bool = False) -> dict[str, FactValue]:
        """A patient for a partial assignment ``{level: branch}`` (e.g. ``self.mdd.witness(...)``): each tested
        input gets its branch's value (a number cell gets a simple point inside it); an input whose ``known:x``
        is on branch 0 is left out (unknown). With ``complete``, untested inputs get their first branch's value,
        so the patient is fully known apart from the inputs that must be unknown."""
        out: dict[str, FactValue] = {}
        unknown = {self.vars[lv].input for lv, b in path.items() if self.vars[lv].kind == "known" and b == 0}
        derived = self.model.derived
        members: dict[str, list[object]] = {}
        for lv, var in enumerate(self.vars):
            d = derived.get(var.input)
            if d is not None and d.how == "member" and d.reads[0] not in unknown and (lv in path or complete):
                members.setdefault(d.reads[0], [])
                if var.branches[path.get(lv, 0)] is True:
                    members[d.reads[0]].append(d.values[0])
            if var.kind == "known" or var.input in unknown or (lv not in path and not complete) or d is not None:
                continue
            cell = var.branches[path.get(lv, 0)]
            if isinstance(cell, Interval):
                x = cell.point("closed_end", integer=var.kind == "integer")
                out[var.input] = int(x) if var.kind == "integer" else json_number(x)
            else:
                out[var.input] = cell
        for name, values in members.items():
            out[name] = values  # type: ignore[assignment]
        if self.solve is not None:
            solved = self.solve(path)
            for name, x in (solved or {}).items():
                if name in self.model.inputs and name not in unknown and (name in out or complete):
                    out[name] = x
        return out
