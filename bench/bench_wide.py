"""Wide sections: one section of many one-line rules on independent yes/no inputs (a list of pitfalls, a table of
drug choices), the shape whose compiled form used to grow with the product of the rules.

Measured in a fresh process per size (``python -m bench.bench_wide``): loading (parse, resolve, compile), the
checks, the first case (which generates the fast path) and then the latency of one case, with every input known
and with half of them missing. Goals from issue 12: 1,000 rules load in under 5 s, check in under 10 s and run one
case in under 10 ms after loading; 20 rules check in under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wide_rules(n: int) -> str:
    """``n`` rules, each on its own bool input and its own action; every third one a negative."""
    lines = ['guideline "Wide" version "1"', ""]
    lines += [f"input f{i}: bool" for i in range(n)]
    lines += [f'action a{i} "Action {i}" modality other' for i in range(n)]
    lines += ["", 'section main "Main":']
    for i in range(n):
        lines += [f"  rule r{i}:", f"    when f{i}", f"    {'not_recommended' if i % 3 == 0 else 'recommend'} a{i}"]
    return "\n".join(lines) + "\n"


def measure(n: int) -> dict[str, Any]:
    sys.path.insert(0, ROOT)
    from dsl.parser import parse
    from engine.checks import CHECKS
    from engine.compile.compiler import compile
    from engine.evaluate.guideline import Guideline
    from engine.resolve.resolver import resolve

    text = wide_rules(n)
    t0 = time.perf_counter()
    tree, _ = parse(text, "wide.rules")
    assert tree is not None
    model, _ = resolve(tree, "wide.rules")
    assert model is not None
    t1 = time.perf_counter()
    c = compile(model)
    g = Guideline(c)
    t2 = time.perf_counter()
    findings = sum(len(check(c)) for check in CHECKS)
    t3 = time.perf_counter()
    rng = random.Random(0)
    first = time.perf_counter()
    g.evaluate({f"f{i}": rng.random() < 0.5 for i in range(n)}, "c")
    first = time.perf_counter() - first
    known, partial = [], []
    for _ in range(50):
        facts = {f"f{i}": rng.random() < 0.5 for i in range(n)}
        s = time.perf_counter()
        g.evaluate(facts, "c")
        known.append(time.perf_counter() - s)
        half = {k: v for k, v in facts.items() if rng.random() < 0.5}
        s = time.perf_counter()
        g.evaluate(half, "c")
        partial.append(time.perf_counter() - s)
    return {"rules": n, "load_s": t2 - t0, "parse_resolve_s": t1 - t0, "compile_s": t2 - t1, "checks_s": t3 - t2,
            "check_s": t3 - t0, "findings": findings, "first_case_s": first,
            "case_known_ms": 1000 * statistics.median(known), "case_half_missing_ms": 1000 * statistics.median(partial),
            "parts": len(c.parts), "wide": "main" not in c.section_nodes}


def run(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, "-m", "bench.bench_wide", "--child", str(n)], capture_output=True,
                             text=True, cwd=ROOT, check=False)
        rows.append(json.loads(out.stdout) if out.returncode == 0 else
                    {"rules": n, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]})
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    print("\n== Wide sections: n one-line rules on n independent yes/no inputs, one section ==")
    print(f"{'rules':>6} {'load':>8} {'check':>8} {'first case':>11} {'case (known)':>13} {'case (half missing)':>20}")
    for r in rows:
        if "error" in r:
            print(f"{r['rules']:>6} error: {r['error']}")
            continue
        print(f"{r['rules']:>6} {r['load_s']:>7.2f}s {r['check_s']:>7.2f}s {r['first_case_s']:>10.3f}s "
              f"{r['case_known_ms']:>11.2f}ms {r['case_half_missing_ms']:>18.2f}ms")
        if r["rules"] == 20:
            print(f"       goal: 20 rules check < 1 s: {'met' if r['check_s'] < 1 else 'NOT met'}")
        if r["rules"] == 1000:
            ok = r["load_s"] < 5 and r["check_s"] < 10 and max(r["case_known_ms"], r["case_half_missing_ms"]) < 10
            verdict = "met" if ok else "NOT met"
            print(f"       goals: load < 5 s, check < 10 s, one case < 10 ms after loading: {verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--child", type=int)
    ap.add_argument("--sizes", type=int, nargs="*", default=[20, 100, 1000])
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    report(run(tuple(args.sizes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
