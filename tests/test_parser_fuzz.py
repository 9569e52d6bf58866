"""Robustness: ``parse`` never raises, whatever the text; it gives a tree or at least one located error.

Random text, and mutations of a valid file (tokens deleted, duplicated or swapped, random characters, unicode,
very long lines, absurd nesting). Whatever parses also formats, idempotently, to the same tree.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.diagnostics import render
from dsl.format import canonical, format_file
from dsl.parser import parse

SAMPLE = '''\
# sample
guideline "Fuzz" version "1"
reference 6 "Ref \\"6\\""
input age "Age": number years in 0..120
input n: integer in -1..10
input deep: bool
input site: {extremity, uterus, other}
input grade: {1, 2, 3}
assume site == uterus implies deep
let high "High" = grade in {2, 3} and not (age < 18 years or n is unknown)
action rt(timing: {pre, post}, dose: Gy) "RT" modality radiotherapy
action chemo
section s "S" when age >= 18:
  rule r "R":  # trailing
    when high and site != other
    recommend rt(timing: post, dose: 50..60 Gy)
    evidence "Category 1"
    cite 6
    source "text"
    footnote "f"
    preference other
  rule q:
    never chemo
    overrides r
  cover rt when deep
  todo "later"
'''
TOKENS = re.findall(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\.\.|==|!=|<=|>=|[A-Za-z_]\w*|-?\d+(?:\.\d+)?|\s+|\S', SAMPLE)
assert "".join(TOKENS) == SAMPLE

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> None:
    tree, diagnostics = parse(text, "fuzz.rules")
    if tree is None:
        assert diagnostics and diagnostics[0].severity == "error" and diagnostics[0].code.startswith("E0")
        d = diagnostics[0]
        assert d.span is not None and d.span.line >= 1 and d.span.column >= 1
        render(d, {"fuzz.rules": text})  # rendering the excerpt must not fail either
        return
    assert diagnostics == []
    once = format_file(tree)
    again, more = parse(once, "fuzz.rules")
    assert more == [] and again == canonical(tree)
    assert format_file(again) == once


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check(text)


@pytest.mark.slow
@FUZZ
@given(st.lists(st.sampled_from(sorted(set(TOKENS))), max_size=60))
def test_random_token_soup(tokens: list[str]) -> None:
    check('guideline "T"\n' + " ".join(tokens))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    tokens = list(TOKENS)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(tokens) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert_char", "replace_char"]))
        if kind == "delete":
            del tokens[i]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "insert_char":
            tokens.insert(i, draw(st.characters()))
        else:
            tokens[i] = draw(st.text(min_size=1, max_size=3))
        if not tokens:
            break
    return "".join(tokens)


@pytest.mark.slow
@FUZZ
@given(mutated())
def test_mutations_of_a_valid_file(text: str) -> None:
    check(text)


def test_the_sample_itself_is_valid() -> None:
    tree, diagnostics = parse(SAMPLE, "fuzz.rules")
    assert tree is not None and diagnostics == []


@pytest.mark.slow
def test_very_long_lines() -> None:
    check('guideline "T"\nassume ' + " and ".join(f"x{i}" for i in range(20_000)))
    check('guideline "' + "a" * 200_000 + '"')
    check('guideline "T"\ninput x: {' + ", ".join(f"v{i}" for i in range(20_000)) + "}")
    check("#" * 100_000)


def test_deep_nesting() -> None:
    for text in ('guideline "T"\nassume ' + "(" * 5000 + "a" + ")" * 5000,
                 'guideline "T"\nassume ' + "(" * 5000,
                 'guideline "T"\nassume ' + "not " * 5000 + "a",
                 ")" * 5000, "{" * 5000):
        tree, diagnostics = parse(text, "deep.rules")
        assert tree is None and diagnostics[0].code.startswith("E0")


def test_odd_inputs() -> None:
    for text in ("", "\x00", "\ufeff", "\ufeffguideline \"T\"", "\r\n\r\n", '"', "\\", "guideline \"\\", "..",
                 "guideline \"T\" input x: number in 1..2..3", "guideline \"T\"\n\x0b\x1c", "é" * 10):
        check(text)
