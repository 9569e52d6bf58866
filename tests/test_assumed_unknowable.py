"""Issue 17's reproduction: ``assume n is known implies not a``, rules on ``n`` under ``a``. For a patient with
``a`` the input ``n`` has no value, so those rules can never apply (``check`` says so, W203). Every reader of the
diagrams must agree: the figure draws no question on ``n`` under "a: yes", ``run`` never lists ``n`` as pending
there, and coverage does not count leaves no possible patient reaches."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from engine.cases.coverage import coverage
from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.evaluate.result import FactValue
from engine.resolve.pipeline import load_model
from visualize.dot import to_dot

RULES = Path(__file__).resolve().parent / "fixtures" / "visualize" / "assume_known.rules"


@pytest.fixture(scope="module")
def g() -> Guideline:
    model, _, _ = load_model(str(RULES))
    assert model is not None
    return Guideline(compile(model))


def _text(dot: str) -> str:
    return re.sub(r"<BR[^>]*/>", " ", dot)


def test_figure_draws_only_possible_branches(g: Guideline, snapshot: Any) -> None:
    dot = to_dot(g, section="follow")
    text = _text(dot)
    assert text.count("Years since adjuvant end") == 1  # asked under "a: no" only
    assert ">Scan<" not in text and ">Visit<" not in text  # the rules that need n under a apply to nobody
    assert ">Review<" in text
    snapshot.assert_match(dot, "follow.dot")


def test_case_figure_has_no_impossible_question(g: Guideline) -> None:
    text = _text(to_dot(g, section="follow", case_facts={"a": True}))
    assert text.count("Years since adjuvant end") == 1


@pytest.mark.parametrize("facts", [{"a": True}, {}, {"a": False}])
def test_no_impossible_input_is_pending(g: Guideline, facts: dict[str, Any]) -> None:
    res = g.evaluate(facts, "c")
    pending = {p.rule: p.needs for p in res.pending}
    assert "early" not in pending and "late" not in pending
    if facts.get("a") is not False:
        assert all(p.needs != ("n",) for p in res.pending if p.rule != "after")
    assert res == evaluate_direct(g.model, facts, "c")  # the reference evaluator reads the assumption alike


def test_with_a_nothing_is_pending(g: Guideline) -> None:
    assert g.evaluate({"a": True}, "c").pending == ()


def test_coverage_counts_only_possible_leaves(g: Guideline) -> None:
    cases: list[dict[str, FactValue]] = [{"a": True}, {"a": False, "n": 1.0}, {"a": False, "n": 6.0}]
    results = [g.evaluate(c, "c") for c in cases]
    cov = coverage(g, cases, results)
    graph = g.graph
    rules_at = {leaf: {e["rule"] for e in graph.nodes[leaf]["entries"]} for leaf in cov.leaves}
    assert not any({"early", "late"} & r for r in rules_at.values()), rules_at
    assert cov.unreached == ()  # three cases reach every leaf a patient can reach
