"""engine.core.values: strict equality, numbers as written, interval wording and readable points."""

from __future__ import annotations

import math

import pytest

from engine.core.values import Interval, is_member, json_number, member_test, number_text, same_member


def test_true_is_not_one() -> None:
    assert not same_member(True, 1) and not same_member(1, True) and not same_member(False, 0)
    assert same_member(True, True) and same_member(2, 2.0) and same_member("a", "a")
    assert not is_member(True, {1}) and is_member(1, {1}) and not is_member(1, {True})
    for values in ({1, 2}, {True}, {False, True}, {"a", "b"}, {2.5}):
        test = member_test(values)
        for x in (True, False, 0, 1, 2, 2.0, 2.5, "a", "c"):
            assert test(x) == is_member(x, values), (values, x)


def test_numbers_as_written() -> None:
    assert number_text(5.0) == "5" and number_text(1.8000000000000003) == "1.8" and number_text(-2) == "-2"
    assert number_text(2.5, exact=True) == "2.5" and number_text(0.1 + 0.2, exact=True) == "0.30000000000000004"
    assert number_text(math.inf) == "inf" and number_text(-math.inf, typographic=True) == "-\u221e"
    assert json_number(66.0) == 66 and isinstance(json_number(66.0), int) and json_number(2.5) == 2.5


CASES = [  # interval, domain, rules, ascii, typographic
    (Interval(5, None, False, True), (0, math.inf), "x > 5 cm", "> 5 cm", "> 5 cm"),
    (Interval(None, 5, True, True), (0, math.inf), "x <= 5 cm", "<= 5 cm", "\u2264 5 cm"),
    (Interval(0, 5, True, False), (0, math.inf), "x < 5 cm", "< 5 cm", "< 5 cm"),
    (Interval(3, 5, True, True), (0, math.inf), "x in 3..5 cm", "3..5 cm", "3\u20135 cm"),
    (Interval(3, 5, False, True), (0, math.inf), "x > 3 cm and x <= 5 cm", "> 3 and <= 5 cm",
     "> 3 and \u2264 5 cm"),
    (Interval(5, 5, True, True), (0, math.inf), "x == 5 cm", "= 5 cm", "5 cm"),
    (Interval(0, None, True, True), (0, math.inf), "true", "any", "any"),
    (Interval(2.5, None, True, True), (-math.inf, math.inf), "x >= 2.5 cm", ">= 2.5 cm", "\u2265 2.5 cm"),
]


@pytest.mark.parametrize(("iv", "domain", "rules", "ascii", "typo"), CASES)
def test_interval_wording(iv: Interval, domain: tuple[float, float], rules: str, ascii: str, typo: str) -> None:
    assert iv.text("rules", name="x", unit="cm", domain=domain) == rules
    assert iv.text("ascii", unit="cm", domain=domain) == ascii
    assert iv.text("typographic", unit="cm", domain=domain) == typo


def test_interval_math_and_json() -> None:
    assert str(Interval(5, None, True, True)) == "[5, inf)" and str(Interval(None, 2.5, False, False)) == "(-inf, 2.5)"
    iv = Interval(5.0, None, False, True)
    assert iv.to_json() == [5, None, False, True] and Interval.from_json(iv.to_json()) == iv
    assert Interval(-math.inf, 3.5).to_json() == [None, 3.5, True, True]


def test_readable_points() -> None:
    above5 = Interval(5, None, False, True)
    assert above5.point("representative") == 6 and above5.point("closed_end") == 6
    assert above5.point("next_whole") == 6 and above5.point("closed_or_whole") == 6
    open_cell = Interval(3, 5, False, False)
    assert open_cell.point("representative") == 4 and open_cell.point("closed_end") == 4
    narrow = Interval(3.25, 3.75, False, False)
    assert narrow.point("representative") == narrow.point("closed_end") == narrow.point("next_whole") == 3.5
    assert Interval(3, 5, True, False).point("closed_end") == 3 and Interval(3, 5, True, False).point("next_whole") == 4
    assert Interval(None, None).point("next_whole", domain=(18, 120)) == 19
    assert Interval(None, None).point("closed_or_whole", domain=(18, 120)) == 18
    assert Interval(None, 0, False, False).point("representative", integer=True) == 0  # the low end, else high
    assert Interval(2.5, 4, False, False).point("closed_or_whole", integer=True) == 3
