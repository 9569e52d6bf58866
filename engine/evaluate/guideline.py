"""What ``engine.load`` returns: a compiled guideline with its evaluator and its fact checker.

:class:`Guideline` composes the three pieces the pipeline keeps apart: the frozen compiled data
(``engine.compile``), the :class:`~engine.evaluate.evaluator.Evaluator` that runs cases, and the
:class:`~engine.cases.facts.FactChecker` that checks facts from Python as the case loader checks files. It keeps
the library's public surface in one place: ``g.evaluate``, ``g.evaluate_many``, ``g.check_facts``, and the
compiled ``g.model``, ``g.graph``, ``g.roots`` (the contract of docs/graph.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import networkx as nx

from dsl.diagnostics import Diagnostic
from dsl.span import NO_SPAN, Span
from engine.cases.facts import FactChecker
from engine.compile.guideline import CompiledGuideline
from engine.core.errors import CaseError
from engine.core.model import FactValue, Model
from engine.evaluate.evaluator import Evaluator
from engine.evaluate.result import Result


class Guideline:
    """A compiled guideline ready to run cases."""

    def __init__(self, compiled: CompiledGuideline) -> None:
        self.compiled = compiled
        self.evaluator = Evaluator(compiled)
        self._checker: FactChecker | None = None

    @property
    def model(self) -> Model:
        return self.compiled.model

    @property
    def graph(self) -> nx.DiGraph:
        return self.compiled.graph

    @property
    def roots(self) -> dict[str, str]:
        return self.compiled.roots

    @property
    def part_roots(self) -> dict[str, tuple[str, ...]]:
        return self.compiled.part_roots

    @property
    def order(self) -> tuple[str, ...]:
        return self.compiled.order

    def case_path(self, section: str, facts: Mapping[str, FactValue]) -> tuple[set[str], set[tuple[str, str]]]:
        """The nodes and edges of ``section``'s diagram in ``graph`` that a case with (checked) ``facts`` may pass
        (:meth:`Evaluator.reach`): what ``render --case`` highlights. A wide section has no diagram: nothing."""
        root = self.compiled.roots.get(section)
        return (set(), set()) if root is None else self.evaluator.reach(root, facts)

    def check_facts(self, facts: Mapping[str, Any]) -> dict[str, FactValue]:
        """``facts`` checked against the declared inputs and converted to their values, or
        :class:`engine.core.errors.CaseError` naming every problem (see :class:`FactChecker`)."""
        if self._checker is None:
            self._checker = FactChecker(self.compiled.model)
        checked = self._checker(facts)
        ev = self.evaluator
        if self.compiled.model.assumptions and not ev.decided_by_each(checked) and not ev.possible(checked):
            raise CaseError([replace(self._checker.checker.jointly_broken("facts", checked, NO_SPAN), span=None)])
        return checked

    def impossible(self, facts: Mapping[str, FactValue]) -> Callable[[str, Span], Diagnostic] | None:
        """None when some patient the assumptions allow has these checked ``facts`` (the case loader checked
        each assumption alone); else what builds the E311 for them, given the case's label and span (built only
        for the few cases that need it: a cohort checks every row)."""
        ev = self.evaluator
        if not self.compiled.model.assumptions or ev.decided_by_each(facts) or ev.possible(facts):
            return None
        if self._checker is None:
            self._checker = FactChecker(self.compiled.model)
        checker = self._checker.checker
        return lambda label, span: checker.jointly_broken(label, facts, span)

    def evaluate(self, facts: Mapping[str, FactValue], case_id: str | None = None, *,
                 validate: bool = True) -> Result:
        """Evaluate one case (missing inputs are unknown). The facts are first checked (:meth:`check_facts`,
        raising ``CaseError``) unless ``validate=False`` says they already were, as the case loader's are."""
        return self.evaluator.evaluate(self.check_facts(facts) if validate else facts, case_id)

    def evaluate_many(self, cases: Iterable[Mapping[str, FactValue]], *, validate: bool = True) -> list[Result]:
        """Evaluate cases in order (case ids None); the same results as :meth:`evaluate` one by one. With
        ``validate`` every case is checked first, and an invalid one raises ``CaseError`` before anything is
        evaluated."""
        if validate:
            cases = [self.check_facts(facts) for facts in cases]
        return self.evaluator.evaluate_many(cases)
