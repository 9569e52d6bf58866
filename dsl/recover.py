"""Several syntax errors per run: error recovery for the LALR parser.

Lark's LALR parser stops at the first error, and an author who fixes one error per run pays a round trip for
each (the author trial lost one per mistake). After a syntax error, :func:`parse` reads the file again token by
token with Lark's interactive parser (the same lexer and parse table, so it meets the same first error) while
keeping *checkpoints*: copies of the parser state just before each keyword that opens a unit - a declaration, a
rule/cover/todo, a clause of a rule, a branch of a classification. At an error, the rest of the broken unit is
skipped; parsing resumes at the next keyword that starts a line and that one of the enclosing checkpoints can
take, from that checkpoint's state. The text after the broken unit is thus read in the context it was written in,
as if the broken unit were not there.

What keeps the report to real errors, each once:

- One error per unit: nothing is reported between an error and the point where parsing resumes. This is where a
  cascade would start (an unclosed ``(`` makes every later word "unexpected").
- Resumption only at a keyword that *starts a line*: a keyword in the middle of the broken line is part of the
  mistake (``recommend a [cite 6]``), while a rules file puts each unit on its own line.
- A keyword is taken only by a checkpoint whose unit can hold it, and only if the parser accepts it there (tried
  on a copy of the state): a rule's ``when`` is never read as a section's guard.
- A section, rule or classification whose *header* is broken gets a stand-in header (``section _:``) when
  parsing resumes at one of its items, so its rules are still checked; the stand-in never appears in a message.

Limits: errors in the skipped text (the rest of the broken unit, or more when no following line starts a unit
that fits) are found only once the first is fixed; several units on one line recover only at the next line;
at most ``limit`` errors are reported. The tree built on the way (the file without its broken units) is returned
for the checks of :func:`dsl.tried.tried_in_tree`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from dsl.diagnostics import Diagnostic
from dsl.tried import Context

TOP = frozenset(("REFERENCE", "INPUT", "ASSUME", "LET", "ACTION", "NEVER_TOGETHER", "CLASSIFY", "UNIT", "SECTION"))
"""Keywords that open a declaration (they appear nowhere else: keywords are reserved)."""
ITEMS = frozenset(("RULE", "COVER", "TODO", "QUESTION_ORDER"))
CLAUSES = frozenset(("WHEN", "MUST", "RECOMMEND", "CONSIDER", "MAY_OMIT", "NOT_RECOMMENDED", "NEVER", "ADJUST",
                     "OVERRIDES", "EVIDENCE", "PREFERENCE", "CITE", "SOURCE", "FOOTNOTE"))
BRANCHES = frozenset(("WHEN", "OTHERWISE"))
_SYNC = TOP | ITEMS | CLAUSES | BRANCHES

_STAND_INS: dict[str, tuple[tuple[str, str], ...]] = {
    "": (("GUIDELINE", "guideline"), ("STRING", '"_"')),
    "SECTION": (("SECTION", "section"), ("NAME", "_"), ("COLON", ":")),
    "RULE": (("RULE", "rule"), ("NAME", "_"), ("COLON", ":")),
    "CLASSIFY": (("CLASSIFY", "classify"), ("NAME", "_"), ("COLON", ":")),
}
"""The header put in place of a broken one (by the keyword of the unit; "" for the file's own header)."""


@dataclass(frozen=True, slots=True)
class _Where:
    """The keywords of the enclosing declaration and item, the last clause keyword, and whether the parser is
    inside an entry's ``[...]`` (where ``evidence`` does not start a clause)."""

    decl: str = ""
    item: str = ""
    clause: str = ""
    brackets: bool = False

    def context(self) -> Context:
        unit = self.item or self.decl
        return Context(unit.lower(), self.clause.lower())


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    """The parser state just before ``keyword`` opened a unit, at nesting ``level`` (0 the file's header, 1 a
    declaration, 2 a rule/cover/todo or a branch, 3 a clause)."""

    level: int
    keyword: str
    state: Any
    where: _Where

    def heads(self, kind: str, at: Token) -> tuple[tuple[Token, ...], ...]:
        """How parsing may resume here at a keyword of this kind: the tokens to feed before it - none (a sibling
        of this unit, or a unit around it) or a stand-in header (a unit inside this one, whose header broke).
        Never both: the state before a rule also takes ``when`` as the guard of a cover before it."""
        level, keyword = self.level, self.keyword
        inner = ((level == 0 and kind in TOP) or (keyword == "SECTION" and kind in ITEMS)
                 or (keyword == "CLASSIFY" and kind == "WHEN") or (keyword == "RULE" and kind in CLAUSES))
        if inner:
            return (tuple(Token(k, v, at.start_pos, at.line, at.column, at.line, at.column, at.start_pos)
                          for k, v in _STAND_INS[keyword if level else ""]),)
        sibling = level > 0 and (kind in TOP or (level == 2 and self.where.decl == "SECTION" and kind in ITEMS)
                                 or (level == 2 and self.where.decl == "CLASSIFY" and kind in BRANCHES)
                                 or (level == 3 and kind in ITEMS | CLAUSES))
        return ((),) if sibling else ()


Diagnose = Callable[[UnexpectedInput, Context], Diagnostic]


class Recovery:
    """One recovering parse of ``text``; :meth:`run` gives the diagnostics and the tree of what parsed."""

    def __init__(self, parser: Lark, text: str, diagnose: Diagnose, limit: int) -> None:
        self._text = text
        self._diagnose = diagnose
        self._limit = limit
        self._ip: InteractiveParser = parser.parse_interactive(text)
        self._state = self._ip.parser_state
        self._where = _Where()
        self._stack = [_Checkpoint(0, "", self._state.copy(deepcopy_values=False), self._where)]
        self._skipping = False
        self.diagnostics: list[Diagnostic] = []

    def run(self) -> Tree[Token] | None:
        """Parse to the end (or to the limit); the tree of the file without its broken units, or None."""
        last_line = 0
        last: Token | None = None
        for item in self._stream():
            if isinstance(item, UnexpectedCharacters):
                if not self._skipping:
                    self._report(item)
                    self._skipping = True
                if self._full():
                    return None
                continue
            tok = item
            first_on_line = (tok.line or 0) != last_line
            last_line = tok.end_line or tok.line or 0
            last = tok
            if not self._skipping:
                try:
                    self._step(tok)
                    continue
                except UnexpectedToken as err:
                    self._report(err)
                    self._skipping = True
                    if self._full():
                        return None
            if first_on_line and tok.type in _SYNC:
                self._resume(tok)
        return self._finish(Token.new_borrow_pos("$END", "", last) if last else Token("$END", "", 0, 1, 1))

    def _finish(self, end: Token) -> Tree[Token] | None:
        if not self._skipping:
            try:
                return self._state.feed_token(end, True)  # type: ignore[no-any-return]
            except UnexpectedToken as err:
                self._report(err)
        for cp in reversed(self._stack):  # only for the tree: the first checkpoint that can end the file
            state = cp.state.copy(deepcopy_values=False)
            try:
                for tok in cp.heads("INPUT", end)[0] if cp.level == 0 else ():
                    state.feed_token(tok)
                return state.feed_token(end, True)  # type: ignore[no-any-return]
            except UnexpectedToken:
                continue
        return None

    def _full(self) -> bool:
        return len(self.diagnostics) >= self._limit

    def _stream(self) -> Iterator[Token | UnexpectedCharacters]:
        """The file's tokens; a character the lexer rejects is passed on as its error and skipped (an unterminated
        string with the rest of its line, since what follows its quote was meant as text)."""
        thread = self._ip.lexer_thread
        assert thread.state is not None  # parse_interactive(text) gives the thread its text
        counter = thread.state.line_ctr
        while True:
            try:
                yield from thread.lexer.lex(thread.state, self._state)
                return
            except UnexpectedCharacters as err:
                yield err
                pos = counter.char_pos
                end = pos + 1
                if self._text[pos] == '"':
                    newline = self._text.find("\n", pos)
                    end = len(self._text) if newline < 0 else newline
                counter.feed(self._text[pos:end])

    def _step(self, tok: Token) -> None:
        """Feed one token, first keeping a checkpoint when it opens a unit (kept only if the parser takes it)."""
        kind = tok.type
        w = self._where
        level = 0
        after = w
        if kind in TOP:
            level, after = 1, _Where(kind)
        elif kind in ITEMS and w.decl == "SECTION":
            level, after = 2, _Where(w.decl, kind)
        elif kind in CLAUSES and w.item == "RULE" and not w.brackets:
            level, after = 3, _Where(w.decl, w.item, kind)
        elif kind in BRANCHES and w.decl == "CLASSIFY":
            level = 2
        elif kind in ("LSQB", "RSQB") and w.item == "RULE":
            after = _Where(w.decl, w.item, w.clause, kind == "LSQB")
        before = self._state.copy(deepcopy_values=False) if level else None
        self._state.feed_token(tok)
        if before is not None:
            self._stack = [c for c in self._stack if c.level < level] + [_Checkpoint(level, kind, before, w)]
        self._where = after

    def _resume(self, tok: Token) -> None:
        """Resume at ``tok`` from the innermost checkpoint that takes it (directly, or after a stand-in header)."""
        for i in range(len(self._stack) - 1, -1, -1):
            cp = self._stack[i]
            for head in cp.heads(tok.type, tok):
                trial = cp.state.copy(deepcopy_values=False)
                try:
                    for h in (*head, tok):
                        trial.feed_token(h)
                except UnexpectedToken:
                    continue
                self._stack = self._stack[:max(i, 1)]
                self._state = cp.state.copy(deepcopy_values=False)
                self._where = cp.where
                for h in (*head, tok):
                    self._step(h)
                self._skipping = False
                return

    def _report(self, err: UnexpectedInput) -> None:
        if isinstance(err, UnexpectedToken):
            err.interactive_parser = InteractiveParser(self._ip.parser, err.state, self._ip.lexer_thread)
        d = self._diagnose(err, self._where.context())
        if not self.diagnostics or self.diagnostics[-1] != d:
            self.diagnostics.append(d)
