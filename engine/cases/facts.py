"""Checking facts that come from Python (``Guideline.evaluate``) exactly as case files are checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NoReturn

from dsl.diagnostics import Diagnostic
from dsl.span import NO_SPAN
from engine.cases.validate import CaseChecker
from engine.cases.values import BadValue, accepter
from engine.core.errors import CaseError
from engine.core.model import FactValue, Model


class FactChecker:
    """Facts from Python checked as the case loader checks files: the case loader's converters and assumption
    checks for one model, built once, behind a per-input cheap acceptance test. ``checker(facts)`` returns the
    facts converted to their values, or raises :class:`CaseError` naming every unknown input (with "did you
    mean"), wrong type, value out of range or not allowed, and broken ``assume``. Values that already are exact
    (an enum member, a bool, a number in range) pass the cheap test; only the others go through the converters
    that also write the messages."""

    def __init__(self, model: Model) -> None:
        self.checker = CaseChecker(model)
        self.accept = {name: accepter(inp) for name, inp in model.inputs.items()}
        self.assumptions = [holds for _, holds, _ in self.checker.assumptions]

    def __call__(self, facts: Mapping[str, Any]) -> dict[str, FactValue]:
        if not isinstance(facts, dict | Mapping):
            self._fail([Diagnostic("E305", "error", "facts must be a mapping of input names to values, "
                                                    f"got {type(facts).__name__}")])
        accept = self.accept
        out: dict[str, FactValue] = {}
        slow: list[tuple[Any, Any]] = []
        for name, raw in facts.items():
            ok = accept.get(name) if type(name) is str else None
            if ok is not None and ok(raw):
                out[name] = raw
            elif raw is not None:
                slow.append((name, raw))
        if slow:
            self._convert(slow, out)
        full = self.checker.derive(out)
        for holds in self.assumptions:
            if holds(full) is False:
                self._fail(self.checker.check_assumptions("facts", out, NO_SPAN))
        return out

    def _convert(self, items: list[tuple[Any, Any]], out: dict[str, FactValue]) -> None:
        checker = self.checker
        diags: list[Diagnostic] = []
        for name, raw in items:
            convert = checker.converters.get(name) if isinstance(name, str) else None
            if convert is None:
                diags.append(checker.unknown_input("facts", str(name), NO_SPAN))
                continue
            try:
                out[name] = convert(raw)
            except BadValue as bad:
                diags.append(checker.bad_value("facts", name, bad, NO_SPAN))
        if diags:
            self._fail(diags)

    @staticmethod
    def _fail(diags: list[Diagnostic]) -> NoReturn:
        raise CaseError([replace(d, span=None) for d in diags])
