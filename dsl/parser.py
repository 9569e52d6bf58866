"""Text to syntax tree: ``parse(text, file) -> (File | None, diagnostics)``.

The grammar (``grammar.lark``) is loaded once, as an LALR parser with positions. The lexer is Lark's *basic*
lexer rather than the contextual one: with the contextual lexer a keyword is only recognised where the parser
expects it, so ``recommendation`` after a rule header lexes as ``recommend`` + ``ation`` and ``rule must:``
silently names a rule ``must``. The basic lexer matches a whole word first and only then checks it against the
keyword list, which is exactly the language's rule ("keywords are reserved, everything else is a name").

The builder below only turns parse-tree nodes into :mod:`dsl.ast` nodes with spans; it never checks meaning.
``parse`` never raises: syntax errors, bad string escapes and absurd nesting all come back as ``E0xx``
diagnostics (see :mod:`dsl.parse_errors`); after a syntax error it recovers to report the next ones
(:mod:`dsl.recover`), and constructs the language lacks are named as such (:mod:`dsl.tried`).

>>> f, diags = parse('guideline "T"\\ninput age: number years in 0..120\\n', "x.rules")
>>> diags, f.decls[0].name.name, f.decls[0].type.unit
([], 'age', 'years')
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
from decimal import Decimal
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from dsl import ast
from dsl.diagnostics import Diagnostic
from dsl.parse_errors import MAX_NESTING, nesting_diagnostic, syntax_diagnostic
from dsl.recover import Recovery
from dsl.span import Span
from dsl.tried import Context, tried_in_tree

_comments: contextvars.ContextVar[list[Token]] = contextvars.ContextVar("guidegraph_comments")


def _collect_comment(token: Token) -> Token:
    """Lexer callback: comments are ignored by the grammar but kept here for the formatter."""
    sink = _comments.get(None)
    if sink is not None:
        sink.append(token)
    return token


MAX_OPERATORS = 100_000
"""``and``/``or``/``not`` in one rules file, counted while it is read: a generated 10,000-rule guideline has about
9,000; a 400,000-term ``or`` would take a minute to parse before :data:`MAX_CONDITION_NODES` could be checked."""

_STRINGS_AND_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_OPERATOR = re.compile(r"\b(?:and|or|not)\b")


def _too_many_operators(text: str, file: str) -> Diagnostic | None:
    """``E007`` when ``text`` has more than MAX_OPERATORS operators outside strings and comments (a regular
    expression count, before parsing: the parse itself is what takes the time)."""
    for count, _ in enumerate(_OPERATOR.finditer(_STRINGS_AND_COMMENTS.sub("", text)), 1):
        if count > MAX_OPERATORS:
            return Diagnostic("E007", "error", f"the file has more than {MAX_OPERATORS:,} 'and', 'or' and 'not' "
                              "operators; it is not read", Span(file, 1, 1, 1, 2),
                              help="split long conditions into named parts with 'let', or the guideline into "
                              "several files")
    return None


def _cache_file(grammar_path: str) -> str | bool:
    """Where Lark keeps its analysed grammar between runs: building the LALR tables takes longer than the rest of
    a short command such as ``check``, and loading them back is several times faster. The file lives in the
    user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``), named by a digest of the grammar; Lark itself
    also checks the grammar, its options and its version before using a cache file, and rebuilds (and rewrites)
    it on any mismatch or damage. ``GUIDEGRAPH_NO_CACHE=1`` turns the cache off; False when there is no usable
    directory."""
    if os.environ.get("GUIDEGRAPH_NO_CACHE"):
        return False
    try:
        with open(grammar_path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "guidegraph")
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, f"grammar-{digest}.lark")
    except OSError:
        return False


_GRAMMAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grammar.lark")

PARSER = Lark.open(_GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True,
                   lexer_callbacks={"COMMENT": _collect_comment}, cache=_cache_file(_GRAMMAR))
"""The one LALR parser of the language (also used by :mod:`dsl.parse_errors` to match error examples)."""

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def token_span(file: str, tok: Token) -> Span:
    return Span(file, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0,
                tok.start_pos or 0, tok.end_pos or 0)


@v_args(meta=True)
class _Builder(Transformer[Token, ast.File]):
    """One method per grammar alias; each builds the AST node of the same name."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self._file = file
        self.diagnostics: list[Diagnostic] = []

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return Span(self._file, 0, 0, 0, 0)
        return Span(self._file, meta.line, meta.column, meta.end_line, meta.end_column,
                    meta.start_pos, meta.end_pos)

    # ---- literals
    def name(self, meta: Any, c: list[Token]) -> ast.Name:
        return ast.Name(str(c[0]), self._span(meta))

    def string(self, meta: Any, c: list[Token]) -> ast.String:
        return ast.String(self._unescape(c[0]), self._span(meta))

    def _unescape(self, tok: Token) -> str:
        raw = str(tok)[1:-1]
        out: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\":
                esc = raw[i + 1]  # the lexer guarantees a character after a backslash
                if esc in _ESCAPES:
                    out.append(_ESCAPES[esc])
                else:
                    col = (tok.column or 0) + 1 + i
                    start = (tok.start_pos or 0) + 1 + i
                    self.diagnostics.append(Diagnostic(
                        "E004", "error", f"unknown escape '\\{esc}' in a string",
                        Span(self._file, tok.line or 0, col, tok.line or 0, col + 2, start, start + 2),
                        help='a string may use \\" (quote), \\\\ (backslash) and \\n (new line)'))
                    out.append(esc)
                i += 2
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    def _number(self, tok: Token, unit: ast.Name | None, span: Span) -> ast.Number:
        text = str(tok)
        problem = number_range_problem(text)
        if problem is not None:
            self.diagnostics.append(Diagnostic("E006", "error", f"the number {_short(text)} {problem}", span,
                                               help=NUMBER_RANGE_HELP))
            text = "0"
        value: int | float = float(text) if "." in text else int(text)
        return ast.Number(value, unit.name if unit else None, text, span)

    def num(self, meta: Any, c: list[Token]) -> ast.Number:
        return self._number(c[0], None, self._span(meta))

    def quantity(self, meta: Any, c: list[Any]) -> ast.Number:
        return self._number(c[0], c[1], self._span(meta))

    def range(self, meta: Any, c: list[Any]) -> ast.Range:
        low = self._number(c[0], None, token_span(self._file, c[0]))
        high = self._number(c[1], None, token_span(self._file, c[1]))
        return ast.Range(low, high, c[2].name if c[2] else None, self._span(meta))

    def boolean(self, meta: Any, c: list[Token]) -> ast.Bool:
        return ast.Bool(c[0] == "true", self._span(meta))

    # ---- conditions
    def compare(self, meta: Any, c: list[Any]) -> ast.Compare | ast.Relation:
        if isinstance(c[0], ast.Name) and isinstance(c[2], ast.Name | ast.Number | ast.Bool):
            return ast.Compare(c[0], str(c[1]), c[2], self._span(meta))
        return ast.Relation(c[0], str(c[1]), c[2], self._span(meta))

    def in_set(self, meta: Any, c: list[Any]) -> ast.InSet:
        if not isinstance(c[0], ast.Name):
            self.diagnostics.append(Diagnostic(
                "E001", "error", "'in {...}' tests a name (an input, a let or a classification)", c[0].span,
                help="compare a number from numbers with '<', '>=', ... or 'in LOW..HIGH'"))
            return ast.InSet(ast.Name("_", c[0].span), tuple(c[1:]), self._span(meta))
        return ast.InSet(c[0], tuple(c[1:]), self._span(meta))

    def in_range(self, meta: Any, c: list[Any]) -> ast.InRange | ast.Between:
        if isinstance(c[0], ast.Name):
            return ast.InRange(c[0], c[1], self._span(meta))
        return ast.Between(c[0], c[1], self._span(meta))

    def member(self, meta: Any, c: list[Any]) -> ast.Member:
        value = c[0]
        if not isinstance(value, ast.Name | ast.Number | ast.Bool):
            self.diagnostics.append(Diagnostic(
                "E001", "error", "'VALUE in SET' tests one value of a set input", value.span,
                help="write e.g. 'imatinib in prior_therapy'"))
            value = ast.Name("_", value.span)
        return ast.Member(value, c[1], self._span(meta))

    def at_least(self, meta: Any, c: list[Any]) -> ast.AtLeast:
        return ast.AtLeast(c[0], tuple(c[1:]), self._span(meta))

    def arith(self, meta: Any, c: list[Any]) -> ast.Arith:
        return ast.Arith(c[0], str(c[1]), c[2], self._span(meta))

    def neg(self, meta: Any, c: list[Any]) -> ast.Neg:
        return ast.Neg(c[1], self._span(meta))

    def call(self, meta: Any, c: list[Any]) -> ast.Call:
        return ast.Call(c[0], tuple(c[1:]), self._span(meta))

    def count(self, meta: Any, c: list[Any]) -> ast.Count:
        return ast.Count(tuple(c), self._span(meta))

    def count_set(self, meta: Any, c: list[Any]) -> ast.CountSet:
        return ast.CountSet(c[0], self._span(meta))

    def points(self, meta: Any, c: list[ast.Point]) -> ast.Points:
        return ast.Points(tuple(c), self._span(meta))

    def point(self, meta: Any, c: list[Any]) -> ast.Point:
        return ast.Point(c[0], c[1], self._span(meta))

    def is_known(self, meta: Any, c: list[Any]) -> ast.IsKnown:
        return ast.IsKnown(c[0], c[1] == "known", self._span(meta))

    def and_(self, meta: Any, c: list[Any]) -> ast.And:
        return ast.And(tuple(c), self._span(meta))

    def or_(self, meta: Any, c: list[Any]) -> ast.Or:
        return ast.Or(tuple(c), self._span(meta))

    def not_(self, meta: Any, c: list[Any]) -> ast.Not:
        return ast.Not(c[0], self._span(meta))

    def implies(self, meta: Any, c: list[Any]) -> ast.Implies:
        return ast.Implies(c[0], c[1], self._span(meta))

    def paren(self, meta: Any, c: list[Any]) -> ast.Paren:
        return ast.Paren(c[0], self._span(meta))

    # ---- types and declarations
    def number_type(self, meta: Any, c: list[Any]) -> ast.NumberType:
        return ast.NumberType(c[0] == "integer", c[1].name if c[1] else None, c[2], self._span(meta))

    def set_type(self, meta: Any, c: list[Any]) -> ast.SetType:
        return ast.SetType(c[0], self._span(meta))

    def bool_type(self, meta: Any, c: list[Any]) -> ast.BoolType:
        return ast.BoolType(self._span(meta), tuple(c[0]) if c and c[0] else ())

    def bool_labels(self, meta: Any, c: list[tuple[ast.Bool, ast.String]]) -> tuple[tuple[ast.Bool, ast.String], ...]:
        return tuple(c)

    def bool_label(self, meta: Any, c: list[Any]) -> tuple[ast.Bool, ast.String]:
        return c[0], c[1]

    def enum_value(self, meta: Any, c: list[Any]) -> tuple[ast.Name | ast.Number, ast.String | None]:
        return c[0], c[1]

    def enum_type(self, meta: Any, c: list[tuple[ast.Name | ast.Number, ast.String | None]]) -> ast.EnumType:
        # labels are kept only when one is given, so that a plain `{a, b}` stays equal to the tree it always was
        labels = tuple(label for _, label in c) if any(label is not None for _, label in c) else ()
        return ast.EnumType(tuple(v for v, _ in c), self._span(meta), labels)

    def type_word(self, meta: Any, c: list[Token]) -> ast.Name:
        return ast.Name(str(c[0]), self._span(meta))

    def params(self, meta: Any, c: list[ast.ParamDecl]) -> tuple[ast.ParamDecl, ...]:
        return tuple(c)

    def param_decl(self, meta: Any, c: list[Any]) -> ast.ParamDecl:
        return ast.ParamDecl(c[0], c[1], self._span(meta))

    def version(self, meta: Any, c: list[Any]) -> ast.String:
        return c[0]  # type: ignore[no-any-return]

    def guard(self, meta: Any, c: list[Any]) -> ast.Cond:
        return c[0]  # type: ignore[no-any-return]

    def modality(self, meta: Any, c: list[Any]) -> ast.Name:
        return c[0]  # type: ignore[no-any-return]

    def bounds(self, meta: Any, c: list[Any]) -> ast.Range:
        return c[0]  # type: ignore[no-any-return]

    def header(self, meta: Any, c: list[Any]) -> ast.Header:
        return ast.Header(c[0], c[1], self._span(meta))

    def reference(self, meta: Any, c: list[Any]) -> ast.Reference:
        return ast.Reference(c[0], c[1], self._span(meta))

    def head(self, meta: Any, c: list[Any]) -> tuple[ast.Name, ast.String | None]:
        return c[0], c[1]

    def input(self, meta: Any, c: list[Any]) -> ast.Input:
        name, label = c[0]
        return ast.Input(name, label, c[1], self._span(meta))

    def assume(self, meta: Any, c: list[Any]) -> ast.Assume:
        return ast.Assume(c[0], self._span(meta))

    def let(self, meta: Any, c: list[Any]) -> ast.Let:
        name, label = c[0]
        return ast.Let(name, label, c[2], self._span(meta), c[1])

    def classify(self, meta: Any, c: list[Any]) -> ast.Classify:
        name, label = c[0]
        branches = tuple(x for x in c[2:] if isinstance(x, ast.ClassBranch))
        other, other_label = c[-1] if isinstance(c[-1], tuple) else (None, None)
        return ast.Classify(name, label, c[1] is not None, branches, other, self._span(meta), other_label)

    def class_branch(self, meta: Any, c: list[Any]) -> ast.ClassBranch:
        return ast.ClassBranch(c[0], c[1], self._span(meta), c[2])

    def otherwise(self, meta: Any, c: list[Any]) -> tuple[ast.Name, ast.String | None]:
        return c[0], c[1]

    def unit_decl(self, meta: Any, c: list[Any]) -> ast.UnitDecl:
        return ast.UnitDecl(c[0], c[1], self._span(meta))

    def bound(self, meta: Any, c: list[Any]) -> ast.Bound:
        return ast.Bound(str(c[0]), c[1], self._span(meta))

    def action(self, meta: Any, c: list[Any]) -> ast.Action:
        return ast.Action(c[0], c[1] or (), c[2], c[3], self._span(meta))

    def together(self, meta: Any, c: list[Any]) -> ast.Together:
        source: ast.Source | None = c[3]
        return ast.Together(c[0], c[1], c[2], source.text if source is not None else None, self._span(meta))

    def together_actions(self, meta: Any, c: list[ast.Name]) -> tuple[ast.Name, ...]:
        return tuple(c)

    # ---- sections and rules
    def section_head(self, meta: Any, c: list[Any]) -> tuple[ast.Name, ast.String | None, ast.Cond | None]:
        return c[0][0], c[0][1], c[1]

    def section(self, meta: Any, c: list[Any]) -> ast.Section:
        name, label, guard = c[0]
        return ast.Section(name, label, guard, tuple(c[1:]), self._span(meta))

    def rule(self, meta: Any, c: list[Any]) -> ast.Rule:
        name, label = c[0]
        return ast.Rule(name, label, tuple(c[1:]), self._span(meta))

    def cover(self, meta: Any, c: list[Any]) -> ast.Cover:
        return ast.Cover(c[0], c[2], self._span(meta), c[1])

    def todo(self, meta: Any, c: list[Any]) -> ast.Todo:
        return ast.Todo(c[0], self._span(meta))

    def question_order(self, meta: Any, c: list[Any]) -> ast.QuestionOrder:
        return ast.QuestionOrder(tuple(c[:-1]), self._span(meta), c[-1] is not None)

    def when(self, meta: Any, c: list[Any]) -> ast.When:
        return ast.When(c[0], self._span(meta))

    def strength(self, meta: Any, c: list[Token]) -> str:
        return str(c[0])

    def recommend(self, meta: Any, c: list[Any]) -> ast.Recommend:
        return ast.Recommend(c[0], c[1], c[2] or (), self._span(meta), c[3] is not None, c[4] or ())

    def choice(self, meta: Any, c: list[Any]) -> ast.Choice:
        alts = tuple(ast.Recommend(c[0], name, args or (), span, False, attrs or ())
                     for name, args, attrs, span in c[2:])
        return ast.Choice(c[0], alts, self._span(meta), str(c[1]))

    def adjust(self, meta: Any, c: list[Any]) -> ast.Adjust:
        return ast.Adjust(c[0], c[1], self._span(meta))

    def alternative(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return (c[0], c[1], c[2], self._span(meta))

    def entry_attrs(self, meta: Any, c: list[ast.Attr]) -> tuple[ast.Attr, ...]:
        return tuple(c)

    def args(self, meta: Any, c: list[ast.Arg]) -> tuple[ast.Arg, ...]:
        return tuple(c)

    def arg(self, meta: Any, c: list[Any]) -> ast.Arg:
        return ast.Arg(c[0], c[1], self._span(meta))

    def target(self, meta: Any, c: list[Any]) -> tuple[ast.Name, ast.Name | None]:
        return c[0], c[1]

    def overrides(self, meta: Any, c: list[tuple[ast.Name, ast.Name | None]]) -> ast.Overrides:
        actions = tuple(a for _, a in c)
        return ast.Overrides(tuple(r for r, _ in c), self._span(meta),
                             actions if any(a is not None for a in actions) else ())

    def evidence(self, meta: Any, c: list[Any]) -> ast.Evidence:
        return ast.Evidence(c[0], self._span(meta))

    def preference(self, meta: Any, c: list[Any]) -> ast.Preference:
        return ast.Preference(c[0], self._span(meta))

    def cite(self, meta: Any, c: list[ast.Number]) -> ast.Cite:
        return ast.Cite(tuple(c), self._span(meta))

    def source(self, meta: Any, c: list[Any]) -> ast.Source:
        return ast.Source(c[0], self._span(meta))

    def footnote(self, meta: Any, c: list[Any]) -> ast.Footnote:
        return ast.Footnote(c[0], self._span(meta))

    def file(self, meta: Any, c: list[Any]) -> ast.File:
        return ast.File(c[0], tuple(c[1:]), (), self._span(meta))


def _too_deep(tree: Tree[Token]) -> Tree[Token] | None:
    """The first subtree nested deeper than MAX_NESTING levels (checked without recursion), or None."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return node
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


_CONDITION_NODES = frozenset(("or_", "and_", "not_", "implies", "paren", "compare", "in_set", "in_range",
                              "is_known"))
MAX_CONDITION_NODES = 20_000
"""Operators and comparisons in one condition: checking a condition costs memory in proportion to its size (about
25 KB per comparison), so a generated 400,000-term ``or`` would need 10 GB; 20,000 is about a minute's reading
and far above any written guideline."""


def _too_large(tree: Tree[Token], file: str) -> Diagnostic | None:
    """``E007`` for the first condition with more than MAX_CONDITION_NODES operators and comparisons."""
    stack: list[tuple[Tree[Token], bool]] = [(tree, False)]
    while stack:
        node, inside = stack.pop()
        is_cond = node.data in _CONDITION_NODES
        if is_cond and not inside:
            size = 0
            todo = [node]
            while todo and size <= MAX_CONDITION_NODES:
                n = todo.pop()
                size += n.data in _CONDITION_NODES
                todo.extend(c for c in n.children if isinstance(c, Tree))
            if size > MAX_CONDITION_NODES:
                meta = node.meta
                line, col = getattr(meta, "line", 1), getattr(meta, "column", 1)
                return Diagnostic("E007", "error", f"this condition has more than {MAX_CONDITION_NODES:,} operators "
                                  "and comparisons", Span(file, line, col, line, col + 1),
                                  help="split it into named parts with 'let', or into several rules")
            continue
        stack.extend((c, inside or is_cond) for c in node.children if isinstance(c, Tree))
    return None


def _comment_nodes(tokens: list[Token], file: str) -> tuple[ast.Comment, ...]:
    return tuple(ast.Comment(str(t)[1:].rstrip(), token_span(file, t)) for t in tokens)


MAX_DIGITS = 15
"""Significant digits in a number literal: every such decimal has its own nearest float, so two different
literals never compare equal and a threshold is never moved past a value the author wrote."""
NUMBER_RANGE = (Decimal("1e-12"), Decimal("1e15"))
"""Smallest and largest magnitude of a non-zero number literal: far beyond clinical measurements, and far inside
what a float holds exactly enough (no overflow, no underflow to 0)."""
NUMBER_RANGE_HELP = ("numbers are written with at most 15 significant digits, and a number other than 0 lies "
                     "between 0.000000000001 (1e-12) and 1000000000000000 (1e15) in size")


def number_range_problem(text: str) -> str | None:
    """Why the literal ``text`` (``-?digits[.digits]``) cannot be used, or None."""
    d = Decimal(text)
    if d == 0:
        return None
    digits = len(d.normalize().as_tuple().digits)
    if abs(d) > NUMBER_RANGE[1]:
        return "is too large"
    if abs(d) < NUMBER_RANGE[0]:
        return "is too small (it would be read as 0)"
    if digits > MAX_DIGITS:
        return f"has {digits} significant digits, more than {MAX_DIGITS}"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


MAX_SYNTAX_ERRORS = 20
"""Syntax errors reported for one file: enough to fix a file in one sitting, few enough to read; past that the
file is probably not a rules file at all."""


def _syntax_errors(text: str, file: str, failure: UnexpectedInput, limit: int) -> list[Diagnostic]:
    """Every syntax error that recovery finds (:mod:`dsl.recover`), and the constructs the language lacks in the
    parts that parsed (:func:`dsl.tried.tried_in_tree`), in file order, at most ``limit``.

    The recovering parse meets the same first error as ``PARSER.parse`` did (same lexer, same table), and knows
    which unit it is in, which some messages need; it runs even for ``limit`` 1 so that the first error reads the
    same whatever the limit. Should it ever fail or disagree, the first error alone is reported, as before
    recovery existed."""
    first = syntax_diagnostic(failure, text, file, PARSER.parse)
    if first.code == "E010":  # no header: nothing after it can be read as the unit it was meant to be
        return [first]

    def diagnose(err: UnexpectedInput, context: Context) -> Diagnostic:
        return syntax_diagnostic(err, text, file, PARSER.parse, context)

    recovery = Recovery(PARSER, text, diagnose, limit)
    try:
        tree = recovery.run()
    except (LarkError, RecursionError, AssertionError, IndexError, KeyError):  # pragma: no cover - defensive
        return [first]
    found = recovery.diagnostics
    if not found or found[0].span != first.span:  # pragma: no cover - the same parser meets the same error
        return [first]
    if tree is not None and len(found) < limit and _too_deep(tree) is None:
        found = sorted([*found, *tried_in_tree(tree, file)], key=lambda d: d.span.start if d.span else 0)
    return found[:limit]


def parse(text: str, file: str, *, max_errors: int = MAX_SYNTAX_ERRORS) -> tuple[ast.File | None, list[Diagnostic]]:
    """Parse a whole rules file. Returns the tree and no diagnostics, or None and at least one ``E0xx`` error.

    Never raises for any string. After a syntax error the parser recovers at the next unit (declaration, rule,
    clause) that starts a line, so one run reports up to ``max_errors`` independent errors, each once, in file
    order (see :mod:`dsl.recover`); the first is the one LALR stops at. Constructs the language lacks but that
    parse (``count(a, b)``, ``5 mg/day``) are errors too (:mod:`dsl.tried`).
    """
    comments: list[Token] = []
    too_many = _too_many_operators(text, file)
    if too_many is not None:
        return None, [too_many]
    reset = _comments.set(comments)
    failure: UnexpectedInput | None = None
    try:
        tree = PARSER.parse(text)
    except UnexpectedInput as err:
        failure = err
    except (LarkError, RecursionError) as err:  # pragma: no cover - lark raises UnexpectedInput for bad text
        return None, [Diagnostic("E001", "error", f"cannot parse the file: {err}", Span(file, 1, 1, 1, 2))]
    finally:
        _comments.reset(reset)
    if failure is not None:
        return None, _syntax_errors(text, file, failure, max(1, max_errors))
    deep = _too_deep(tree)
    if deep is not None:
        return None, [nesting_diagnostic(deep, file)]
    large = _too_large(tree, file)
    if large is not None:
        return None, [large]
    tried = tried_in_tree(tree, file)
    if tried:
        return None, tried[:max(1, max_errors)]
    builder = _Builder(file)
    try:
        result = builder.transform(tree)
    except (VisitError, RecursionError) as err:  # pragma: no cover - the nesting check comes first
        return None, [Diagnostic("E001", "error", f"cannot build the syntax tree: {err}", Span(file, 1, 1, 1, 2))]
    if builder.diagnostics:
        return None, builder.diagnostics
    return ast.File(result.header, result.decls, _comment_nodes(comments, file), result.span), []
