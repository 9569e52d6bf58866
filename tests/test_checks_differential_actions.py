"""Differential test of the action constructs of issue 14 (the weak negative ``may_omit``, adjustments) against
the brute force of tests/test_checks_differential.py, which shares no code with the compiler or the checker.

Random generated guidelines are given weak negatives (some entries turned into ``may_omit``) and adjustments
(some rules adjust an action's ``dose``); then conflicts and gaps must still equal the brute force (a weak
negative is a negative), and the adjustment check's regions must equal the points where the brute force finds an
adjustment in force (its rule decided active) while a rule decided active gives the action a positive strength:
alone (W215 when there is no such point) and for two adjustments with different values (W214).
"""

from __future__ import annotations

import dataclasses
import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checks_differential import analyse, compare, model_of, points_in

from engine.checks.adjustments import adjustment_regions, adjustments
from engine.compile.compiler import compile
from engine.core.model import Adjustment, Model, Quantity, Strength


def with_actions(model: Model, seed: int) -> Model:
    """``model`` with some entries weakly negative and some rules adjusting an action they do not give."""
    rng = random.Random(seed)
    actions = sorted(model.actions)
    rules = []
    for r in model.rules:
        entries = tuple(dataclasses.replace(e, strength=Strength.MAY_OMIT, prevails=False)
                        if not e.one_of and rng.random() < 0.3 else e for e in r.entries)
        free = [a for a in actions if a not in {e.action for e in entries}]
        adjusts = r.adjusts
        if free and rng.random() < 0.4:
            adjusts = (Adjustment(rng.choice(free), (("dose", Quantity(rng.choice((1, 2)), "mg")),)),)
        rules.append(dataclasses.replace(r, entries=entries, adjusts=adjusts))
    return dataclasses.replace(model, rules=tuple(rules))


def compare_adjustments(model: Model) -> int:
    """The adjustment regions against the brute force; returns how many were not empty (to see the test bite)."""
    g = compile(model)
    truth = analyse(model)
    names = [r.name for r in model.rules]
    by_rule = {(ri, a.action): a for ri, a in model.adjustments}
    given: dict[str, set] = {}  # type: ignore[type-arg]
    for r in model.rules:
        for e in r.entries:
            if e.strength.positive:
                given.setdefault(e.action, set()).update(truth.active[r.name])
    seen = 0
    for (ra, rb, action), sp, region in adjustment_regions(g):
        pts = points_in(g, sp.m, region, truth.points)
        want = truth.active[names[ra]] & truth.active[names[rb]] & given.get(action, set())
        assert pts == want, (names[ra], names[rb], action)
        seen += bool(pts)
    pairs = {(ra, rb, a) for (ra, a), (rb, b) in itertools.combinations(by_rule, 2) if a == b
             and dict(by_rule[ra, a].params)["dose"] != dict(by_rule[rb, b].params)["dose"]}
    found = {(ra, rb, a) for (ra, rb, a), _, _ in adjustment_regions(g) if ra != rb}
    assert found == pairs
    codes = [d.code for d in adjustments(g)]
    idle = sum(1 for ri, a in model.adjustments
               if not truth.active[names[ri]] & given.get(a.action, set()))
    assert codes.count("W215") == idle
    return seen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_rules=st.integers(1, 12), n_inputs=st.integers(2, 4), seed=st.integers(0, 10**6))
def test_weak_negatives_and_adjustments_equal_brute_force(n_rules: int, n_inputs: int, seed: int) -> None:
    model = with_actions(model_of(n_rules, n_inputs, seed), seed)
    compare(model)
    compare_adjustments(model)


def test_the_comparison_is_not_vacuous() -> None:
    """Weak negatives and adjustments that meet recommendations occur in these models."""
    weak = hits = 0
    for seed in range(15):
        model = with_actions(model_of(12, 3, seed), seed)
        weak += sum(e.strength is Strength.MAY_OMIT for r in model.rules for e in r.entries)
        compare(model)
        hits += compare_adjustments(model)
    assert weak >= 10 and hits >= 5
