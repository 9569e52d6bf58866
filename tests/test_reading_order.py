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
from visualize.order import ReadingView, reading_order, reading_view
from visualize.plan import Entry, entry_id, plan_section

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
