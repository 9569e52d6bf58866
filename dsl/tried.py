"""Messages for what people try: constructs the language lacks, named as such, with what to write instead.

A new author writes what other languages (or the guideline's own prose) taught them: ``unless``, ``else``,
``if ... then``, ``x between 1 and 5``, ``60%``, ``mg/day``, ``count(a, b)``, ``recommend a or b``, labelled enum
values. The LALR parser fails on these in a state it shares with ordinary typos, so the state-based table of
:mod:`dsl.parse_errors` would name a wrong cause ("a rule needs a strength" for ``recommend a or b``). These
constructs are recognised instead by the offending word itself and the words around it, and each gets a message
that says it is not part of the language (yet) and shows what to write.

Three places see them:

- :func:`tried_token`: a syntax error whose token (and context) matches one of the constructs;
- :func:`tried_character`: a character the lexer rejects (``%``, ``&``, ``|``, ``!``);
- :func:`tried_in_tree`: constructs that *parse* but mean something else, so no syntax error is raised:
  ``count(a, b)`` and ``sum(...)`` parse as calls of functions that do not exist, and ``5 mg/day`` parses as
  ``5 mg`` divided by a name ``day``. These are found in the parse tree, where "a quantity divided by a name that
  the file never declares" can be told from a real division by an input.

Every code is registered in :mod:`dsl.codes`; :data:`TRIED` lists one example per recogniser for the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lark import Token, Tree

from dsl.diagnostics import Diagnostic
from dsl.span import Span

STRENGTH_WORDS = frozenset(("must", "recommend", "consider", "may_omit", "not_recommended", "never"))
DATE_WORDS = frozenset(("date", "datetime", "time", "timestamp"))
H = 'guideline "T"\n'


@dataclass(frozen=True, slots=True)
class Context:
    """Where a syntax error is, as far as a message needs: the keyword that opened the innermost unit (``rule``,
    ``classify``, ``input``, ...; empty in the header) and the last clause keyword of the current rule."""

    unit: str = ""
    clause: str = ""


@dataclass(frozen=True, slots=True)
class TriedKind:
    """One construct people try: its code, a message (one of the recogniser's), and examples that give it."""

    code: str
    message: str
    examples: tuple[str, ...]


_R = H + "input a: bool\ninput b: bool\ninput x: number in 0..10\naction y\naction z\nsection s:\n  rule r:\n"
TRIED: tuple[TriedKind, ...] = (
    TriedKind("E042", "'unless' is not part of the language",
              (_R + "    when a unless b\n    recommend y", _R + "    unless b\n    recommend y")),
    TriedKind("E043", "there is no '{bare}' branch in a rule or a condition",
              (_R + "    when a\n    recommend y\n    else recommend z",
               _R + "    when a\n    recommend y\n    otherwise recommend z", H + "let c = a else b")),
    TriedKind("E044", "dates are not part of the language (yet)",
              (H + "input diagnosed: date", H + "input seen \"Last seen\": datetime")),
    TriedKind("E045", "'%' is not part of the language",
              (_R + "    when x < 60%\n    recommend y", H + "input ttr: number % in 0..100")),
    TriedKind("E046", "a unit cannot contain '/'",
              (H + "input dose: number mg/day in 0..1000", H + "action d(dose: mg/day)",
               _R + "    recommend y(dose: 5 mg/day)", H + "input x: number in 0..10\nassume x > 5 mg/day",
               H + "let d: number mg/day = 5")),
    TriedKind("E047", "a value's label is written where the value is declared",
              (H + 'input hf: {hfref, hfpef}\nassume hf in {hfref "HFrEF", hfpef}',
               _R + '    when x in {1 "one", 2}\n    recommend y')),
    TriedKind("E048", "'or' between actions is not part of the language",
              (_R + "    recommend y or z", _R + "    consider y(dose: 5 mg) or z")),
    TriedKind("E049", "one strength names one action",
              (_R + "    recommend y and z", _R + "    recommend y, z", _R + "    recommend y, recommend z")),
    TriedKind("E050", "'{bare}(...)' is not part of the language",
              (H + "input a: bool\ninput b: bool\nlet two = count(a, b) >= 2",
               H + "input a: bool\nlet s = sum(a, a) > 1", H + "input a: bool\nlet two = count_of(a, a) >= 2")),
    TriedKind("E051", "'between' is not part of the language",
              (_R + "    when x between 1 and 5\n    recommend y",)),
    TriedKind("E052", "'{bare}' is not an operator here",
              (H + "let c == a and b", _R + "    when x => 5\n    recommend y", H + "assume x =< 5",
               H + "assume x <> 5", H + "assume x === 5")),
    TriedKind("E053", "'if ... then' is not part of the language",
              (_R + "    if a then recommend y", _R + "    when a then recommend y", H + "let c = if a then b")),
    TriedKind("E054", "a count of conditions is written with at_least",
              (H + "let two = >= 2 of {a, b}", H + "let two = at least 2 of {a, b}", H + "let two = 2 of {a, b}",
               H + "let two = at_least 2 {a, b}", _R + "    when >= 2 of {a, b}\n    recommend y")),
)
"""The constructs, for the registry and the tests (each example gives exactly its code, once)."""

_WORD = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#.*|\.\.|==|!=|<=|>=|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|\S')
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _words_before(text: str, pos: int, n: int = 4) -> list[str]:
    """The last ``n`` words of the line before ``pos`` (comments dropped): the context a message needs."""
    start = text.rfind("\n", 0, pos) + 1
    return [w for w in _WORD.findall(text, start, pos) if not w.startswith("#")][-n:]


def _words_after(text: str, pos: int, n: int = 6) -> list[str]:
    """The next ``n`` words on the line from ``pos``."""
    end = text.find("\n", pos)
    return [w for w in _WORD.findall(text, pos, len(text) if end < 0 else end) if not w.startswith("#")][:n]


def _span(file: str, text: str, start: int, end: int) -> Span:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_col = end - (text.rfind("\n", 0, end) + 1) + 1
    return Span(file, line, col, end_line, end_col, start, end)


def _error(code: str, message: str, span: Span, help_text: str) -> Diagnostic:
    return Diagnostic(code, "error", message, span, help=help_text)


def _is_number(word: str) -> bool:
    return bool(_NUMBER.fullmatch(word))


def tried_token(token: Token, expected: set[str], text: str, span: Span, context: Context) -> Diagnostic | None:
    """The message for a syntax error at ``token`` when it is one of the constructs people try, else None.

    ``expected`` is what the parser could have taken there; ``span`` is the token's (the caret stays on the word
    that is not part of the language); ``context`` says which unit the error is in."""
    word = str(token)
    kind = token.type
    pos = token.start_pos if token.start_pos is not None else len(text)
    before = _words_before(text, pos)
    prev = before[-1] if before else ""
    after = _words_after(text, token.end_pos if token.end_pos is not None else pos)
    file = span.file
    if kind == "NAME" and word == "unless":
        return _error("E042", "'unless' is not part of the language", span,
                      "write the exception into the condition with 'and not': when CONDITION and not (EXCEPTION)")
    if (kind == "NAME" and word == "else") or (kind == "OTHERWISE" and context.unit == "rule"):
        return _error("E043", f"there is no '{word}' branch in a rule or a condition", span,
                      "a rule applies only when its 'when' holds: write a second rule with the negated condition "
                      "(when not (CONDITION)), or choose a value with a classification: classify NAME: when C "
                      "then V ... otherwise V")
    if kind == "NAME" and word.lower() in DATE_WORDS and prev == ":":
        return _error("E044", "dates are not part of the language (yet)", span,
                      "give the time since the event as a number, e.g. input years_since_diagnosis \"Years since "
                      "diagnosis\": number years in 0..120 (or months)")
    if kind == "MUL_OP" and word == "/" and len(before) >= 2 and before[-1][:1].isalpha() \
            and (_is_number(before[-2]) or before[-2] in ("number", "integer", ":") or before[-2].endswith("..")):
        return _unit_with_slash(text, file, pos, before[-1], after)
    if kind == "STRING" and "RBRACE" in expected:
        return _error("E047", "a value's label is written where the value is declared", span,
                      "a condition names the values: write {hfref, hfpef} here, and the labels in the input's "
                      "declaration: input hf \"Heart failure\": {hfref \"HFrEF\", hfpef \"HFpEF\"}")
    if context.unit == "rule" and context.clause in STRENGTH_WORDS and "MUST" in expected:
        found = _between_actions(kind, word, before, after, context.clause, span)
        if found is not None:
            return found
    if kind == "LPAR" and prev in ("count_of", "points_of"):
        example = "count_of {a, b, c}" if prev == "count_of" else "points_of {a: 1, b: 2}"
        return _error("E050", f"'{prev}(...)' is not part of the language", span,
                      f"{prev} takes its conditions in braces: {example}")
    if kind == "NAME" and word == "between":
        return _error("E051", "'between' is not part of the language", span, _between_help(before, after))
    operator = _operator_confusion(kind, word, expected, text, pos, prev)
    if operator is not None:
        bare, help_text = operator
        return _error("E052", f"'{bare}' is not an operator here", span, help_text)
    if (kind == "NAME" and word == "if") or prev == "if" \
            or (kind == "THEN" and context.unit != "classify" and "NAME" not in expected):
        return _error("E053", "'if ... then' is not part of the language", span, _if_help(context, text, pos))
    return _count_without_at_least(kind, word, expected, before, after, span)


def _unit_with_slash(text: str, file: str, pos: int, unit: str, after: list[str]) -> Diagnostic:
    start = text.rfind(unit, 0, pos)
    denominator = after[0] if after and after[0][:1].isalpha() else ""
    end = text.find(denominator, pos + 1) + len(denominator) if denominator else pos + 1
    written = f"{unit}/{denominator}" if denominator else f"{unit}/"
    better = f"{unit}_per_{denominator}" if denominator else f"{unit}_per_day"
    return _error("E046", "a unit cannot contain '/'", _span(file, text, start if start >= 0 else pos, end),
                  f"write '{written}' as one name, e.g. {better} (units are names: letters, digits and '_'; "
                  "'/' divides numbers)")


def _between_actions(kind: str, word: str, before: list[str], after: list[str], strength: str,
                     span: Span) -> Diagnostic | None:
    """``recommend a or b``, ``recommend a and b``, ``recommend a, b``: one strength, several actions."""
    first = before[-1] if before and before[-1][:1].isalpha() and before[-1] not in STRENGTH_WORDS else "a"
    second = after[0] if after and after[0][:1].isalpha() and after[0] not in STRENGTH_WORDS else "b"
    if kind == "OR":
        return _error("E048", "'or' between actions is not part of the language", span,
                      f"for a choice between them write a choice set: {strength} one_of({first}, {second})")
    if kind in ("AND", "COMMA"):
        return _error("E049", "one strength names one action", span,
                      f"write each on its own line: {strength} {first}, then {strength} {second} on the next line "
                      f"(or, for a choice, {strength} one_of({first}, {second}))")
    return None


def _between_help(before: list[str], after: list[str]) -> str:
    """``x between 1 and 5`` as the range the author meant, when the words say it plainly."""
    name = before[-1] if before and before[-1][:1].isalpha() else "x"
    words = after[:5]
    if len(words) >= 3 and _is_number(words[0]):
        unit = ""
        rest = words[1:]
        if rest and rest[0] != "and":
            unit, rest = rest[0], rest[1:]
        if len(rest) >= 2 and rest[0] == "and" and _is_number(rest[1]):
            high_unit = f" {rest[2]}" if len(rest) > 2 and rest[2][:1].isalpha() else (f" {unit}" if unit else "")
            low_unit = f" {unit}" if unit else high_unit  # '120 and 129 mmHg': both are in mmHg
            return (f"write {name} in {words[0]}..{rest[1]}{high_unit} (both ends included), or "
                    f"{name} > {words[0]}{low_unit} and {name} < {rest[1]}{high_unit} for strict bounds")
    return f"write {name} in LOW..HIGH (both ends included), or {name} > LOW and {name} < HIGH for strict bounds"


def _operator_confusion(kind: str, word: str, expected: set[str], text: str, pos: int,
                        prev: str) -> tuple[str, str] | None:
    """``==`` for a let's ``=``, and ``=>``, ``=<``, ``<>``, ``===`` for ``>=``, ``<=``, ``!=``, ``==``."""
    nxt = text[pos + len(word):pos + len(word) + 1]
    if kind == "COMPARE" and word == "==" and "EQUAL" in expected:
        return "==", "'==' compares; a let is defined with one '=': let NAME = CONDITION"
    if kind == "EQUAL" and nxt in (">", "<"):
        return f"={nxt}", f"write '{nxt}=' (the '{nxt}' first)"
    if kind == "COMPARE" and word == ">" and text[pos - 1:pos] == "<":
        return "<>", "write '!=' for 'is not'"
    if kind == "EQUAL" and prev == "==" and text[pos - 2:pos] == "==":
        return "===", "write '==' to compare"
    return None


_STRENGTHS_RE = "|".join(sorted(STRENGTH_WORDS))
_IF_THEN = re.compile(rf"\b(?:if|when)\s+(?P<cond>.+?)\s+then\s+(?P<entry>(?:{_STRENGTHS_RE})\s+\S.*?)\s*(?:#.*)?$")


def _if_help(context: Context, text: str, pos: int) -> str:
    if context.unit == "rule":
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        m = _IF_THEN.search(text[start:len(text) if end < 0 else end])
        example = f"when {m['cond']}, then {m['entry']} on the next line" if m else \
            "when CONDITION, then the strength and action on the next line"
        return f"a rule's condition is its 'when' clause: write {example}"
    return ("a condition needs no 'if'; to choose a value by conditions write a classification: classify NAME: "
            "when C then V ... otherwise V")


def _count_without_at_least(kind: str, word: str, expected: set[str], before: list[str], after: list[str],
                            span: Span) -> Diagnostic | None:
    """``>= 2 of {..}``, ``2 of {..}``, ``at least 2 of``, ``at_least 2 {..}``: a count without its keyword."""
    prev = before[-1] if before else ""
    count = ""
    if kind == "COMPARE" and len(after) >= 2 and _is_number(after[0]) and after[1] == "of":
        count = after[0]
    elif kind == "OF" and _is_number(prev):
        count = prev
    elif kind == "NAME" and word == "least" and prev == "at":
        count = after[0] if after and _is_number(after[0]) else "N"
    elif expected == {"OF"}:
        count = prev if _is_number(prev) else "N"
    if not count:
        return None
    return Diagnostic("E054", "error", "a count of conditions is written with at_least", span,
                      help=f"write at_least {count} of {{a, b, c}} (one word, at_least), or compare a count: "
                      f"count_of {{a, b, c}} >= {count}")


_CHARACTERS = {
    "&": "write 'and' to join conditions",
    "|": "write 'or' to join conditions",
    "!": "write 'not' to negate a condition, '!=' to compare",
}


def tried_character(ch: str, text: str, pos: int, span: Span) -> Diagnostic | None:
    """The message for a character the lexer rejects, when people use it for something the language spells out:
    ``%`` (a unit), ``&``/``|``/``!`` (operators). None for any other character."""
    if ch == "%":
        before = _words_before(text, pos, 1)
        number = before[0] if before and _is_number(before[0]) and text[pos - 1:pos].isdigit() else "60"
        return _error("E045", "'%' is not part of the language", span,
                      f"write the unit as a name: {number} percent (declare the input as number percent)")
    if ch in _CHARACTERS:
        return Diagnostic("E002", "error", f"unexpected character '{ch}'", span, help=_CHARACTERS[ch])
    return None


_FUNCTIONS = {
    "count": "count conditions with count_of {a, b, c} (count_of SET for a set input); test a count with "
             "at_least N of {a, b, c}",
    "sum": "add points per condition with points_of {a: 1, b: 2}, or add numbers with '+'",
    "total": "add points per condition with points_of {a: 1, b: 2}, or add numbers with '+'",
}


def _subtrees(tree: Tree[Token]) -> Iterator[Tree[Token]]:
    """Every subtree, without recursion (a recovered tree is not depth-checked)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in reversed(node.children) if isinstance(c, Tree))


def _name_token(node: object) -> Token | None:
    if isinstance(node, Tree) and node.data == "name" and node.children and isinstance(node.children[0], Token):
        return node.children[0]
    return None


def _declared(tree: Tree[Token]) -> set[str]:
    """Names of the file's inputs, lets and classifications: what a division may legitimately divide by."""
    names: set[str] = set()
    for node in _subtrees(tree):
        if node.data in ("input", "let", "classify") and node.children:
            head = node.children[0]
            if isinstance(head, Tree) and head.children:
                tok = _name_token(head.children[0])
                if tok is not None:
                    names.add(str(tok))
    return names


def _token_span(file: str, tok: Token, end: Token | None = None) -> Span:
    last = end or tok
    return Span(file, tok.line or 1, tok.column or 1, last.end_line or 1, last.end_column or 2,
                tok.start_pos or 0, last.end_pos or 0)


def tried_in_tree(tree: Tree[Token], file: str) -> list[Diagnostic]:
    """Constructs that parse but are not what they look like: ``count(..)``/``sum(..)`` (no such functions) and
    a quantity divided by a name the file never declares (``5 mg/day``: a unit with '/'). In file order."""
    found: list[Diagnostic] = []
    declared: set[str] | None = None
    for node in _subtrees(tree):
        if node.data == "call":
            tok = _name_token(node.children[0])
            if tok is not None and str(tok) in _FUNCTIONS:
                found.append(_error("E050", f"'{tok}(...)' is not part of the language", _token_span(file, tok),
                                    _FUNCTIONS[str(tok)]))
        elif node.data == "arith" and len(node.children) == 3 and str(node.children[1]) == "/":
            left, right = node.children[0], node.children[2]
            unit = _name_token(left.children[1]) if isinstance(left, Tree) and left.data == "quantity" \
                and len(left.children) == 2 else None
            denominator = _name_token(right)
            if unit is None or denominator is None:
                continue
            if declared is None:
                declared = _declared(tree)
            if str(denominator) not in declared:
                found.append(_error(
                    "E046", "a unit cannot contain '/'", _token_span(file, unit, denominator),
                    f"'{unit}/{denominator}' reads as a quantity in {unit} divided by '{denominator}', which is not "
                    f"declared; write the unit as one name, e.g. {unit}_per_{denominator}"))
    return sorted(found, key=lambda d: d.span.start if d.span else 0)
