"""A reproducible CSV cohort for ``guidegraph run``: one random patient per row, built from a model's declared
inputs.

Why a module of its own: the cohort benchmark (``python -m bench --only lms``) and the speed-equivalence tests
need the same cohorts, with and without missing values, and the same seed must always give the same file so that
timings and results can be compared across commits. Every row respects the model's assumptions (checked with
three-valued logic, so a row with a missing value is kept unless an assumption is definitely false for it);
a missing value is an empty cell, which the loader reads as an unknown input.

``python -m bench.cohort OUT.csv [N] [P_MISSING] [SEED]`` writes one from the command line.
"""

from __future__ import annotations

import math
import random
import sys
from typing import Any

from engine.cases.values import kleene
from engine.core.model import Model
from engine.evaluate.result import FactValue


def random_case(model: Model, rng: random.Random, p_missing: float = 0.0,
                checks: list[Any] | None = None) -> dict[str, FactValue]:
    """A random case within the declared domains, each input left out with probability ``p_missing``, that no
    assumption rules out (rejection sampling). Numbers are drawn uniformly in their range (0..100 when a bound
    is open); non-integer numbers get one decimal."""
    if checks is None:
        checks = [kleene(a.expr, model) for a in model.assumptions]
    while True:
        facts: dict[str, FactValue] = {}
        for name, inp in model.inputs.items():
            if p_missing and rng.random() < p_missing:
                continue
            if inp.kind in ("bool", "enum"):
                facts[name] = rng.choice(inp.domain)
            else:
                lo = inp.low if not math.isinf(inp.low) else 0.0
                hi = inp.high if not math.isinf(inp.high) else lo + 100.0
                if inp.kind == "integer":
                    facts[name] = rng.randint(math.ceil(lo), math.floor(hi))
                else:
                    facts[name] = round(rng.uniform(lo, hi), 1)
        if all(check(facts) is not False for check in checks):
            return facts


def cell(value: FactValue | None) -> str:
    """How a value is written in a cohort cell (empty for unknown)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cohort_rows(model: Model, n: int, p_missing: float = 0.0, seed: int = 7) -> list[dict[str, FactValue]]:
    """The ``n`` cases of the cohort (the same for the same model, ``p_missing`` and ``seed``)."""
    rng = random.Random(seed)
    checks = [kleene(a.expr, model) for a in model.assumptions]
    return [random_case(model, rng, p_missing, checks) for _ in range(n)]


def write_cohort(path: str, n: int, p_missing: float = 0.0, seed: int = 7, model: Model | None = None,
                 rules: str = "rules/lms.rules") -> list[dict[str, FactValue]]:
    """Write a cohort of ``n`` rows (``id`` column ``p0``, ``p1``, ...) for ``model`` (loaded from ``rules``
    when not given) to ``path``; returns the cases written."""
    if model is None:
        import engine
        model = engine.load(rules).model
    cases = cohort_rows(model, n, p_missing, seed)
    names = list(model.inputs)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id," + ",".join(names) + "\n")
        for i, c in enumerate(cases):
            f.write(f"p{i}," + ",".join(cell(c.get(k)) for k in names) + "\n")
    return cases


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 4:
        sys.stderr.write("usage: python -m bench.cohort OUT.csv [N] [P_MISSING] [SEED]\n")
        return 2
    n = int(argv[1]) if len(argv) > 1 else 100_000
    p = float(argv[2]) if len(argv) > 2 else 0.0
    seed = int(argv[3]) if len(argv) > 3 else 7
    write_cohort(argv[0], n, p, seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
