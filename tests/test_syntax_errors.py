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


# Each golden malformed file's expectation is the first line of its ``.expected`` file (the whole CLI output is
# compared in test_golden.py): ``PATH:LINE:COLUMN: error[CODE]: MESSAGE``. The parser must give exactly that one
# diagnostic.
GOLDEN_FILES = sorted(p.stem for p in SYNTAX_GOLDEN.glob("*.rules"))
_HEADLINE = re.compile(r"(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): error\[(?P<code>E\d+)\]: (?P<message>.*)")


def golden_expectation(name: str) -> tuple[str, int, int, str]:
    """(code, line, column, message) from the first line of ``tests/golden/syntax/<name>.expected``."""
    headline = (SYNTAX_GOLDEN / f"{name}.expected").read_text(encoding="utf-8").split("\n", 1)[0]
    m = _HEADLINE.fullmatch(headline)
    assert m, headline
    assert m["path"] == f"tests/golden/syntax/{name}.rules"
    return m["code"], int(m["line"]), int(m["column"]), m["message"]


def test_every_golden_syntax_file_has_its_expectation() -> None:
    assert sorted(p.stem for p in SYNTAX_GOLDEN.glob("*.expected")) == GOLDEN_FILES
    assert len(GOLDEN_FILES) >= 14


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_syntax_file(name: str) -> None:
    path = SYNTAX_GOLDEN / f"{name}.rules"
    tree, diagnostics = parse(path.read_text(encoding="utf-8"), str(path))
    assert tree is None and len(diagnostics) == 1
    d = diagnostics[0]
    assert d.span is not None
    assert (d.code, d.span.line, d.span.column, d.message) == golden_expectation(name)
