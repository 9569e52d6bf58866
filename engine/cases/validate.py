"""Validating one patient case against a guideline's inputs and assumptions, before anything is evaluated.

Every problem of a case is collected (not just the first), each as a Diagnostic naming the file and line, the case
(by id, or by position when it has none), the input, and what the input allows. A case with any error is not
returned: evaluation only ever sees facts that are typed, in range and consistent with the ``assume``s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dsl.diagnostics import Diagnostic, Note, did_you_mean
from dsl.span import Span
from engine.cases.files import Locator, Path_
from engine.cases.values import BadValue, Converter, converter, describe
from engine.core.derive import deriver
from engine.core.model import Assumption, Model
from engine.core.semantics import kleene
from engine.core.walk import inputs_read
from engine.evaluate.result import FactValue

CASE_KEYS = ("id", "description", "facts", "expect")


@dataclass(frozen=True, slots=True)
class Case:
    """A validated patient case. ``line`` is where it starts in ``file``; ``path`` is its place in the document
    (``(2,)`` for the third case of a list), so ``span("expect", "recommend")`` can point into it."""

    id: str
    description: str | None
    facts: dict[str, FactValue]
    expect: Mapping[str, Any] | None
    file: str
    line: int
    locator: Locator | None = field(default=None, compare=False, repr=False)
    path: Path_ = field(default=(), compare=False, repr=False)

    def span(self, *keys: str | int, key: bool = False) -> Span:
        """The span of a key (``key=True``) or value inside this case, falling back to the case's first line."""
        if self.locator is not None:
            found = self.locator.key((*self.path, *keys)) if key else self.locator.value((*self.path, *keys))
            if found is not None:
                return found
        return Span(self.file, self.line, 1, self.line, 2)


def case_label(case_id: Any, index: int, prefix: str = "case #") -> str:
    """``case 'p1'`` when the case has an id, else its 1-based position (``case #3``)."""
    if isinstance(case_id, str | int) and not isinstance(case_id, bool):
        return f"case '{case_id}'"
    return f"{prefix}{index}"


def _err(code: str, message: str, span: Span, help: str | None = None, notes: tuple[Note, ...] = ()) -> Diagnostic:
    return Diagnostic(code, "error", message, span, help, notes)


