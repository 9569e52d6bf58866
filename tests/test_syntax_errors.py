"""Syntax errors: every example of the domain-message table, every construct the language lacks, and every golden
malformed file fail as promised; several independent errors are reported in one run, never a cascade."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.codes import CODES
from dsl.parse_errors import SYNTAX_ERRORS, SyntaxErrorKind
from dsl.parser import MAX_SYNTAX_ERRORS, parse
from dsl.tried import TRIED, TriedKind

ROOT = Path(__file__).resolve().parent.parent
SYNTAX_GOLDEN = ROOT / "tests" / "golden" / "syntax"
H = 'guideline "T"\n'


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


# Each golden malformed file's expectations are the headlines of its ``.expected`` file (the whole CLI output is
# compared in test_golden.py): ``PATH:LINE:COLUMN: error[CODE]: MESSAGE``, one per error. The parser must give
# exactly those diagnostics, in that order (most files have one mistake, three_errors.rules has three).
GOLDEN_FILES = sorted(p.stem for p in SYNTAX_GOLDEN.glob("*.rules"))
_HEADLINE = re.compile(r"(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): error\[(?P<code>E\d+)\]: (?P<message>.*)")


def golden_expectations(name: str) -> list[tuple[str, int, int, str]]:
    """(code, line, column, message) of each headline of ``tests/golden/syntax/<name>.expected``."""
    found = []
    for line in (SYNTAX_GOLDEN / f"{name}.expected").read_text(encoding="utf-8").splitlines():
        m = _HEADLINE.fullmatch(line)
        if m:
            assert m["path"] == f"tests/golden/syntax/{name}.rules"
            found.append((m["code"], int(m["line"]), int(m["column"]), m["message"]))
    assert found, name
    return found


def test_every_golden_syntax_file_has_its_expectation() -> None:
    assert sorted(p.stem for p in SYNTAX_GOLDEN.glob("*.expected")) == GOLDEN_FILES
    assert len(GOLDEN_FILES) >= 14


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_syntax_file(name: str) -> None:
    path = SYNTAX_GOLDEN / f"{name}.rules"
    tree, diagnostics = parse(path.read_text(encoding="utf-8"), str(path))
    assert tree is None
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics if d.span] == \
        golden_expectations(name)


# ---- constructs the language lacks (dsl.tried) ------------------------------------------------------------------

TRIED_EXAMPLES = [pytest.param(kind, example, id=f"{kind.code}-{i}")
                  for kind in TRIED for i, example in enumerate(kind.examples)]


@pytest.mark.parametrize(("kind", "example"), TRIED_EXAMPLES)
def test_each_tried_construct_says_it_is_not_in_the_language(kind: TriedKind, example: str) -> None:
    tree, diagnostics = parse(example, "example.rules")
    assert tree is None
    assert [d.code for d in diagnostics] == [kind.code], [d.message for d in diagnostics]
    d = diagnostics[0]
    assert _template(kind.message).fullmatch(d.message), d.message
    assert d.help and d.span is not None and d.span.line >= 1 and d.span.column >= 1


def test_tried_codes_are_registered_and_distinct_from_the_table() -> None:
    codes = [k.code for k in TRIED]
    assert len(set(codes)) == len(codes)
    assert not set(codes) & {k.code for k in SYNTAX_ERRORS}
    assert all(c in CODES and CODES[c].severity == "error" for c in codes)


@pytest.mark.parametrize(("text", "help_part"), [
    ("assume a && b", "write 'and'"), ("assume a || b", "write 'or'"), ("assume !a", "write 'not'"),
])
def test_operators_from_other_languages_are_spelt_out(text: str, help_part: str) -> None:
    _, [d] = parse(H + "input a: bool\ninput b: bool\n" + text, "x.rules")
    assert d.code == "E002" and d.help is not None and help_part in d.help


def test_a_real_division_by_an_input_is_not_a_unit() -> None:
    text = H + "input dose: number mg in 0..100\ninput days: number in 1..30\nassume 70 mg / days > dose"
    tree, diagnostics = parse(text, "x.rules")
    assert diagnostics == [] and tree is not None


@pytest.mark.parametrize("text", [
    H + "input otherwise: bool", H + "input then: bool", H + "classify c:\n  when a then v\n  otherwise w",
    H + "input a: bool\naction y\nsection s:\n  rule r:\n    when a\n    recommend one_of(y, y)",
])
def test_keywords_of_the_new_constructs_keep_their_meaning(text: str) -> None:
    _, diagnostics = parse(text, "x.rules")
    assert all(d.code not in {"E043", "E053"} for d in diagnostics)


# ---- several errors per run (dsl.recover) ------------------------------------------------------------------------

THREE = H + """input a: bool
input b: bool
action y
action z
section s:
  rule r1:
    when a unless b
    recommend y
  rule r2:
    when (a and b
    recommend z
  rule r3:
    when a
    recommend y or z
"""


def test_independent_errors_are_all_reported_in_file_order() -> None:
    _, diagnostics = parse(THREE, "x.rules")
    assert [(d.code, d.span.line if d.span else 0) for d in diagnostics] == [("E042", 8), ("E024", 11),
                                                                             ("E048", 15)]


def test_the_first_error_is_the_one_without_recovery() -> None:
    _, alone = parse(THREE, "x.rules", max_errors=1)
    _, all_of_them = parse(THREE, "x.rules")
    assert alone == all_of_them[:1]


def test_a_broken_header_keeps_the_items_under_it_checked() -> None:
    text = H + "input a: bool\naction y\nsection s when a = 1\n  rule r:\n    when a\n    recomend y\n"
    _, diagnostics = parse(text, "x.rules")
    assert [d.code for d in diagnostics] == ["E022", "E031"]
    text = H + "input a: bool\naction y\nsection s:\n  rule r\n    when a = 1\n    recommend y\n"
    _, diagnostics = parse(text, "x.rules")
    assert [d.code for d in diagnostics] == ["E019", "E022"]


def test_a_cover_guard_does_not_swallow_the_next_rules_when() -> None:
    text = H + "input a: bool\naction y\nsection s:\n  cover y \"n\"\n  rule r \"L\" x:\n    when a\n    recommend y\n"
    _, diagnostics = parse(text, "x.rules")
    assert len(diagnostics) == 1


def test_errors_stop_at_the_limit() -> None:
    text = H + "".join(f"input x{i} bool\n" for i in range(40))
    _, diagnostics = parse(text, "x.rules")
    assert len(diagnostics) == MAX_SYNTAX_ERRORS
    assert [d.span.line for d in diagnostics if d.span] == list(range(2, 2 + MAX_SYNTAX_ERRORS))
    _, five = parse(text, "x.rules", max_errors=5)
    assert five == diagnostics[:5]


def test_a_lexer_error_is_one_error_and_the_next_unit_is_read() -> None:
    text = H + 'action w "Radiation\ninput t: number % in 0..1\ninput u bool\n'
    _, diagnostics = parse(text, "x.rules")
    assert [d.code for d in diagnostics] == ["E003", "E045", "E016"]


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\.\.|==|!=|<=|>=|[A-Za-z_]\w*|-?\d+(?:\.\d+)?|\s+|\S')
_GUIDELINES = [(ROOT / "rules" / name).read_text(encoding="utf-8") for name in ("lms.rules", "af.rules")]
_SPLIT = [_TOKEN.findall(text) for text in _GUIDELINES]
_VOCABULARY = sorted({t for toks in _SPLIT for t in toks if not t.isspace() and not t.startswith("#")}
                     | {"unless", "else", "%", "(", "{", ":", "=", '"', "/"})


_EDITS = st.tuples(st.integers(0, 10**6), st.sampled_from(["delete", "double", "replace"]),
                   st.sampled_from(_VOCABULARY))


def _with_mistakes(which: int, edits: list[tuple[int, str, str]]) -> tuple[str, int]:
    """Guideline ``which`` with single-token mistakes at distinct places (deleted, doubled or replaced), and how
    many mistakes were made."""
    tokens = list(_SPLIT[which])
    words = [i for i, t in enumerate(tokens) if not t.isspace() and not t.startswith("#")]
    places = {words[at % len(words)]: (kind, word) for at, kind, word in edits}
    for i in sorted(places, reverse=True):
        kind, word = places[i]
        if kind == "delete":
            del tokens[i]
        elif kind == "double":
            tokens.insert(i, tokens[i])
        else:
            tokens[i] = word
    return "".join(tokens), len(places)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_SPLIT) - 1), st.lists(_EDITS, min_size=1, max_size=3))
def test_never_more_errors_than_mistakes(which: int, edits: list[tuple[int, str, str]]) -> None:
    """No cascade: N single-token mistakes in a real guideline never give more than N errors, and the first error
    is the same whatever the limit."""
    text, mistakes = _with_mistakes(which, edits)
    tree, diagnostics = parse(text, "m.rules")
    assert len(diagnostics) <= mistakes
    if diagnostics:
        assert tree is None
        assert parse(text, "m.rules", max_errors=1)[1] == diagnostics[:1]
        starts = [d.span.start for d in diagnostics if d.span]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)


@pytest.mark.parametrize(("text", "code"), [
    ("section s:\n  rule r \"L\" x:\n    when a", "E019"), ("section s \"T\" x:\n", "E018"),
    ("let x \"L\" b = a", "E025"), ("input x \"L\" b: bool", "E016"),
])
def test_junk_after_a_label_names_the_kind_of_header(text: str, code: str) -> None:
    """After a header's label the parser state is the same for every kind of unit; the message must still name
    the unit the author is writing (it said "after the input's name" for a rule)."""
    _, [d] = parse(H + text, "x.rules")
    assert d.code == code
