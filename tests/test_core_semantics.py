"""engine.core.semantics: the three-valued (Kleene) semantics; compiled and interpreted forms agree."""

from __future__ import annotations

import itertools

from engine.core.model import (
    FALSE,
    TRUE,
    And,
    Expr,
    Interval,
    KnownTest,
    Let,
    LetRef,
    Not,
    NumTest,
    Or,
    ValueTest,
)
from engine.core.semantics import atom_truth, kleene, truth

GRADE_1 = ValueTest("grade", frozenset({1}))
POSITIVE = ValueTest("positive", frozenset({True}))
BIG = NumTest("size", Interval(5, None, False, True))
KNOWN = KnownTest("size")
LETS = {"big": Let("big", And((BIG, KNOWN)))}


def test_true_and_one_are_different() -> None:
    assert kleene(GRADE_1, LETS)({"grade": True}) is False
    assert kleene(GRADE_1, LETS)({"grade": 1}) is True
    assert kleene(POSITIVE, LETS)({"positive": 1}) is False
    assert kleene(BIG, LETS)({"size": True}) is False  # a bool is no number
    assert truth(GRADE_1, LETS, {"grade": True}) is False
    assert atom_truth(POSITIVE, {"positive": 1}) is False


def test_kleene_logic() -> None:
    unknown: dict[str, object] = {}
    assert kleene(And((FALSE, BIG)), LETS)(unknown) is False
    assert kleene(Or((TRUE, BIG)), LETS)(unknown) is True
    assert kleene(Not(BIG), LETS)(unknown) is None
    assert kleene(Or((BIG, Not(BIG))), LETS)(unknown) is None  # Kleene, not "for every value"
    assert kleene(KNOWN, LETS)(unknown) is False and kleene(KNOWN, LETS)({"size": 7.0}) is True
    assert kleene(LetRef("big"), LETS)({"size": 7.0}) is True
    assert kleene(KNOWN, LETS)({"size": 7.0}, set()) is False  # `known` decides `is known` when given


EXPRS: list[Expr] = [
    TRUE, FALSE, GRADE_1, POSITIVE, BIG, KNOWN, LetRef("big"), Not(KNOWN), And((GRADE_1, Not(POSITIVE))),
    Or((BIG, GRADE_1, LetRef("big"))), Not(Or((And((POSITIVE, BIG)), Not(GRADE_1)))),
]


def test_compiled_equals_interpreted_on_every_form_and_case() -> None:
    domains: list[list[object]] = [[None, True, False, 1, 2], [None, True, False, 1], [None, 3.0, 5.0, 6, True]]
    for e in EXPRS:
        check = kleene(e, LETS)
        for grade, positive, size in itertools.product(*domains):
            facts = {k: v for k, v in (("grade", grade), ("positive", positive), ("size", size)) if v is not None}
            assert check(facts) == truth(e, LETS, facts), (e, facts)
            assert check(facts, {"size"}) == truth(e, LETS, facts, {"size"}), (e, facts)
