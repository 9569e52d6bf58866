"""What a section figure draws: the section's diagram reduced to what a reader can see.

The compiled diagram is reduced for *evaluation*: two leaves differ whenever anything about them differs,
including things a figure does not show (overridden entries, which covers hold). Drawn as is, a figure would
show the same box several times and ask questions whose answers all lead to the same box. So the plan reduces
the diagram again, on what is drawn:

- every node gets a *display key*: a leaf's key is what its box prints (merged entries and notes); a decision's
  key is its question and the keys its answers lead to;
- impossible leaves and leaves outside the section's guard (the figure's title names the section), and
  questions that only lead to them, are dropped;
- a question whose possible answers all lead to the same key is skipped (its child is drawn in its place);
- nodes with equal keys are drawn once (the first in walk order), and answers of one question that lead to the
  same box share one edge ("localized, metastatic");
- empty leaves ("no recommendation") are drawn once per incoming edge, so they do not pull far branches together;
- factoring: entries active in every possible leaf below a drawn question are drawn once, in a box above it ("for
  all below"), and left out of the leaves (a leaf left with nothing is drawn "nothing further"); so are the
  "not addressed" notes, so that two branches that differ only in such a note above them can share what follows
  (nodes negative: "not recommended: lymphadenectomy", involved: "not addressed: lymphadenectomy", both leading
  to one menopausal-status question instead of one each).

With a case, a drawn node is on the patient's path when any graph node it stands for is, and a drawn edge when
one of the graph edges it stands for is.

Everything is walked in a fixed order (answers in question order), so ids and order are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.core.model import Model
from visualize.boxes import entry_views, leaf_notes
from visualize.labels import Question, question, sentence

Kind = Literal["question", "leaf", "empty", "end", "link", "stage"]
Entry = tuple[str, str, str, str]
"""An active entry as drawn: rule, action, strength and its parameters (as text)."""


def entry_id(e: Mapping[str, Any]) -> Entry:
    params = repr(sorted((e.get("params") or {}).items()))
    return (str(e.get("rule")), str(e.get("action")), str(e.get("strength")), params)


GAP = "\u26a0gap"
"""The rule slot of a leaf's "not addressed" note (a gap: an action the section covers that no rule speaks about
for these patients) factored like an entry: ``(GAP, action, "", "")``."""


def gap_id(action: object) -> Entry:
    return (GAP, str(action), "", "")


def without(data: Mapping[str, Any], hidden: frozenset[Entry]) -> Mapping[str, Any]:
    """A leaf's data with the ``hidden`` (factored) entries and "not addressed" notes left out."""
    if not hidden:
        return data
    return {**data, "entries": [e for e in data.get("entries") or [] if entry_id(e) not in hidden],
            "gaps": [a for a in data.get("gaps") or [] if gap_id(a) not in hidden]}


class DrawableGuideline(Protocol):
    """What the renderer needs of ``engine.compile.guideline.Guideline`` (the graph contract of docs/graph.md)."""

    @property
    def model(self) -> Model: ...

    @property
    def graph(self) -> Any: ...

    @property
    def roots(self) -> Mapping[str, str]: ...

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        """The nodes and edges of ``section``'s diagram a case with ``facts`` may pass (evaluation's walk)."""
        ...


@dataclass(slots=True)
class DrawNode:
    id: str  # DOT id (a graph node id, or "<leaf>@<parent>" for an empty end)
    node: str  # the graph node it is drawn for
    kind: Kind
    question: str = ""
    on: bool = False  # on the highlighted patient's path
    lines: int = 1  # about how many lines of text the box holds (for choosing the page)
    tooltip: str = ""
    data: dict[str, Any] | None = None  # a box's entries and notes when it stands for no graph node (list form)
    hidden: frozenset[Entry] = frozenset()  # entries of the leaf drawn in a box above it (factored)
    page: int = 0  # a connector's page ("see p. N"), that an HTML page can link to (0: none)


@dataclass(slots=True)
class DrawEdge:
    src: str
    dst: str
    label: str
    on: bool = False
    chain: bool = False  # from one stage of a sequence to the next (drawn across, not down)


@dataclass(slots=True)
class SectionPlan:
    name: str
    title: str
    nodes: list[DrawNode] = field(default_factory=list)
    edges: list[DrawEdge] = field(default_factory=list)
    form: Literal["tree", "list", "sequence"] = "tree"  # a list is drawn as rows (visualize.rule_list); a sequence
    # as a tree whose first question's answers are stages side by side (visualize.sequence)


