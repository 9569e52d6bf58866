"""The brute-force check of ``guidegraph diff`` shared by tests/test_diff.py and tests/test_fuzz_mutants.py.

Every allowed complete patient checked (all of them when there are few, else a sample and a point of every
region) is in exactly the regions whose change the reference evaluator (engine/evaluate/reference.py, no
diagrams) shows between the two versions.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable

from engine.core.model import Model
from engine.diff.compare import diff
from engine.diff.keys import NOTHING, keys_of_result
from engine.evaluate.reference import evaluate_direct


def agrees_with_reference(old: Model, new: Model, seed: int, every_below: int = 30, sample: int = 30) -> None:
    """Assert the check above; every patient when the joint space has at most ``every_below`` points, else
    ``sample`` random ones and one in each region."""
    d = diff(old, new, describe=False)
    m, vs = d.mdd, d.joint.vars
    total = 1
    for v in vs:
        total *= len(v.branches)
    points: Iterable[tuple[int, ...]]
    if total <= every_below:
        points = itertools.product(*[range(len(v.branches)) for v in vs])
    else:
        rng = random.Random(seed)
        chosen = [tuple(rng.randrange(len(v.branches)) for v in vs) for _ in range(sample)]
        for r in d.regions:
            path = m.witness(r.node, True)
            assert path is not None
            chosen.append(tuple(path.get(lv, rng.randrange(len(v.branches))) for lv, v in enumerate(vs)))
        points = chosen
    for point in points:
        if m.evaluate(d.care, point) is not True:
            continue
        facts = d.joint.facts_of(dict(enumerate(point)), complete=True)
        a = keys_of_result(evaluate_direct(old, facts))
        b = keys_of_result(evaluate_direct(new, facts))
        expected = {(act, a.get(act, NOTHING), b.get(act, NOTHING)) for act in {*a, *b}
                    if a.get(act, NOTHING) != b.get(act, NOTHING)}
        found = {(r.action, r.old, r.new) for r in d.regions if m.evaluate(r.node, point) is True}
        assert found == expected, facts
