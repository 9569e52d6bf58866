"""Latency of ``Guideline.evaluate`` on a rules file (default rules/lms.rules), and its compile time.

Cases are random valid fact dicts drawn with a fixed seed: every input the rules read gets a value from its
domain (numbers uniformly in their declared range, or near the thresholds), redrawn until the assumptions hold.
Three sets: all inputs known (the generated fast path), and 1-3 or 4-8 inputs left unknown (the graph walk).
Each case is evaluated once, on a freshly compiled guideline per set; the median and 99th percentile of the
per-case latencies are printed, in microseconds. Only measured figures are printed.

    .venv/bin/python bench/bench_evaluate.py [RULES] [--cases 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine
from engine.core.model import Input, Interval, Model
from engine.evaluate.guideline import Guideline
from engine.evaluate.walk import branches, reach_values


def _value(rng: random.Random, inp: Input, cells: tuple[Any, ...]) -> Any:
    if inp.kind == "bool":
        return rng.random() < 0.5
    if inp.kind == "enum":
        return rng.choice(inp.values)
    lo = inp.low if inp.low > -1e9 else -100.0
    hi = inp.high if inp.high < 1e9 else 100.0
    if cells and rng.random() < 0.5:  # a value at a cell bound, to exercise the thresholds
        cell: Interval = rng.choice(cells)
        pts = [p for p, closed in ((cell.low, cell.low_closed), (cell.high, cell.high_closed))
               if p is not None and closed]
        if pts:
            x = rng.choice(pts)
            return int(x) if inp.kind == "integer" else x
    x = rng.uniform(lo, hi)
    return round(x) if inp.kind == "integer" else round(x, 2)


def cases(g: Guideline, n: int, unknown: tuple[int, int], seed: int) -> list[dict[str, Any]]:
    model: Model = g.model
    rng = random.Random(seed)
    c = g.compiled
    cells = {v.input: v.branches for v in c.vars if v.numeric}
    read = sorted({v.input for v in c.vars}, key=list(model.inputs).index)
    out: list[dict[str, Any]] = []
    while len(out) < n:
        facts = {name: _value(rng, model.inputs[name], cells.get(name, ())) for name in read}
        k = rng.randint(*unknown)
        for name in rng.sample(read, min(k, len(read))):
            del facts[name]
        if True in reach_values(c, c.assume_node, branches(c, facts)):  # some allowed patient fits the facts
            out.append(facts)
    return out


def measure(g: Guideline, facts: list[dict[str, Any]]) -> list[float]:
    """Each case evaluated once, in order (so per-guideline memos only help when an earlier, different case
    shared values with it, as in a real cohort)."""
    times: list[float] = []
    for f in facts:
        t0 = time.perf_counter_ns()
        g.evaluate(f)
        times.append((time.perf_counter_ns() - t0) / 1000.0)
    return times


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    print(f"{name:<28} cases={len(times):<6} median={statistics.median(times):8.1f} us   p99={p99:8.1f} us")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rules", nargs="?", default="rules/lms.rules")
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    g = engine.load(args.rules)
    t_load = time.perf_counter() - t0
    from engine.compile.compiler import compile
    t0 = time.perf_counter()
    compile(g.model)
    t_compile = time.perf_counter() - t0
    nodes = sum(1 for _ in g.graph.nodes)
    print(f"{args.rules}: {len(g.model.rules)} rules, {len(g.compiled.vars)} variables, {nodes} graph nodes")
    print(f"load (read+parse+resolve+compile) {t_load * 1000:.1f} ms; compile alone {t_compile * 1000:.1f} ms")
    for name, unknown, seed in (("all inputs known", (0, 0), args.seed),
                                ("1-3 inputs unknown", (1, 3), args.seed + 1),
                                ("4-8 inputs unknown", (4, 8), args.seed + 2)):
        facts = cases(g, args.cases, unknown, seed)
        fresh = Guideline(compile(g.model))
        report(name, measure(fresh, facts))


if __name__ == "__main__":
    main()
