"""Syntax errors in domain words.

LALR parsers fail in a parser *state*; Lark's ``UnexpectedInput.match_examples`` finds which of a table of small
malformed examples fails in the same state, so each entry of :data:`SYNTAX_ERRORS` turns "unexpected token
NAME" into what an author understands ("a rule needs a strength: ..."). Each example is also a test
(``tests/test_syntax_errors.py``), so the table cannot silently rot when the grammar changes.

Messages and help texts may use ``{token}`` (the offending token, described) and ``{prev}`` (the word just before
it, e.g. the ``and`` after which a condition is missing).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from dsl.tried import Context, tried_character, tried_token

MAX_NESTING = 120
"""Deepest parse tree accepted (about 50 levels of parentheses); deeper input is an error, not a crash."""

KEYWORDS = frozenset((
    "guideline", "version", "reference", "input", "assume", "let", "action", "modality", "section", "rule", "when",
    "cover", "todo", "must", "recommend", "consider", "may_omit", "not_recommended", "never", "prevails", "evidence",
    "cite", "source", "footnote", "preference", "overrides", "and", "or", "not", "implies", "in", "is", "known",
    "unknown", "true", "false", "number", "integer", "bool", "never_together", "one_of", "any_of", "adjust",
    "question_order", "as_sequence", "classify", "then", "otherwise", "first_match", "set", "of", "count_of",
    "points_of", "at_least", "unit"))
"""The reserved words of docs/language.md (a test checks that they are exactly the grammar's keywords)."""

STRENGTHS = "must, recommend, consider, may_omit, not_recommended or never"
CLAUSES = f"when, a strength ({STRENGTHS}), adjust, overrides, evidence, preference, cite, source or footnote"
H = 'guideline "T"\n'  # a valid header, to put examples in the right place


@dataclass(frozen=True, slots=True)
class SyntaxErrorKind:
    """One row of the table: a code, a message and help in domain words, and examples that fail that way."""

    code: str
    message: str
    help: str
    examples: tuple[str, ...]
    after_previous: bool = False
    """Point just after the previous word (the thing something is missing after), not at the next token when
    that is on a later line."""


SYNTAX_ERRORS: tuple[SyntaxErrorKind, ...] = (
    SyntaxErrorKind("E010", 'the file must start with: guideline "Title"',
                    'write the guideline\'s title first, e.g. guideline "Leiomyosarcoma" version "2026.1"',
                    ("input x: bool", "guideline x", "", "guideline", 'guideline "T" version 2')),
    SyntaxErrorKind("E011", f"a rule needs a strength: {STRENGTHS}",
                    f"a rule's clauses are: {CLAUSES}; found {{token}}",
                    (H + "section s:\n  rule r:\n    recomend x",
                     H + "section s:\n  rule r:\n    cite 6\n    recomend x",
                     H + "section s:\n  rule r:\n    recommend x(dose: 5 Gy)\n    bad x",
                     H + "section s:\n  rule r:\n    must x 5")),
    SyntaxErrorKind("E012", "a condition is missing after 'when'",
                    "write a condition, e.g. when depth == deep and size_cm > 5 cm",
                    (H + "section s:\n  rule r:\n    when\n    recommend x",
                     H + "section s when:\n", H + "section s:\n  cover x when\n  todo \"t\"",
                     H + "section s:\n  rule r:\n    when == 2",
                     H + "section s when", H + "section s:\n  rule r:\n    when\n"), after_previous=True),
    SyntaxErrorKind("E013", "a condition is missing after '{prev}'",
                    "write a condition such as x == v, x in {{a, b}}, x is known or a let's name",
                    (H + "assume a and recommend", H + "assume a or\n", H + "assume not\n",
                     H + "assume a implies\n", H + "assume (\n", H + "assume\n", H + "let x =\n",
                     H + "assume a and )", H + "assume a and == 2"), after_previous=True),
    SyntaxErrorKind("E014", "unclosed '{{' in a value set",
                    "close the set with '}}' and separate its values with ','",
                    (H + "input s: {a, b\ninput t: bool", H + "assume s in {a, b\n",
                     H + "action x(t: {a, b) ", H + "input s: {a b}", H + "assume s in {a b}",
                     H + "input s: {a, b", H + "assume s in {a, b"), after_previous=True),
    SyntaxErrorKind("E015", "an input needs a type: number, integer, bool or {{values}}",
                    "e.g. input size_cm: number cm in 0..100, input grade: {{1, 2, 3}}, input done: bool",
                    (H + "input x: string", H + "input x:\n", H + "input x: \"a\"", H + "input x: true")),
    SyntaxErrorKind("E016", "expected ':' after the input's name",
                    "an input is written: input NAME [\"label\"]: TYPE",
                    (H + "input x bool", H + "input x \"Label\" bool", H + "input x\n"), after_previous=True),
    SyntaxErrorKind("E017", "a comparison needs a value on the right",
                    "compare with a name, a number (with its unit) or true/false, e.g. size_cm > 5 cm",
                    (H + "assume x == recommend", H + "assume x >\n", H + "assume x == \"a\"",
                     H + "assume x != )"), after_previous=True),
    SyntaxErrorKind("E018", "expected ':' after the section header",
                    "a section is written: section NAME [\"title\"] [when CONDITION]:",
                    (H + "section s\n  rule r:", H + "section s \"T\"\n  rule r:", H + "section s when a\n  rule r:",
                     H + "section s when a == b\n  rule r:", H + "section s\n"), after_previous=True),
    SyntaxErrorKind("E019", "expected ':' after the rule's name",
                    "a rule is written: rule NAME [\"label\"]: followed by its clauses",
                    (H + "section s:\n  rule r\n    recommend x", H + "section s:\n  rule r \"L\"\n    when a",
                     H + "section s:\n  rule r\n"), after_previous=True),
    SyntaxErrorKind("E020", "an action name is missing after '{prev}'",
                    "name a declared action, e.g. recommend radiotherapy",
                    (H + "section s:\n  rule r:\n    recommend\n    cite 6", H + "section s:\n  rule r:\n    never (",
                     H + "section s:\n  cover\n  todo \"t\"", H + "section s:\n  rule r:\n    must \"x\"",
                     H + "section s:\n  rule r:\n    consider\n"), after_previous=True),
    SyntaxErrorKind("E021", "a range needs two numbers: LOW..HIGH",
                    "e.g. 0..120 or 50..60 Gy",
                    (H + "assume x in 1..", H + "input x: number in 0..y", H + "input x: number in 0",
                     H + "assume x in 1..\n", H + "input x: number in a..b"), after_previous=True),
    SyntaxErrorKind("E022", "use '==' to compare; '=' only names a let",
                    "e.g. when site == uterus",
                    (H + "assume x = 3", H + "section s:\n  rule r:\n    when x = 3", H + "section s when x = 3:",
                     H + "section s:\n  cover a when x = 3", H + "classify c:\n  when x = 3 then v")),
    SyntaxErrorKind("E023", "a parameter is written NAME: VALUE",
                    "e.g. recommend radiotherapy(dose: 50..60 Gy, timing: postoperative)",
                    (H + "section s:\n  rule r:\n    recommend rt(dose 60 Gy)",
                     H + "section s:\n  rule r:\n    recommend rt(60 Gy)",
                     H + "section s:\n  rule r:\n    recommend rt(dose:)", H + "action rt(dose Gy)",
                     H + "action rt(5)", H + "action rt(dose:)")),
    SyntaxErrorKind("E024", "unclosed '(': expected ')'",
                    "close the parenthesis, or separate items with ','",
                    (H + "assume (a and b\n", H + "section s:\n  rule r:\n    recommend x(dose: 5 Gy\n",
                     H + "action x(dose: Gy\n", H + "assume (a\n", H + "assume (a == b\n"), after_previous=True),
    SyntaxErrorKind("E025", "a let needs '=' and a condition: let NAME [\"label\"] = CONDITION",
                    "e.g. let high_grade = grade in {{2, 3}}",
                    (H + "let x a", H + "let x \"label\" a", H + "let x\n"), after_previous=True),
    SyntaxErrorKind("E026", "'cite' needs reference numbers, e.g. cite 6, 8",
                    "cite the numbers of declared references",
                    (H + "section s:\n  rule r:\n    cite a", H + "section s:\n  rule r:\n    cite\n",
                     H + "section s:\n  rule r:\n    cite 6,\n"), after_previous=True),
    SyntaxErrorKind("E027", "a quoted text is missing after '{prev}'",
                    'write the text in double quotes, e.g. evidence "Category 1"',
                    (H + "section s:\n  rule r:\n    evidence category1", H + "section s:\n  rule r:\n    source\n",
                     H + "section s:\n  rule r:\n    footnote x", H + "section s:\n  todo x", H + "reference 6 x",
                     H + "reference 6\n", H + "section s:\n  todo\n",
                     H + "section s:\n  rule r:\n    recommend a [evidence]"), after_previous=True),
    SyntaxErrorKind("E028", "{token} is a keyword and cannot be used as a name",
                    "choose another name, e.g. add a suffix: '{bare}_'",
                    (H + "input rule: bool", H + "let when = a", H + "action must", H + "section in:",
                     H + "section s:\n  rule never:", H + "assume x == never", H + "assume rule == a",
                     H + "assume a and rule == b")),
    SyntaxErrorKind("E029", "expected a declaration: reference, input, assume, let, action or section",
                    "found {token}",
                    (H + "inptu x: bool", H + "input x: bool\ninptu y: bool", H + "let a = b c",
                     H + "reference 6 \"t\" x", H + "input x: bool x", H + "action a \"A\" x",
                     H + "action a x")),
    SyntaxErrorKind("E036", "a value is missing in the set",
                    "write the values between '{{' and '}}', separated by single commas, e.g. {{1, 2, 3}}",
                    (H + "input s: {a, , b}", H + "input s: {, b}", H + "input s: {}", H + "input s: {a, }",
                     H + "assume s in {a, , b}", H + "assume s in {, b}", H + "assume s in {}", H + "assume s in {a, }",
                     H + "action x(t: {a, , b})", H + "action x(t: {})", H + "action x(t: {a, })",
                     H + "input s: {{a}}", H + "assume s in {{a}}")),
    SyntaxErrorKind("E037", "a name is missing after '{prev}'",
                    "names are letters, digits and '_', starting with a letter or '_'",
                    (H + "action (", H + "input \"Age\": bool", H + "action x(a: b, : c)", H + "action x(, a: b)",
                     H + "section s:\n  rule r:\n    recommend x(, a: b)",
                     H + "section s:\n  rule r:\n    recommend x(a: b, : c)"), after_previous=True),
    SyntaxErrorKind("E038", "a section holds only rules, covers and todos",
                    "found {token}; a section ends where the next declaration (input, let, section...) starts",
                    (H + "section s:\n  rt:", H + "section s:\n  cover x\n  rt:", H + "section s:\n  todo \"t\"\n  5",
                     H + "section s:\n  \"t\"")),
    SyntaxErrorKind("E039", "a number is missing after '{prev}'",
                    "e.g. reference 6 \"Reference 6\", cite 6, 8",
                    (H + "reference \"R\"", H + "reference x", H + "section s:\n  rule r:\n    cite 6, x"),
                    after_previous=True),
    SyntaxErrorKind("E034", "'{bare}' must be inside a section",
                    "start a section first: section NAME [\"title\"] [when CONDITION]:",
                    (H + "rule r:\n", H + "cover x", H + "todo \"t\"", H + "input x: bool\nrule r:",
                     H + "action a \"A\"\nrule r:", H + "action a\ncover a")),
    SyntaxErrorKind("E035", "'{bare}' must be inside a rule",
                    "a rule is written: rule NAME [\"label\"]: followed by its clauses",
                    (H + "when x", H + "recommend x", H + "section s:\n  when x", H + "cite 6",
                     H + "section s:\n  cover x\n  evidence \"e\"")),
    SyntaxErrorKind("E030", "expected 'known' or 'unknown' after 'is'",
                    "e.g. menopausal_status is known",
                    (H + "assume x is 3", H + "assume x is\n", H + "assume x is not known")),
    SyntaxErrorKind("E031", "unexpected {token} after a condition",
                    "a condition continues with and, or, implies or a comparison; {prev_hint}",
                    (H + "section s:\n  rule r:\n    when a\n    recomend x",
                     H + "section s:\n  rule r:\n    when a == b c", H + "assume a b",
                     H + "section s:\n  rule r:\n    when a > 5 cm x", H + "assume a implies b implies c")),
    SyntaxErrorKind("E032", "an action parameter needs a type: a unit, number, integer, text or {{values}}",
                    "e.g. action radiotherapy(dose: Gy, timing: {{preoperative, postoperative}})",
                    (H + "action rt(dose: 5)", H + "action rt(dose: \"x\")")),
    SyntaxErrorKind("E033", "'{prev}' needs a name",
                    "e.g. modality surgery, overrides other_rule, preference preferred",
                    (H + "action x modality\n", H + "action x modality 5",
                     H + "section s:\n  rule r:\n    overrides\n", H + "section s:\n  rule r:\n    preference 5",
                     H + "section s:\n  rule r:\n    overrides a,\n"), after_previous=True),
    SyntaxErrorKind("E040", "an entry's brackets hold evidence \"TEXT\" and preference P, separated by commas",
                    'found {token}; e.g. recommend thiazide [evidence "COR I", preference preferred]',
                    (H + "section s:\n  rule r:\n    recommend a [cite 6]",
                     H + "section s:\n  rule r:\n    recommend a []",
                     H + "section s:\n  rule r:\n    recommend a [evidence \"x\"",
                     H + "section s:\n  rule r:\n    recommend a [evidence \"x\" preference p]")),
    SyntaxErrorKind("E041", "a choice set is one_of( or any_of( followed by actions separated by commas and a ')'",
                    "found {token}; e.g. recommend one_of(thiazide, ccb(dose: 5 mg) [evidence \"COR I\"], acei)",
                    (H + "section s:\n  rule r:\n    recommend one_of a, b",
                     H + "section s:\n  rule r:\n    recommend one_of(a b)",
                     H + "section s:\n  rule r:\n    recommend one_of(a, b\n",
                     H + "section s:\n  rule r:\n    recommend any_of a, b",
                     H + "section s:\n  rule r:\n    recommend any_of(a b)",
                     H + "section s:\n  rule r:\n    recommend any_of(a, b\n")),
    SyntaxErrorKind("E055", "adjust names an action and, in parentheses, the parameter values it sets",
                    "found {token}; e.g. adjust imatinib(dose: 800 mg_per_day)",
                    (H + "section s:\n  rule r:\n    adjust x\n",
                     H + "section s:\n  rule r:\n    adjust x\n  rule q:\n",
                     H + "section s:\n  rule r:\n    adjust x()",
                     H + "section s:\n  rule r:\n    adjust x dose: 5 mg",
                     H + "section s:\n  rule r:\n    adjust (dose: 5 mg)")),
)
"""The table of known syntax errors (see the module docstring)."""

_HEAD_CODES = {"input": "E016", "section": "E018", "rule": "E019", "let": "E025"}
"""The "expected ':' (or '=') after the header" row of each kind of unit, by the keyword that opened it."""
_CLAUSE_KEYWORDS = frozenset(("WHEN", "MUST", "RECOMMEND", "CONSIDER", "MAY_OMIT", "NOT_RECOMMENDED", "NEVER",
                              "ADJUST", "OVERRIDES", "EVIDENCE", "PREFERENCE", "CITE", "SOURCE", "FOOTNOTE"))
_EXAMPLES: dict[str, list[str]] = {k.code: list(k.examples) for k in SYNTAX_ERRORS}
_BY_CODE = {k.code: k for k in SYNTAX_ERRORS}
_PUNCT_NAMES = {"LPAR": "'('", "RPAR": "')'", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'",
                "COLON": "':'", "COMMA": "','",
                "EQUAL": "'='", "COMPARE": "a comparison (==, !=, <, <=, >, >=)", "NAME": "a name",
                "NUM": "a number", "STRING": "a quoted text", "$END": "the end of the file",
                "NUMBER_KW": "'number'", "INTEGER_KW": "'integer'", "__ANON_0": "'..'",
                "PLUS": "'+'", "MINUS": "'-'", "MUL_OP": "'*' or '/'"}


def describe(token: Token) -> str:
    """How a token is named in a message: ``name 'x'``, ``number 5``, ``'recommend'``, ``the end of the file``."""
    kind, text = token.type, str(token)
    if kind == "$END":
        return "the end of the file"
    if kind == "NAME":
        return f"name '{text}'"
    if kind == "NUM":
        return f"number {text}"
    if kind == "STRING":
        return "text " + (text if len(text) <= 30 else text[:26] + '..."')
    if text in KEYWORDS:
        return f"'{text}'"
    return f"'{text}'"


def _expected_words(names: Iterable[str]) -> str:
    words = sorted({_PUNCT_NAMES.get(n, f"'{n.lower()}'") for n in names if not n.startswith("__")})
    if len(words) > 10:
        words = [*words[:10], "..."]
    return ", ".join(words)


def _span_of(err: UnexpectedInput, text: str, file: str) -> Span:
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        t = err.token
        return Span(file, t.line or 1, t.column or 1, t.end_line or 1, t.end_column or 2,
                    t.start_pos or 0, t.end_pos or 0)
    if isinstance(err, UnexpectedToken):  # end of file: point just after the last thing written
        found = _word_before(text, len(text))
        end = found[1] if found else 0
        line = text.count("\n", 0, end) + 1
        col = end - (text.rfind("\n", 0, end) + 1) + 1
        return Span(file, line, col, line, col + 1, end, end + 1)
    line, col, pos = err.line or 1, err.column or 1, err.pos_in_stream or 0
    return Span(file, line, col, line, col + 1, pos, pos + 1)


def _word_before(text: str, pos: int) -> tuple[str, int] | None:
    """The last word (``..``, a name, or one other character) before ``pos``, skipping blanks and ``#`` comments,
    with the offset just after it. Scans backwards line by line, so it is linear in the text it looks at: a regex
    anchored at the end of ``text[:pos]`` is quadratic on a long line and took minutes on 100,000 characters."""
    end = pos
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        hash_at = line.find("#")
        if hash_at >= 0:
            line = line[:hash_at]
        body = line.rstrip()
        if body:
            stop = start + len(body)
            last = body[-1]
            if last == "." and len(body) > 1 and body[-2] == ".":
                return "..", stop
            if last.isascii() and (last.isalnum() or last == "_"):
                i = len(body)
                while i > 0 and body[i - 1].isascii() and (body[i - 1].isalnum() or body[i - 1] == "_"):
                    i -= 1
                while i < len(body) and body[i].isdigit():  # a name starts with a letter or '_'
                    i += 1
                if i < len(body):
                    return body[i:], stop
            return last, stop
        end = start - 1
    return None


def _previous_word(text: str, pos: int) -> str:
    found = _word_before(text, pos)
    return found[0] if found else ""


def _after_previous(text: str, span: Span) -> Span:
    """A one-character span just after the word before ``span``, when that word ends on an earlier line."""
    found = _word_before(text, span.start)
    if not found:
        return span
    end = found[1]
    line = text.count("\n", 0, end) + 1
    if line == span.line:
        return span
    column = end - (text.rfind("\n", 0, end) + 1) + 1
    return Span(span.file, line, column, line, column + 1, end, end + 1)


def _close_keyword(word: str) -> str | None:
    close = difflib.get_close_matches(word, sorted(KEYWORDS), n=1, cutoff=0.75)
    return close[0] if close else None


def _unexpected_characters(err: UnexpectedCharacters, text: str, file: str) -> Diagnostic:
    span = _span_of(err, text, file)
    ch = err.char
    tried = tried_character(ch, text, err.pos_in_stream or 0, span)
    if tried is not None:
        return tried
    if ch == '"':
        rest = text[err.pos_in_stream:].split("\n", 1)[0]
        end = span.column + len(rest)
        return Diagnostic("E003", "error", "unterminated string",
                          Span(file, span.line, span.column, span.line, end, span.start, span.start + len(rest)),
                          help='close the text with \'"\' on the same line (write \\n for a line break)')
    shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
    return Diagnostic("E002", "error", f"unexpected character '{shown}'", span,
                      help="names use letters, digits and '_'; texts go in double quotes; '#' starts a comment")


def syntax_diagnostic(err: UnexpectedInput, text: str, file: str, parse_fn: Callable[[str], Any],
                      context: Context | None = None) -> Diagnostic:
    """The diagnostic for a syntax error; ``parse_fn`` re-parses the table's examples. ``context`` (where the error
    is, from :mod:`dsl.recover`) lets a construct the language lacks be named as such (:mod:`dsl.tried`) before
    the table is consulted."""
    if isinstance(err, UnexpectedCharacters):
        return _unexpected_characters(err, text, file)
    span = _span_of(err, text, file)
    token: Token = err.token if isinstance(err, UnexpectedToken) else Token("$END", "")
    if token.type != "$END":
        tried = tried_token(token, _expected(err), text, span, context or Context())
        if tried is not None:
            return tried
    pos = token.start_pos if token.type != "$END" and token.start_pos is not None else len(text)
    prev = _previous_word(text, pos)
    fields = {"token": describe(token), "prev": prev, "bare": str(token)}
    hint = _close_keyword(str(token)) if token.type == "NAME" else None
    prev_hint_word = _close_keyword(prev) if prev not in KEYWORDS else None
    fields["prev_hint"] = (f"is '{prev}' a misspelt '{prev_hint_word}'?" if prev_hint_word
                           else "or the next clause starts with a keyword")
    _state_by_number(err)
    if token.type == "EQUAL" and "COMPARE" in _expected(err):
        code: str | None = "E022"  # '=' where a comparison may follow, in any condition (guards, branches too)
    else:
        code = err.match_examples(_numbered(parse_fn), _EXAMPLES, token_type_match_fallback=True,
                                  use_accepts=True)
    if code == "E028" and str(token) not in KEYWORDS:
        code = None  # the keyword row matched the state only; the token is not a keyword
    if code is None:
        code = _fallback(token, _expected(err))
    if code in _HEAD_CODES.values() and context is not None and context.unit in _HEAD_CODES:
        code = _HEAD_CODES[context.unit]  # after a header's "label" the parser state is shared by every kind
    if code is not None:
        kind = _BY_CODE[code]
        if kind.after_previous and token.type != "$END":
            span = _after_previous(text, span)
        help_text = kind.help.format(**fields)
        if hint and hint != str(token):
            help_text += f"; did you mean '{hint}'?"
        return Diagnostic(code, "error", kind.message.format(**fields), span, help=help_text)
    expected = _expected_words(_expected(err))
    help_text = f"expected {expected}" if expected else "this cannot appear here"
    if hint:
        help_text = f"did you mean '{hint}'? ({help_text})"
    message = "the file ends too early" if token.type == "$END" else f"unexpected {describe(token)}"
    return Diagnostic("E001", "error", message, span, help=help_text)


def _state_by_number(err: UnexpectedInput) -> None:
    """Compare parser states by their LALR state number only (``use_accepts`` still tells contexts apart).

    Lark's own ``ParserState`` equality also compares the stack depth, so an example would only match an error
    nested exactly as deep; and its debug logging formats the state with ``%d``, which fails on that object.
    """
    position = getattr(err.state, "position", None)
    if position is not None:
        err.state = position


def _numbered(parse_fn: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(example: str) -> Any:
        try:
            return parse_fn(example)
        except UnexpectedInput as err:
            _state_by_number(err)
            raise
    return run


def _fallback(token: Token, expected: set[str]) -> str | None:
    """The table's message for errors in states its examples do not reach, recognised by the token alone."""
    word = str(token)
    if token.type == "NAME" or word not in KEYWORDS:
        return _fallback_by_place(expected)
    if "NAME" in expected:
        return "E028"
    if "SECTION" in expected and token.type in ("RULE", "COVER", "TODO"):
        return "E034"
    if "SECTION" in expected and token.type in _CLAUSE_KEYWORDS:
        return "E035"
    return _fallback_by_place(expected)


def _fallback_by_place(expected: set[str]) -> str | None:
    """The table's message for any token, recognised by where the parser is (what it expected)."""
    if expected and expected <= {"NAME"}:
        return "E037"
    if expected == {"NUM"}:
        return "E039"
    if expected and expected <= {"NAME", "NUM", "TRUE", "FALSE"}:
        return "E036"
    if expected == {"COMMA", "RBRACE"}:
        return "E014"
    if expected and {"COMMA", "RPAR"} <= expected <= {"COMMA", "RPAR", "NAME"}:
        return "E024"
    if expected == {"COLON", "WHEN"}:
        return "E018"
    if expected == {"COLON"}:
        return "E023"
    if "MUST" in expected:
        return "E011"
    if "RULE" in expected:
        return "E038"
    if "SECTION" in expected:
        return "E029"
    return None


def _expected(err: UnexpectedInput) -> set[str]:
    accepts = getattr(err, "accepts", None) or getattr(err, "expected", None) or set()
    return set(accepts)


def nesting_diagnostic(tree: Tree[Token], file: str) -> Diagnostic:
    meta = tree.meta
    line = getattr(meta, "line", 1)
    col = getattr(meta, "column", 1)
    return Diagnostic("E005", "error", "the condition is nested too deeply",
                      Span(file, line, col, line, col + 1, getattr(meta, "start_pos", 0),
                           getattr(meta, "start_pos", 0) + 1),
                      help="split it into named conditions with 'let'")
