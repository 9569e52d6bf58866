"""``Guideline.evaluate_many`` gives exactly the results of ``evaluate`` one by one, and the memoised slow path
gives the same results whatever order (and repetition) the cases come in."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import engine
from bench.cohort import random_case
from engine.cases.values import kleene
from engine.core.errors import CaseError

LMS = str(Path(__file__).resolve().parent.parent / "rules" / "lms.rules")


def _cases(g: Any, n: int, p_unknown: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    checks = [kleene(a.expr, g.model) for a in g.model.assumptions]
    return [dict(random_case(g.model, rng, p_unknown, checks)) for _ in range(n)]


def test_evaluate_many_equals_one_by_one() -> None:
    g = engine.load(LMS)
    cases = _cases(g, 150, 0.1, 1) + _cases(g, 50, 0.0, 2)
    assert g.evaluate_many(cases) == [g.evaluate(c) for c in cases]
    assert g.evaluate_many([]) == []


def test_memoised_slow_path_is_order_independent() -> None:
    cases = _cases(engine.load(LMS), 120, 0.2, 3)
    fresh_ev = engine.load(LMS).evaluator
    fresh = [fresh_ev.walk(c, "x") for c in cases[:20]]
    ev = engine.load(LMS).evaluator
    warm = [ev.walk(c, "x") for c in reversed(cases)]
    again = [ev.walk(c, "x") for c in cases]
    assert list(reversed(warm)) == again
    assert again[:20] == fresh
    assert [r.to_dict() for r in again[:20]] == [r.to_dict() for r in fresh]


@pytest.mark.parametrize(("facts", "code", "words"), [
    ({"sizee_cm": 5}, "E307", "did you mean 'size_cm'?"),
    ({"size_cm": "big"}, "E308", "expected a number"),
    ({"size_cm": 500}, "E309", "out of range"),
    ({"grade": 4}, "E310", "expected one of: 1, 2, 3"),
    ({"site": "uterus", "sex": "male"}, "E311", "site == uterus implies sex == female"),
])
def test_the_api_refuses_bad_facts_with_the_loader_s_messages(facts: dict[str, Any], code: str, words: str) -> None:
    g = engine.load(LMS)
    with pytest.raises(CaseError) as err:
        g.evaluate(facts)
    assert [d.code for d in err.value.diagnostics] == [code]
    assert words in str(err.value)
    with pytest.raises(CaseError):
        g.evaluate_many([{"grade": 2}, facts])


def test_the_api_converts_values_as_case_files_do() -> None:
    g = engine.load(LMS)
    assert g.evaluate({"grade": "2", "size_cm": 6}) == g.evaluate({"grade": 2, "size_cm": 6.0})
