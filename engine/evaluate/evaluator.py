"""The evaluator: everything that runs cases on a compiled guideline, and owns what it builds for that.

:class:`Evaluator` reads a :class:`~engine.compile.guideline.CompiledGuideline` (frozen data) and keeps, for
itself, what makes evaluation fast: the generated all-known fast path (written per rule,
engine/evaluate/rulecode.py; built on first use: ``check`` and ``render`` compile guidelines they never evaluate),
the generated partial path and branch finder with the memoised walks (:class:`engine.evaluate.walk.SlowMemo`), the
per-rule ``because`` functions and the per-leaf sets of active rules. Nothing here writes into the compiled data,
so one compiled guideline may have several evaluators.

Which leaves a case reaches (:meth:`Evaluator.reach`) is answered here too, for coverage and for ``render
--case``, from the same walk that evaluation uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from engine.compile.guideline import CompiledGuideline, LeafKey
from engine.compile.theory import Decider, theory_for
from engine.core.derive import deriver
from engine.core.model import FactValue, Interval
from engine.core.walk import inputs_read
from engine.evaluate.assemble import BecauseFn
from engine.evaluate.because import because_functions, rule_getters
from engine.evaluate.codegen import branches_function, partial_evaluator
from engine.evaluate.fast import FastPath, build_fast
from engine.evaluate.result import Result, new_lazy_derived
from engine.evaluate.rulefast import build_rule_fast
from engine.evaluate.verdicts import Deriver
from engine.evaluate.walk import SlowMemo, active_sets, branches, evaluate_slow, reach_values


class Evaluator:
    """Runs cases on ``compiled`` (facts already checked: see ``engine.cases.facts``)."""

    def __init__(self, compiled: CompiledGuideline) -> None:
        self.compiled = compiled
        self._because: list[BecauseFn] | None = None
        self._fast: FastPath | None = None
        self._diagram_fast: FastPath | None = None
        self._slow: SlowMemo | None = None
        self._active: dict[LeafKey, frozenset[int]] | None = None
        model = compiled.model
        self._assumed = tuple(dict.fromkeys(n for a in model.assumptions for n in inputs_read(a.expr, model)))
        self._possible: dict[tuple[FactValue | None, ...], bool] = {}
        self._deriver: Deriver | None = None
        self.with_derived: Callable[[Mapping[str, object]], Mapping[str, object]]
        base = deriver(model, {v.input: v.branches for v in compiled.vars if v.numeric and v.input in model.derived})
        theory = theory_for(model, compiled.vars) if model.derived else None
        if theory is not None and any(d.how == "relation" for d in theory.derived):
            asked = {v.input for v in compiled.vars if v.kind == "known"}  # 'x is known' must stay false
            decide = Decider(theory, model, {v.input: tuple(c for c in v.branches if isinstance(c, Interval))
                                             for v in compiled.vars if v.numeric and v.input not in asked})

            def with_derived(facts: Mapping[str, object]) -> Mapping[str, object]:
                full = base(facts)
                refined = decide(dict(full))
                return base(refined) if refined is not full and len(refined) != len(full) else full

            self.with_derived = with_derived
        else:
            self.with_derived = base
        self._derives = bool(model.derived)
        """Whether :attr:`with_derived` adds anything (else it is the identity, and the hot path skips the call)."""
        self._named = tuple(d.name for d in model.derived.values()
                            if d.how in ("classification", "score", "formula") and d.name.isidentifier())
        """Facts -> the facts with the derived values they decide (engine.core.derive): what every path reads."""

    @property
    def deriver(self) -> Deriver:
        """What derives each result's verdicts and actions not addressed (attached lazily to every result)."""
        if self._deriver is None:
            self._deriver = Deriver(self.compiled)
        return self._deriver

    @property
    def because_of(self) -> list[BecauseFn]:
        """Per rule, the generated ``because`` function."""
        if self._because is None:
            self._because = because_functions(self.compiled.model)
        return self._because

    @property
    def fast(self) -> FastPath:
        """The generated all-known path: a result, or None when an input the diagrams read is missing. It is
        written per rule (engine/evaluate/rulecode.py); should Python refuse the source (a rule whose diagram
        nests past the parser's hundred levels of indentation), the section diagrams' code answers instead."""
        if self._fast is None:
            try:
                self._fast = build_rule_fast(self.compiled, self.because_of, self.deriver.derive)
            except (SyntaxError, RecursionError, MemoryError):
                self._fast = self.diagram_fast
        return self._fast

    @property
    def diagram_fast(self) -> FastPath:
        """The all-known path generated from the section diagrams (engine/evaluate/fast.py): the same answers as
        :attr:`fast`, which the tests compare it with, and its stand-in when the per-rule source cannot be
        compiled."""
        if self._diagram_fast is None:
            self._diagram_fast = build_fast(self.compiled, self.because_of, self.deriver.derive)
        return self._diagram_fast

    @property
    def active(self) -> dict[LeafKey, frozenset[int]]:
        """Per leaf key, the rules active there."""
        if self._active is None:
            self._active = active_sets(self.compiled)
        return self._active

    @property
    def slow(self) -> SlowMemo:
        """The memoised walks with the generated partial path."""
        if self._slow is None:
            g = self.compiled
            partial, keys = partial_evaluator(g)
            self._slow = SlowMemo(g, partial, keys, branches_function(g), rule_getters(g.model), self.because_of,
                                  self.active)
        return self._slow

    def prepare(self) -> None:
        """Generate the fast path now (a library user timing cases does not want the first one to pay for it)."""
        _ = self.fast

    def evaluate(self, facts: Mapping[str, FactValue], case_id: str | None = None) -> Result:
        """The result of one case whose facts are checked (missing inputs are unknown; see
        engine/evaluate/walk.py). The fast path's result comes with its lazy verdicts attached; this is the
        per-case entry point, so it does no more than dispatch (a guideline of ten rules takes about 2 us)."""
        if self._derives:
            facts = self.with_derived(facts)  # type: ignore[assignment]
        res = (self._fast or self.fast)(facts, case_id)
        if res is None:
            res = evaluate_slow(self.slow, facts, case_id)
            object.__setattr__(res, "derived", new_lazy_derived((self.deriver.derive, facts)))
        if self._named:
            object.__setattr__(res, "values", tuple((n, facts.get(n)) for n in self._named))
        return res

    def walk(self, facts: Mapping[str, FactValue], case_id: str | None = None) -> Result:
        """The result by the memoised walk alone (the fast path's twin, which the tests compare it with)."""
        facts = self.with_derived(facts)  # type: ignore[assignment]
        res = evaluate_slow(self.slow, facts, case_id)
        object.__setattr__(res, "derived", new_lazy_derived((self.deriver.derive, facts)))
        if self._named:
            object.__setattr__(res, "values", tuple((n, facts.get(n)) for n in self._named))
        return res

    def possible(self, facts: Mapping[str, FactValue]) -> bool:
        """Whether some patient the assumptions allow has these (checked) facts: the assumptions are checked one
        by one when facts are loaded, and this is the exact check of all of them together (a case may satisfy
        each alone and no completion of its unknown inputs satisfies them all; such a case would silently get
        an empty result)."""
        facts = self.with_derived(facts)  # type: ignore[assignment]
        key = tuple(map(facts.get, self._assumed))
        found = self._possible.get(key)
        if found is None:  # memoised on the inputs the assumptions read: cohort rows repeat them
            g = self.compiled
            known = {n: v for n, v in zip(self._assumed, key, strict=True) if v is not None}
            found = True in reach_values(g, g.assume_node, branches(g, known))
            if len(self._possible) >= 50_000:
                self._possible.clear()
            self._possible[key] = found
        return found

    def decided_by_each(self, facts: Mapping[str, FactValue]) -> bool:
        """Whether the facts give every input the assumptions read: then each assumption is true or false, the
        case loader has checked each, and :meth:`possible` has nothing to add."""
        return all(facts.get(n) is not None for n in self._assumed)

    def reach(self, root: str, facts: Mapping[str, FactValue]) -> tuple[set[str], set[tuple[str, str]]]:
        """The graph nodes and edges below the graph root ``root`` (a section's, or a wide section's rule's) that
        a case with ``facts`` may pass: the walk of evaluation, which follows the case's branch of a known input
        and every branch of an unknown one (``known:x`` is answered by whether ``x`` is given), named by the
        graph's ids. Leaves the assumptions rule out are included (they are in the graph); callers that count
        leaves skip them."""
        g = self.compiled
        facts = self.with_derived(facts)  # type: ignore[assignment]
        drawn = g.drawn[root]
        ids, m = drawn.ids, g.mdd
        branch = branches(g, {k: v for k, v in facts.items() if v is not None})
        nodes: set[str] = set()
        edges: set[tuple[str, str]] = set()
        stack = [drawn.node]
        while stack:
            n = stack.pop()
            nid = ids[n]
            if nid in nodes:
                continue
            nodes.add(nid)
            if m.is_terminal(n):
                continue
            b = branch[m.level(n)]
            kids = m.children(n) if b is None else (m.children(n)[b],)
            for c in kids:
                edges.add((nid, ids[c]))
                stack.append(c)
        return nodes, edges

    def evaluate_many(self, cases: Iterable[Mapping[str, FactValue]]) -> list[Result]:
        """:meth:`evaluate` on each case in order (case ids None), with the dispatch hoisted out of the loop."""
        fast = self.fast
        derive = self.deriver.derive
        setattr_ = object.__setattr__
        out: list[Result] = []
        append = out.append
        add = self.with_derived
        named = self._named
        if self.compiled.model.derived:
            cases = map(add, cases)  # type: ignore[arg-type]
        for facts in cases:
            res = fast(facts, None)
            if res is None:  # the memoised walk (and its generated partial path) is built only when a case needs it
                res = evaluate_slow(self.slow, facts, None)
                setattr_(res, "derived", new_lazy_derived((derive, facts)))
            if named:
                setattr_(res, "values", tuple((n, facts.get(n)) for n in named))
            append(res)
        return out
