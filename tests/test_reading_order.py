"""Reading order (visualize.order, engine.compile.reorder): a figure's questions are sifted for the reader, the
compiled order (evaluation, checks) is untouched."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.compile.compiler import compile
from engine.compile.reorder import Reordered, section_support
from engine.evaluate.guideline import Guideline
from engine.resolve.pipeline import load_model
from visualize.crossing import crossings
from visualize.order import ReadingView, reading_order, reading_view
from visualize.plan import DrawEdge, DrawNode, Entry, SectionPlan, entry_id, plan_section

RULES = Path(__file__).resolve().parent.parent / "rules" / "lms.rules"


@pytest.fixture(scope="module")
def lms() -> Guideline:
    model, _, _ = load_model(str(RULES))
    assert model is not None
    return Guideline(compile(model))


def test_reordered_diagram_is_the_same_function(lms: Guideline) -> None:
    c = lms.compiled
    support = section_support(c, "uterine")
    r = Reordered(c, "uterine", tuple(reversed(support)))
    old_level = {v.name: i for i, v in enumerate(c.vars)}
    sizes = [len(c.vars[old_level[n]].branches) for n in support]
    for combo in itertools.islice(itertools.product(*[range(s) for s in sizes]), 3000):
        full = [0] * len(c.vars)
        for n, b in zip(support, combo, strict=True):
            full[old_level[n]] = b
        new = [combo[support.index(v.name)] for v in r.vars]
        assert r.mdd.evaluate(r.root, new) == c.mdd.evaluate(c.section_nodes["uterine"], full)


def test_uterine_figure_no_longer_splits_on_menopausal_status_first(lms: Guideline) -> None:
    order = reading_order(lms, lms.compiled, "uterine")
    assert order.index("menopausal_status") > order.index("nodes")
    view = reading_view(lms, sections=["uterine"])
    plan = plan_section(view, "uterine")
    assert len(plan.nodes) <= len(plan_section(lms, "uterine").nodes)
    assert [dn.question for dn in plan.nodes].count("Menopausal status?") == 1
    assert lms.compiled.order == tuple(v.name for v in lms.compiled.vars)  # evaluation's order unchanged
    assert reading_view(view) is view  # a reading view is not sifted again


def _leaves(g: Guideline | ReadingView, section: str, facts: Mapping[str, Any]) -> set[frozenset[Entry]]:
    nodes, edges = g.case_path(section, facts)
    graph = g.graph
    assert all(u in nodes and v in nodes for u, v in edges)
    return {frozenset(entry_id(e) for e in graph.nodes[n].get("entries") or []) for n in nodes
            if graph.nodes[n]["kind"] == "leaf" and not graph.nodes[n]["impossible"]}


def test_a_case_path_in_the_reading_order_reaches_what_evaluation_reaches(lms: Guideline) -> None:
    """A case figure is drawn in the reading order: its highlighted path is evaluation's walk repeated on the
    rebuilt diagram, so it ends in the boxes the case's compiled walk ends in (every LMS case, every section)."""
    from engine.cases.load import load_cases

    view = reading_view(lms)
    assert isinstance(view, ReadingView) and {"uterine", "localized"} <= set(view.rebuilt)
    cases, problems = load_cases([str(RULES.parent / "cases")], lms.model, lms.impossible)
    assert cases and not [d for d in problems if d.severity == "error"]
    for case in cases:
        for section in view.rebuilt:
            assert _leaves(view, section, case.facts) == _leaves(lms, section, case.facts), (case.id, section)


def _plan(edges: list[tuple[str, str]]) -> SectionPlan:
    ids = list(dict.fromkeys(n for e in edges for n in e))
    return SectionPlan("s", "s", [DrawNode(n, n, "leaf") for n in ids], [DrawEdge(a, b, "") for a, b in edges])


def test_crossing_estimate_counts_what_dot_cannot_avoid() -> None:
    """The sifting's tie-break: crossings in dot's layered model (K2,2 has 1 and K2,3 3 however drawn, as
    ``dot -v`` reports; a tree and a merge of neighbours have none; an edge spanning ranks is routed through
    virtual nodes)."""
    k22 = [("r", "a"), ("r", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]
    assert crossings(_plan(k22)) == 1
    assert crossings(_plan([("r", "a"), ("r", "b"), *[(p, c) for p in "ab" for c in "cde"]])) == 3
    assert crossings(_plan([("r", "a"), ("r", "b"), ("a", "c"), ("a", "d"), ("b", "d"), ("b", "e")])) == 0
    # the long edge r -> d passes rank 2 beside a's children: drawn on the right, it crosses nothing
    assert crossings(_plan([("r", "a"), ("r", "d"), ("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])) == 0


def test_lms_reading_orders_draw_no_estimated_crossing_but_follow_up(lms: Guideline) -> None:
    view = reading_view(lms)
    found = {s: crossings(plan_section(view, s)) for s in view.roots}
    assert {s: n for s, n in found.items() if n} == {"follow_up": 1}  # dot's transposition removes it (0 drawn)