def section_names(guideline: DrawableGuideline) -> list[str]:
    """The sections, in the rules file's order (a wide section has no diagram in ``roots``: it is drawn as the
    list of its rules)."""
    order = [s.name for s in guideline.model.sections]
    return order + [name for name in guideline.roots if name not in order]


def section_title(guideline: DrawableGuideline, name: str) -> str:
    """The section's label, or its name as a sentence."""
    titles = {s.name: s.label for s in guideline.model.sections}
    return titles.get(name) or sentence(name)


def question_of(guideline: DrawableGuideline, node: str) -> Question:
    """The question a decision node asks, with its answers in drawing order."""
    g = guideline.graph
    data = g.nodes[node]
    inp = guideline.model.input_or_derived(str(data.get("input", "")))
    kind = inp.kind if inp is not None else ("number" if data.get("unit") else "enum")
    edges = [(child, d) for _, child, d in g.out_edges(node, data=True)]
    if inp is None:
        return question(data, edges, kind)
    return question(data, edges, kind, inp.values, (inp.low, inp.high), guideline.model.vocabulary)


EMPTY = 0
END = 1  # a leaf all of whose entries are drawn in a box above it


@dataclass(slots=True)
class _Keys:
    """Display keys, interned as small integers (``EMPTY`` is the empty leaf), and per key the graph node that
    draws it and, for questions, its answers grouped by the key they lead to."""

    guideline: DrawableGuideline
    ids: dict[Any, int] = field(default_factory=lambda: {("empty",): EMPTY, ("end",): END})
    of_node: dict[str, int | None] = field(default_factory=dict)
    rep: dict[int, str] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    answers: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    drawn: set[str] = field(default_factory=set)  # graph decision nodes that are drawn (not skipped)
    lines: dict[int, int] = field(default_factory=dict)
    memo: dict[tuple[str, frozenset[Entry]], int | None] = field(default_factory=dict)
    commons: dict[str, frozenset[Entry] | None] = field(default_factory=dict)
    factors: dict[int, tuple[frozenset[Entry], int]] = field(default_factory=dict)  # factor box -> (entries, below)
    hidden_of: dict[int, frozenset[Entry]] = field(default_factory=dict)  # a leaf key's factored entries
    raw: dict[Entry, Mapping[str, Any]] = field(default_factory=dict)  # each entry as the graph holds it

    def intern(self, key: Any, node: str) -> int:
        k = self.ids.setdefault(key, len(self.ids))
        self.rep.setdefault(k, node)
        return k

    def common(self, n: str) -> frozenset[Entry] | None:
        """The entries active in every possible leaf below ``n`` (None when no leaf below is possible)."""
        if n in self.commons:
            return self.commons[n]
        self.commons[n] = None
        data = self.guideline.graph.nodes[n]
        c: frozenset[Entry] | None
        if data.get("kind") != "decision":
            if data.get("impossible", False) or not data.get("inside", True):
                c = None
            else:
                active = [e for e in data.get("entries") or [] if e.get("status", "active") == "active"]
                for e in active:
                    self.raw.setdefault(entry_id(e), e)
                gaps = [gap_id(a) for a in data.get("gaps") or []]
                for g in gaps:
                    self.raw.setdefault(g, {"gap": g[1]})
                c = frozenset(entry_id(e) for e in active) | frozenset(gaps)
        else:
            below = [x for _, child in self.guideline.graph.out_edges(n) if (x := self.common(child)) is not None]
            c = frozenset.intersection(*below) if below else None
        self.commons[n] = c
        return c

    def key(self, n: str, hidden: frozenset[Entry] = frozenset()) -> int | None:
        """The display key of ``n`` with the ``hidden`` entries drawn above it."""
        if (n, hidden) in self.memo:
            return self.memo[(n, hidden)]
        self.memo[(n, hidden)] = None  # guards against cycles in a malformed graph
        k = self._key(n, hidden)
        self.memo[(n, hidden)] = k
        self.of_node.setdefault(n, k)
        return k

    def _key(self, n: str, hidden: frozenset[Entry]) -> int | None:
        g = self.guideline.graph
        data = g.nodes[n]
        if data.get("kind") != "decision":
            if data.get("impossible", False) or not data.get("inside", True):
                return None
            model = self.guideline.model
            shown = without(data, hidden)
            views = tuple(entry_views(shown, model, {}))
            notes = tuple(leaf_notes(shown, model))
            if not views and not notes:
                end = END if hidden and (data.get("entries") or data.get("gaps")) else EMPTY
                self.rep.setdefault(end, n)
                return end
            k = self.intern(("leaf", views, notes), n)
            self.lines[k] = sum(3 + 2 * len(v.details) for v in views) + len(notes)
            self.hidden_of.setdefault(k, hidden)
            return k
        extra = (self.common(n) or frozenset()) - hidden
        if extra:
            inner = self._question(n, hidden | extra)
            if inner is not None and inner in self.answers:  # a drawn question: its shared entries go above it
                k = self.intern(("factor", tuple(sorted(extra)), inner), n)
                self.factors.setdefault(k, (extra, inner))
                self.hidden_of.setdefault(k, hidden)
                return k
        return self._question(n, hidden)

    def _question(self, n: str, hidden: frozenset[Entry]) -> int | None:
        q = question_of(self.guideline, n)
        grouped: dict[int, list[str]] = {}
        for child, answer in q.answers:
            ck = self.key(child, hidden)
            if ck is not None:
                grouped.setdefault(ck, []).append(answer)
        if not grouped:
            return None
        if len(grouped) == 1:
            return next(iter(grouped))  # every possible answer leads to the same box: skip the question
        merged = [(ck, ", ".join(answers)) for ck, answers in grouped.items()]
        # the key ignores answer order: two graph nodes that differ only in the order of their edges (a
        # question skipped below one of them regroups the edges) draw the same
        k = self.intern(("question", q.text, tuple(sorted(merged))), n)
        if self.rep[k] == n:
            self.text[k] = q.text
            self.answers[k] = merged
        self.drawn.add(n)  # its edges are drawn (as the edges of the node drawn for its key)
        return k


