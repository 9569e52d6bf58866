"""Syntax errors: every example of the domain-message table, and every golden malformed file, fail as promised."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from dsl.parse_errors import SYNTAX_ERRORS, SyntaxErrorKind
from dsl.parser import parse

ROOT = Path(__file__).resolve().parent.parent
SYNTAX_GOLDEN = ROOT / "tests" / "golden" / "syntax"


def _template(message: str) -> re.Pattern[str]:
    """The message with its ``{token}``/``{prev}``/``{bare}`` fields as wildcards (and ``{{`` as ``{``)."""
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(message):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".+")
    return re.compile("".join(parts))


EXAMPLES = [pytest.param(kind, example, id=f"{kind.code}-{i}")
            for kind in SYNTAX_ERRORS for i, example in enumerate(kind.examples)]


@pytest.mark.parametrize(("kind", "example"), EXAMPLES)
def test_each_table_example_gives_its_message(kind: SyntaxErrorKind, example: str) -> None:
    tree, diagnostics = parse(example, "example.rules")
    assert tree is None
    assert len(diagnostics) == 1
    d = diagnostics[0]
    assert (d.code, d.severity) == (kind.code, "error")
    assert _template(kind.message).fullmatch(d.message), d.message
    assert d.help and not re.search(r"\{(token|prev|bare|prev_hint)\}", d.help)
    assert d.span is not None and d.span.file == "example.rules" and d.span.line >= 1 and d.span.column >= 1


def test_table_is_rich_and_unambiguous() -> None:
    codes = [k.code for k in SYNTAX_ERRORS]
    assert len(codes) >= 12
    assert len(set(codes)) == len(codes)
    assert len({k.message for k in SYNTAX_ERRORS}) == len(codes)
    assert all(re.fullmatch(r"E0\d\d", c) for c in codes)


@pytest.mark.parametrize(("text", "message"), [
    ('guideline "T"\ninput x: bool\nassume x and $', "unexpected character '$'"),
    ('guideline "T"\ninput x: bool\u00a0', "unexpected character 'U+00A0'"),
    ('guideline "T"\ninput café: bool', "unexpected character 'é'"),
])
def test_unknown_characters(text: str, message: str) -> None:
    _, [d] = parse(text, "x.rules")
    assert (d.code, d.message) == ("E002", message)


def test_unterminated_string_spans_the_rest_of_the_line() -> None:
    _, [d] = parse('guideline "T"\naction a "Radiation\nsection s:', "x.rules")
    assert (d.code, d.message) == ("E003", "unterminated string")
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == (2, 10, 20)


def test_unknown_escape_points_at_the_escape() -> None:
    _, [d] = parse('guideline "T"\naction x "a\\qb"', "x.rules")
    assert d.code == "E004" and "\\q" in d.message
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == (2, 12, 14)


@pytest.mark.parametrize("text", [
    'guideline "T"\nassume ' + "(" * 3000 + "a" + ")" * 3000,
    'guideline "T"\nassume ' + "not " * 3000 + "a",
    'guideline "T"\nassume a' + " and (a" * 2000 + ")" * 2000,
])
def test_deep_nesting_is_a_diagnostic_not_a_crash(text: str) -> None:
    tree, [d] = parse(text, "x.rules")
    assert tree is None and d.code == "E005"


def test_moderate_nesting_parses() -> None:
    tree, diagnostics = parse('guideline "T"\nassume ' + "(" * 40 + "a" + ")" * 40, "x.rules")
    assert diagnostics == [] and tree is not None


def test_misspelt_keyword_gets_did_you_mean() -> None:
    _, [d] = parse('guideline "T"\nsection s:\n  rule r:\n    recommend x\n    evidnce "1"', "x.rules")
    assert d.code == "E011" and d.help is not None and "did you mean 'evidence'?" in d.help


def test_end_of_file_points_after_the_last_word() -> None:
    _, [d] = parse('guideline "T"\nsection s:\n  rule r:\n    when\n\n# trailing comment\n', "x.rules")
    assert d.code == "E012"
    assert d.span is not None and (d.span.line, d.span.column) == (4, 9)


# What `guidegraph check` must report for each golden malformed file: (code, line, column, message).
GOLDEN = {
    "and_without_condition": ("E013", 8, 18, "a condition is missing after 'and'"),
    "bad_escape": ("E004", 3, 31, "unknown escape '\\t' in a string"),
    "cite_without_numbers": ("E026", 9, 10, "'cite' needs reference numbers, e.g. cite 6, 8"),
    "comparison_without_value": ("E017", 8, 19, "a comparison needs a value on the right"),
    "evidence_without_text": ("E027", 8, 14, "a quoted text is missing after 'evidence'"),
    "half_range": ("E021", 3, 37, "a range needs two numbers: LOW..HIGH"),
    "input_missing_colon": ("E016", 3, 26, "expected ':' after the input's name"),
    "input_without_type": ("E015", 3, 30, "an input needs a type: number, integer, bool or {values}"),
    "is_without_known": ("E030", 5, 29, "expected 'known' or 'unknown' after 'is'"),
    "keyword_as_name": ("E028", 4, 5, "'when' is a keyword and cannot be used as a name"),
    "missing_header": ("E010", 2, 1, 'the file must start with: guideline "Title"'),
    "misspelt_strength": ("E011", 8, 5,
                          "a rule needs a strength: must, recommend, consider, not_recommended or never"),
    "parameter_without_colon": ("E023", 7, 33, "a parameter is written NAME: VALUE"),
    "rule_missing_colon": ("E019", 6, 32, "expected ':' after the rule's name"),
    "rule_outside_section": ("E034", 5, 1, "'rule' must be inside a section"),
    "section_missing_colon": ("E018", 6, 48, "expected ':' after the section header"),
    "single_equals": ("E022", 8, 15, "use '==' to compare; '=' only names a let"),
    "strength_without_action": ("E020", 5, 14, "an action name is missing after 'recommend'"),
    "too_deep": ("E005", 4, 127, "the condition is nested too deeply"),
    "unclosed_paren": ("E024", 9, 24, "unclosed '(': expected ')'"),
    "unclosed_set": ("E014", 3, 53, "unclosed '{' in a value set"),
    "unknown_character": ("E002", 3, 20, "unexpected character '$'"),
    "unterminated_string": ("E003", 3, 21, "unterminated string"),
    "when_without_condition": ("E012", 7, 9, "a condition is missing after 'when'"),
}


def test_every_golden_syntax_file_is_listed() -> None:
    assert sorted(p.stem for p in SYNTAX_GOLDEN.glob("*.rules")) == sorted(GOLDEN)
    assert len(GOLDEN) >= 14


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_syntax_file(name: str) -> None:
    path = SYNTAX_GOLDEN / f"{name}.rules"
    tree, diagnostics = parse(path.read_text(encoding="utf-8"), str(path))
    assert tree is None and len(diagnostics) == 1
    d = diagnostics[0]
    assert d.span is not None
    assert (d.code, d.span.line, d.span.column, d.message) == GOLDEN[name]
