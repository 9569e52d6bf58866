"""Benchmark of the checker: compile + every pass of ``engine.checks.CHECKS`` on generated guidelines.

For 100, 1,000 and 10,000 rules over 12 inputs (``bench/gen_rules.py``), each size in a fresh subprocess so that
peak memory is per size: parse + resolve time (reported, not counted), compile time, time per check, peak resident
memory (``resource.getrusage``), diagram nodes and findings per code; then the growth of (compile + checks) time
per 10x rules. It prints what it measured, nothing else.

    .venv/bin/python bench/bench_checks.py [--sizes 100 1000 10000] [--inputs 12] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def measure(n_rules: int, n_inputs: int, seed: int) -> dict[str, Any]:
    """One size, in this process."""
    sys.path.insert(0, str(ROOT))
    from bench.gen_rules import generate
    from dsl.parser import parse
    from engine.checks import CHECKS
    from engine.compile.compiler import compile
    from engine.resolve.resolver import resolve

    text = generate(n_rules, n_inputs, seed)
    t0 = time.perf_counter()
    tree, syntax = parse(text, "generated.rules")
    if tree is None:
        return {"rules": n_rules, "error": "syntax: " + "; ".join(d.message for d in syntax[:3])}
    model, semantic = resolve(tree, "generated.rules")
    errors = [d for d in semantic if d.severity == "error"]
    if model is None or errors:
        return {"rules": n_rules, "error": "resolve: " + "; ".join(d.message for d in errors[:3])}
    t1 = time.perf_counter()
    g = compile(model)
    t2 = time.perf_counter()
    nodes_compiled = len(g.mdd)
    per_check: dict[str, float] = {}
    findings: Counter[str] = Counter()
    for check in CHECKS:
        s = time.perf_counter()
        for d in check(g):
            findings[d.code] += 1
        per_check[check.__name__] = round(time.perf_counter() - s, 3)
    t3 = time.perf_counter()
    peak_kb = _peak_kb()
    return {"rules": n_rules, "inputs": n_inputs, "sections": len(model.sections), "parse_resolve_s": t1 - t0,
            "compile_s": t2 - t1, "checks_s": t3 - t2, "total_s": t3 - t1, "per_check_s": per_check,
            "mdd_nodes_compiled": nodes_compiled, "mdd_nodes_after_checks": len(g.mdd),
            "graph_nodes": g.graph.number_of_nodes(), "peak_rss_mb": peak_kb / 1024,
            "findings": dict(sorted(findings.items()))}


def _peak_kb() -> int:
    """This process's peak resident memory. ``ru_maxrss`` survives ``exec``: a child started by a big parent would
    report the parent's peak, so Linux's per-address-space high-water mark (VmHWM) is read when it exists."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_child(n_rules: int, n_inputs: int, seed: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n_rules), "--inputs", str(n_inputs),
                          "--seed", str(seed)], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
    if out.returncode != 0:
        return {"rules": n_rules, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    row: dict[str, Any] = json.loads(out.stdout)
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    p.add_argument("--inputs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.inputs, args.seed)))
        return 0
    rows = [run_child(n, args.inputs, args.seed) for n in args.sizes]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        if "error" in r:
            print(f"{r['rules']:>6} rules: {r['error']}")
            continue
        checks = ", ".join(f"{k} {v:.2f}" for k, v in r["per_check_s"].items())
        print(f"{r['rules']:>6} rules, {r['inputs']} inputs, {r['sections']} sections: compile {r['compile_s']:.2f} s"
              f" + checks {r['checks_s']:.2f} s = {r['total_s']:.2f} s (parse+resolve {r['parse_resolve_s']:.2f} s);"
              f" peak RSS {r['peak_rss_mb']:.0f} MB; MDD nodes {r['mdd_nodes_compiled']} -> "
              f"{r['mdd_nodes_after_checks']}; graph nodes {r['graph_nodes']}")
        print(f"        checks: {checks}")
        print(f"        findings: {r['findings']}")
    ok = [r for r in rows if "total_s" in r]
    for a, b in itertools.pairwise(ok):
        def ratio(key: str, a: dict[str, Any] = a, b: dict[str, Any] = b) -> float:
            return float(b[key]) / max(float(a[key]), 1e-9)
        print(f"growth {a['rules']} -> {b['rules']} rules (x{b['rules'] / a['rules']:g}): total time "
              f"x{ratio('total_s'):.1f}, compile x{ratio('compile_s'):.1f}, checks x{ratio('checks_s'):.1f}, "
              f"peak RSS x{ratio('peak_rss_mb'):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
