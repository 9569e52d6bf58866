"""Evaluation throughput of guidegraph against the engines a user would pick instead.

For each generated rule set (``bench.peer_rulesets``) every engine evaluates the same cases; its answers (the set
of rules that fire per case) are checked equal to guidegraph's on every case before its time counts. Peers are
optional (``pip install .[bench]``): a peer that is not installed is reported as skipped, with the reason.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench import peer_rulesets as gen

Case = dict[str, Any]
Answers = list[frozenset[str]]


def _timed(fn: Callable[[], Answers]) -> tuple[Answers, float]:
    """``fn()`` and its time, started with the garbage collector's generations empty: a collection of the whole
    heap (objects the harness and the engines timed before made) otherwise fell on whichever engine's pass
    happened to cross the threshold, and doubled a 4 ms pass (guidegraph at 10 rules: 270,000 cases/s with it,
    600,000 without); now a pass pays only for the collections its own allocations cause."""
    gc.collect()
    t0 = time.perf_counter()
    answers = fn()
    return answers, time.perf_counter() - t0


def _guidegraph_engine(rs: gen.RuleSet, validate: bool
                       ) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    import engine

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "generated.rules")
        with open(path, "w", encoding="utf-8") as f:
            f.write(gen.to_guidegraph(rs))
        guideline = engine.load(path)

    def one(case: Case) -> frozenset[str]:
        return frozenset(r.rule for r in guideline.evaluate(case, validate=validate).recommendations)

    def batch(cases: Sequence[Case]) -> Answers:
        return [frozenset(r.rule for r in res.recommendations)
                for res in guideline.evaluate_many(cases, validate=validate)]

    return one, batch


def _guidegraph(rs: gen.RuleSet) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    """Evaluation of facts already checked, as ``guidegraph run`` evaluates a loaded cohort and as the peers
    evaluate (none of them checks its input against a schema)."""
    return _guidegraph_engine(rs, validate=False)


def _guidegraph_validating(rs: gen.RuleSet
                           ) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    """The default Python API: every case's facts are checked against the declared inputs first."""
    return _guidegraph_engine(rs, validate=True)


def _zen(rs: gen.RuleSet) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    import zen

    content = gen.to_zen(rs)
    decision = zen.ZenEngine().create_decision(content)
    batch_engine = zen.ZenEngine({"loader": lambda key: content})

    def via_decision(case: Case) -> frozenset[str]:
        return frozenset(row["rule"] for row in decision.evaluate(case)["result"])

    def via_engine(case: Case) -> frozenset[str]:
        return frozenset(row["rule"] for row in batch_engine.evaluate("rules", case)["result"])

    # zen-engine has two ways to evaluate one case; it is timed through the faster on this rule set (the engine
    # with a loader was about twice as fast as ZenDecision.evaluate at 10 rules), so the ratio is fair to it
    sample = gen.cases(200, seed=rs.n_rules + 7)
    one = min((via_decision, via_engine), key=lambda f: _timed(lambda: [f(c) for c in sample])[1])

    def batch(cases: Sequence[Case]) -> Answers:
        out = batch_engine.evaluate_batch([{"key": "rules", "context": c} for c in cases])
        return [frozenset(row["rule"] for row in item["data"]["result"]) for item in out]

    return one, batch


def _rule_engine(rs: gen.RuleSet) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    import rule_engine

    rules = [(name, rule_engine.Rule(expr)) for name, expr in gen.to_rule_engine(rs)]

    def one(case: Case) -> frozenset[str]:
        return frozenset(name for name, rule in rules if rule.matches(case))

    def batch(cases: Sequence[Case]) -> Answers:
        fired: list[set[str]] = [set() for _ in cases]
        index = {id(c): i for i, c in enumerate(cases)}
        for name, rule in rules:
            for c in rule.filter(cases):
                fired[index[id(c)]].add(name)
        return [frozenset(s) for s in fired]

    return one, batch


def _python(rs: gen.RuleSet) -> tuple[Callable[[Case], frozenset[str]], Callable[[Sequence[Case]], Answers]]:
    namespace: dict[str, Any] = {}
    exec(compile(gen.to_python(rs), "<hand-written floor>", "exec"), namespace)  # our own generated source
    fn = namespace["evaluate"]

    def one(case: Case) -> frozenset[str]:
        return frozenset(fn(case))

    def batch(cases: Sequence[Case]) -> Answers:
        return [frozenset(fn(c)) for c in cases]

    return one, batch


ENGINES: dict[str, Callable[[gen.RuleSet], Any]] = {
    "guidegraph": _guidegraph,
    "guidegraph, checking facts": _guidegraph_validating,
    "zen-engine": _zen,
    "rule-engine": _rule_engine,
    "python (hand-written)": _python,
}
REQUIRES = {"zen-engine": "zen", "rule-engine": "rule_engine"}


def _available(name: str) -> str | None:
    """None when the engine can run, else why it is skipped."""
    module = REQUIRES.get(name)
    if module is None:
        return None
    try:
        __import__(module)
    except ImportError:
        return f"not installed (pip install '.[bench]' installs {name})"
    return None


def run(sizes: Sequence[int] = (10, 100, 1000), n_cases: int = 2000) -> list[dict[str, Any]]:
    """One row per (rule set, engine): cases/s one at a time and in a batch, or why it was skipped."""
    rows: list[dict[str, Any]] = []
    for size in sizes:
        rs = gen.generate(size, seed=size)
        cases = gen.cases(n_cases if size < 1000 else max(200, n_cases // 4), seed=size + 1)
        reference: Answers | None = None
        for name, make in ENGINES.items():
            row: dict[str, Any] = {"rules": size, "engine": name, "cases": len(cases)}
            reason = _available(name)
            if reason:
                rows.append({**row, "skipped": reason})
                continue
            one, batch = make(rs)
            answers, single_s = _timed(lambda one=one, cases=cases: [one(c) for c in cases])
            batch_answers, batch_s = _timed(lambda batch=batch, cases=cases: batch(cases))
            if reference is None:
                reference = answers
            bad = sum(a != b for a, b in zip(reference, answers, strict=True))
            bad += sum(a != b for a, b in zip(reference, batch_answers, strict=True))
            if bad:
                rows.append({**row, "skipped": f"answers differ from guidegraph's on {bad} evaluations"})
                continue
            rows.append({**row, "single_cps": len(cases) / single_s, "batch_cps": len(cases) / batch_s,
                         "fired_per_case": sum(map(len, answers)) / len(cases)})
    return rows