def plan_section(guideline: DrawableGuideline, name: str,
                 path: tuple[set[str], set[tuple[str, str]]] | None = None) -> SectionPlan:
    """The nodes and edges to draw for section ``name``; ``path`` (graph nodes and edges of a case) marks what
    is on the patient's path."""
    plan = SectionPlan(name, section_title(guideline, name))
    keys = _Keys(guideline)
    root = keys.key(guideline.roots[name])
    if root is None:
        return plan
    on_keys: set[int] = set()
    on_edges: set[tuple[int, int]] = set()
    if path is not None:
        nodes, edges = path
        on_keys = {k for n in nodes if (k := keys.of_node.get(n)) is not None}
        for u, v in edges:
            ku, kv = keys.of_node.get(u), keys.of_node.get(v)
            if ku is not None and kv is not None and u in keys.drawn:
                on_edges.add((keys.factors[ku][1] if ku in keys.factors else ku, kv))
        on_keys |= {inner for f, (_, inner) in keys.factors.items() if f in on_keys}
    if root == EMPTY:
        rep = guideline.roots[name]
        plan.nodes.append(DrawNode(rep, rep, "empty", on=EMPTY in on_keys))
        return plan
    seen: set[int] = set()
    order = {e: i for i, e in enumerate(keys.raw)}

    def head(k: int) -> str:  # the DOT id of the first box drawn for key k
        return f"{keys.rep[k]}+all" if k in keys.factors else keys.rep[k]

    def visit(k: int) -> None:
        seen.add(k)
        rep = keys.rep[k]
        if k in keys.factors:
            extra, inner = keys.factors[k]
            ordered = sorted(extra, key=order.__getitem__)
            entries = [dict(keys.raw[e]) for e in ordered if e[0] != GAP]
            notes = leaf_notes({"gaps": [e[1] for e in ordered if e[0] == GAP]}, guideline.model)
            box = f"{rep}+all"
            plan.nodes.append(DrawNode(box, rep, "leaf", on=k in on_keys, lines=3 * len(entries) + len(notes),
                                       data={"entries": entries, "notes": notes}))
            plan.edges.append(DrawEdge(box, head(inner), "", k in on_keys))
            if inner not in seen:
                visit(inner)
            return
        if k not in keys.answers:
            plan.nodes.append(DrawNode(rep, rep, "leaf", on=k in on_keys, lines=keys.lines.get(k, 1),
                                       hidden=keys.hidden_of.get(k, frozenset())))
            return
        plan.nodes.append(DrawNode(rep, rep, "question", question=keys.text[k], on=k in on_keys))
        for ck, label in keys.answers[k]:
            on = (k, ck) in on_edges
            if ck in (EMPTY, END):
                end = f"{keys.rep[ck]}@{rep}"
                plan.nodes.append(DrawNode(end, keys.rep[ck], "empty" if ck == EMPTY else "end", on=on))
                plan.edges.append(DrawEdge(rep, end, label, on))
                continue
            plan.edges.append(DrawEdge(rep, head(ck), label, on))
            if ck not in seen:
                visit(ck)

    visit(root)
    return plan