class CaseChecker:
    """Validation context for one guideline: converters and compiled assumptions are built once."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.converters: dict[str, Converter] = {n: converter(i) for n, i in model.inputs.items()}
        self.text_converters: dict[str, Converter] = {n: converter(i, True) for n, i in model.inputs.items()}
        self.derive = deriver(model)
        self.assumptions = [(a, kleene(a.expr, model), model.reads_of(inputs_read(a.expr, model)))
                            for a in model.assumptions]
        self.ids: dict[str, tuple[str, int, int]] = {}

    def claim_id(self, case_id: str, file: str, line: int, column: int = 1) -> Diagnostic | None:
        """Record an explicit case id; a second use is an error pointing back at the first."""
        place = (file, line, column)
        seen = self.ids.setdefault(case_id, place)
        if seen is place:
            return None
        first = Span(seen[0], seen[1], seen[2], seen[1], seen[2] + 1)
        span = Span(file, line, column, line, column + 1)
        return _err("E312", f"case '{case_id}': duplicate case id", span, "give every case its own id",
                    (Note("the id is first used here", first),))

    # -- facts ----------------------------------------------------------------------------------------------------

    def unknown_input(self, label: str, name: str, span: Span) -> Diagnostic:
        d = self.model.derived.get(name)
        if d is not None and d.how != "relation":
            what = {"classification": "a classification", "score": "a score", "formula": "a formula",
                    "member": "a member of a set input"}[d.how]
            return _err("E307", f"{label}: '{name}' is {what} the guideline computes, not an input", span,
                        "give the inputs it is computed from instead: " + ", ".join(d.reads))
        return _err("E307", f"{label}: unknown input '{name}'", span,
                    did_you_mean(name, self.model.inputs) or "the inputs are declared in the rules file")

    def bad_value(self, label: str, name: str, bad: BadValue, span: Span) -> Diagnostic:
        code = "E309" if "out of range" in bad.message else "E310" if "not an allowed value" in bad.message \
            else "E308"
        return _err(code, f"{label}: input '{name}': {bad.message}", span, bad.help)

    def check_assumptions(self, label: str, facts: Mapping[str, FactValue], span: Span) -> list[Diagnostic]:
        out = []
        full = self.derive(facts)
        for assumption, holds, names in self.assumptions:
            if holds(full) is False:
                out.append(self._broken(label, assumption, names, facts, span))
        return out

    def jointly_broken(self, label: str, facts: Mapping[str, FactValue], span: Span) -> Diagnostic:
        """E311 for facts that break no assumption alone but the assumptions taken together: no value of the
        inputs the case leaves out satisfies all of them (found on the compiled diagrams, which are exact)."""
        full = self.derive(facts)
        undecided = [a for a, holds, _ in self.assumptions if holds(full) is None]
        texts = "; ".join(f"'{a.text or f'assume at {a.span}'}'" for a in undecided)
        missing = sorted({n for _, holds, names in self.assumptions if holds(full) is None for n in names
                          if n not in facts})
        notes = tuple(Note(f"an assumption is declared at {a.span}", a.span) for a in undecided if a.span.line)
        return _err("E311", f"{label} breaks the assumptions taken together: {texts} (no value of "
                    f"{', '.join(missing) or 'the missing inputs'} satisfies them all)", span,
                    "such a patient is impossible under the guideline: check the case's data", notes)

    def _broken(self, label: str, a: Assumption, names: list[str], facts: Mapping[str, FactValue],
                span: Span) -> Diagnostic:
        text = a.text or f"assume at {a.span}"
        shown = ", ".join(f"{n} = {_show(facts[n])}" for n in names if n in facts)
        notes = (Note(f"the assumption is declared at {a.span}", a.span),) if a.span.line else ()
        return _err("E311", f"{label} breaks the assumption '{text}' (with {shown})", span,
                    "such a patient is impossible under the guideline: check the case's data", notes)

    # -- whole cases (YAML/JSON) ------------------------------------------------------------------------------------

    def mapping_case(self, data: Any, file: str, index: int, path: Path_,
                     locator: Locator) -> tuple[Case | None, list[Diagnostic]]:
        """Validate one case of a YAML/JSON document (``index`` is 1-based, for messages)."""
        where: Callable[..., Span] = lambda *k, key=False: (  # noqa: E731
            (locator.key((*path, *k)) if key else locator.value((*path, *k))) or Span(file, 1, 1, 1, 2))
        if not isinstance(data, dict):
            what = describe(data)
            return None, [_err("E303", f"case #{index} must be a mapping with 'facts', got {what}", where(),
                               "a case file holds one case (id, description, facts, expect) or a list of them")]
        raw_id = data.get("id")
        label = case_label(raw_id, index)
        diags: list[Diagnostic] = []
        for key in data:
            if str(key) not in CASE_KEYS:
                diags.append(_err("E306", f"{label}: unknown key '{key}'", where(str(key), key=True),
                                  did_you_mean(str(key), CASE_KEYS) or f"a case has the keys {', '.join(CASE_KEYS)}"))
        if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
            diags.append(_err("E314", f"{label}: 'id' must be a string or a number, got {describe(raw_id)}",
                              where("id")))
        elif raw_id is not None:
            at = where("id")
            if dup := self.claim_id(str(raw_id), at.file, at.line, at.column):
                diags.append(dup)
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            diags.append(_err("E314", f"{label}: 'description' must be a string, got {describe(description)}",
                              where("description")))
        expect = data.get("expect")
        facts: dict[str, FactValue] = {}
        if "facts" not in data:
            diags.append(_err("E304", f"{label} has no 'facts'", where(),
                              "write the patient's data as 'facts: {input: value, ...}'"))
        elif not isinstance(data["facts"], dict):
            diags.append(_err("E305", f"{label}: 'facts' must be a mapping of input names to values, "
                                      f"got {describe(data['facts'])}", where("facts"),
                              "write 'facts: {}' for a patient with no data"))
        else:
            for name, raw in data["facts"].items():
                key = str(name)
                if key not in self.converters:
                    diags.append(self.unknown_input(label, key, where("facts", key, key=True)))
                elif raw is not None:  # null: explicitly unknown
                    try:
                        facts[key] = self.converters[key](raw)
                    except BadValue as bad:
                        diags.append(self.bad_value(label, key, bad, where("facts", key)))
            if not diags:
                diags.extend(self.check_assumptions(label, facts, where("facts", key=True)))
        if diags:
            return None, diags
        case_id = str(raw_id) if raw_id is not None else f"{file}#{index}"
        case = Case(case_id, description, facts, expect, file, where().line, locator, path)
        return case, []


def _show(v: FactValue) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
