"""engine.core.walk: the one traversal handles every condition form, expands lets once, keeps first-use order."""

from __future__ import annotations

import typing

from engine.core.model import (
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
from engine.core.walk import children, fold, inputs_read, iter_atoms, lets_named, map_children, walk

SIZE = NumTest("size", Interval(5, None, False, True))
SITE = ValueTest("site", frozenset({"uterus"}))
KNOWN = KnownTest("margin")
LETS = {
    "big": Let("big", And((SIZE, KNOWN))),
    "big_uterine": Let("big_uterine", And((LetRef("big"), SITE))),
}

ONE_OF_EACH: dict[type, Expr] = {
    type(TRUE): TRUE, ValueTest: SITE, NumTest: SIZE, KnownTest: KNOWN, LetRef: LetRef("big"),
    And: And((SITE, SIZE)), Or: Or((SITE, KNOWN)), Not: Not(SITE),
}


def test_one_example_of_every_condition_form() -> None:
    assert set(typing.get_args(Expr)) == set(ONE_OF_EACH)


def test_children_and_map_children_handle_every_form() -> None:
    for e in ONE_OF_EACH.values():
        kids = children(e)
        assert map_children(e, lambda x: x) == e
        assert children(map_children(e, lambda x: Not(x))) == tuple(Not(k) for k in kids)
    assert children(LetRef("big")) == ()
    assert children(Not(SITE)) == (SITE,)


def test_fold_handles_every_form() -> None:
    def size(e: Expr) -> int:
        return fold(e, const=lambda v: 1, atom=lambda a: 1, let=lambda r: size(LETS[r.name].expr),
                    and_=lambda xs: 1 + sum(xs), or_=lambda xs: 1 + sum(xs), not_=lambda x: 1 + x)
    assert [size(e) for e in ONE_OF_EACH.values()] == [1, 1, 1, 1, 3, 3, 3, 2]


def test_walk_is_pre_order_and_enters_each_let_once() -> None:
    e = Or((LetRef("big_uterine"), Not(LetRef("big"))))
    assert list(walk(e)) == [e, LetRef("big_uterine"), Not(LetRef("big")), LetRef("big")]
    assert list(walk(e, LETS)) == [e, LetRef("big_uterine"), LETS["big_uterine"].expr, LetRef("big"),
                                   LETS["big"].expr, SIZE, KNOWN, SITE, Not(LetRef("big")), LetRef("big")]


def test_iter_atoms_inputs_read_and_lets_named() -> None:
    e = And((SITE, LetRef("big_uterine"), Or((LetRef("big"), KnownTest("site")))))
    assert list(iter_atoms(e, LETS)) == [SITE, SIZE, KNOWN, SITE, KnownTest("site")]
    assert inputs_read(e, LETS) == ["site", "size", "margin"]
    assert lets_named(e, LETS) == ["big_uterine", "big"]
    seen: set[str] = set()
    assert list(iter_atoms(LetRef("big"), LETS, seen)) == [SIZE, KNOWN]
    assert list(iter_atoms(LetRef("big"), LETS, seen)) == []  # shared between conditions: each let once
