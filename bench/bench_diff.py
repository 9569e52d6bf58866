"""The semantic diff of two generated 1,000-rule guidelines that differ in 10 rules (``python -m bench.bench_diff``).

The second version changes the strength of 10 rules' first entry (``recommend`` <-> ``consider``, ``never`` <->
``not_recommended``...). Measured: parse and resolve both, then ``engine.diff.compare.diff`` (one shared MDD, every
changed region described with an example). Goal from issue 18: under 10 s.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWAP = {"must": "recommend", "recommend": "consider", "consider": "recommend", "never": "not_recommended",
        "not_recommended": "never"}


def changed(text: str, n: int = 10) -> str:
    """``text`` with the first entry's strength of ``n`` rules, spread over the file, changed."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if re.match(r"\s+rule ", ln)]
    step = max(1, len(starts) // n)
    for i in starts[::step][:n]:
        for j in range(i + 1, min(i + 12, len(lines))):
            m = re.match(r"(\s+)(must|recommend|consider|never|not_recommended) ", lines[j])
            if m:
                lines[j] = lines[j].replace(m.group(2), SWAP[m.group(2)], 1)
                break
    return "".join(lines)


def measure(n_rules: int = 1000, n_changed: int = 10) -> dict[str, Any]:
    sys.path.insert(0, ROOT)
    from bench.gen_rules import generate
    from dsl.parser import parse
    from engine.diff.compare import diff
    from engine.resolve.resolver import resolve

    old_text = generate(n_rules)
    new_text = changed(old_text, n_changed)
    t0 = time.perf_counter()
    models = []
    for name, text in (("old.rules", old_text), ("new.rules", new_text)):
        tree, _ = parse(text, name)
        assert tree is not None
        model, _ = resolve(tree, name)
        assert model is not None
        models.append(model)
    t1 = time.perf_counter()
    d = diff(models[0], models[1])
    t2 = time.perf_counter()
    return {"rules": n_rules, "changed_rules": n_changed, "parse_resolve_s": t1 - t0, "diff_s": t2 - t1,
            "total_s": t2 - t0, "changed_actions": len(d.changed_actions), "regions": len(d.regions)}


def report(row: dict[str, Any]) -> None:
    print(f"\n== Semantic diff: {row['rules']:,}-rule generated guidelines differing in {row['changed_rules']} "
          "rules ==")
    print(f"diff {row['diff_s']:.2f} s (with parse+resolve of both {row['total_s']:.2f} s): "
          f"{row['changed_actions']} actions changed, {row['regions']} regions"
          f"  (goal < 10 s: {'met' if row['total_s'] < 10 else 'NOT met'})")


if __name__ == "__main__":
    report(measure())
