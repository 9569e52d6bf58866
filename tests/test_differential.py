"""Graph evaluation == direct evaluation (engine/evaluate/reference.py) on random Models and random partial facts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_graph_matches_direct(data: Any) -> None:
    model = data.draw(models())
    g = Guideline(compile(model))
    for _ in range(3):
        facts = data.draw(facts_for(model))
        graph = g.evaluate(facts, "c", validate=False)  # facts may break an assume: the walk drops those branches
        direct = evaluate_direct(model, facts, "c")
        assert graph.to_dict() == direct.to_dict(), (facts, graph.to_dict(), direct.to_dict())
        assert graph == direct


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_path_matches_walk(data: Any) -> None:
    """With every input known the generated code answers; the walk must agree with it."""
    model = data.draw(models())
    ev = Guideline(compile(model)).evaluator
    for _ in range(3):
        facts = data.draw(facts_for(model, max_missing=0))
        fast = ev.fast(facts, "c")
        assert fast is not None
        assert fast == ev.walk(facts, "c")
