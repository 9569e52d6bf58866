"""Derived values: what the exact treatment of relations between numbers costs (issue 13).

Relations (``sbp - dbp > 20 mmHg``) are decided exactly by a depth-first walk over the cells of the numbers they
read and the relations' truths, one z3 satisfiability check per node of the walk (engine/compile/theory.py). This
measures, for a blood-pressure-like guideline with ``k`` relations over two to four number inputs, the compile
(walk included), the checks, the number of solver checks, and one case with every input known and one with an input
missing; and the AF guideline of rules/af.rules. Run: ``python -m bench.bench_derived``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def bp_rules(k: int) -> str:
    """``k`` rules, each on one relation between the pressures (and age), with thresholds on each input."""
    lines = ['guideline "BP"', 'input sbp: integer mmHg in 60..260', 'input dbp: integer mmHg in 30..160',
             'input map_target: integer mmHg in 60..120', 'input age: integer years in 18..110',
             'assume sbp > dbp', 'action treat', 'action refer', 'section s:']
    for i in range(k):
        rel = [f"sbp - dbp > {20 + 10 * i} mmHg", f"sbp + 2 * dbp > {3 * (80 + 5 * i)} mmHg",
               f"dbp - map_target >= {i} mmHg", f"sbp > dbp + {40 + 5 * i} mmHg"][i % 4]
        lines += [f"  rule r{i}:", f"    when {rel} and sbp >= {120 + 5 * i} mmHg",
                  f"    {'recommend treat' if i % 2 else 'consider refer'}"]
    return "\n".join(lines) + "\n"


def measure(text: str, name: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    from dsl.parser import parse
    from engine.checks import CHECKS
    from engine.compile.compiler import compile
    from engine.compile.theory import theory_for
    from engine.evaluate.guideline import Guideline
    from engine.resolve.resolver import resolve

    t0 = time.perf_counter()
    tree, _ = parse(text, name)
    assert tree is not None
    model, diags = resolve(tree, name)
    assert model is not None, diags
    g = compile(model)
    t1 = time.perf_counter()
    found = [d for check in CHECKS for d in check(g)]
    t2 = time.perf_counter()
    theory = theory_for(model, g.vars)
    checks = 0
    if theory is not None:
        from engine.compile.mdd import MDD
        theory.diagram(MDD(g.mdd.sizes))
        checks = theory.checks
    guideline = Guideline(g)
    guideline.evaluate(cases[0])  # the first case generates the fast path
    per_case = []
    for facts in cases:
        t = time.perf_counter()
        for _ in range(50):
            guideline.evaluate(facts)
        per_case.append((time.perf_counter() - t) / 50 * 1000)
    return {"name": name, "derived": len(model.derived), "compile_s": t1 - t0, "check_s": t2 - t1,
            "findings": len(found), "solver_checks": checks, "case_ms": per_case}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    rows = []
    full = {"sbp": 150, "dbp": 90, "map_target": 90, "age": 60}
    partial = {"sbp": 150, "age": 60}
    for k in (2, 4, 8, 12):
        rows.append(measure(bp_rules(k), f"bp-{k}-relations", [full, partial]))
    af = (ROOT / "rules" / "af.rules").read_text(encoding="utf-8")
    af_case = {"sex": "female", "age": 78, "chf": False, "hypertension": True, "diabetes": False,
               "prior_stroke": False, "vascular_disease": False, "weight": 70, "creatinine": 1.1, "sbp": 140,
               "dialysis_or_transplant": False, "liver_disease": False, "bleeding_history": False,
               "alcohol_excess": False, "current_oac": "none", "concomitant_drugs": [], "mechanical_valve": False,
               "mitral_stenosis": False, "absolute_oac_contraindication": False}
    rows.append(measure(af, "rules/af.rules", [af_case, {k: v for k, v in af_case.items() if k != "sex"}]))
    print(f"{'guideline':<22}{'derived':>8}{'compile s':>11}{'check s':>9}{'findings':>9}{'solver checks':>14}"
          f"{'case ms':>9}{'partial ms':>11}")
    for r in rows:
        print(f"{r['name']:<22}{r['derived']:>8}{r['compile_s']:>11.2f}{r['check_s']:>9.2f}{r['findings']:>9}"
              f"{r['solver_checks']:>14}{r['case_ms'][0]:>9.3f}{statistics.fmean(r['case_ms'][1:]):>11.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
