"""A diff as text (a summary first, then each changed action's regions), JSON, or Markdown (the "summary of
updates" page of a published guideline: the changes per action, then the rules behind them and their citations)."""

from __future__ import annotations

import json
from typing import Any

from engine.core.model import Model
from engine.diff.cohort import CohortCounts
from engine.diff.compare import Diff, Region
from engine.diff.keys import KINDS, key_text


def _label(d: Diff, action: str) -> str:
    decl = d.new.actions.get(action) or d.old.actions.get(action)
    return decl.label if decl and decl.label else action


def _kinds_line(regions: list[Region]) -> str:
    counts = {k: sum(r.kind == k for r in regions) for k in KINDS}
    return ", ".join(f"{n} {k}" for k, n in counts.items() if n)


def _version(model: Model) -> str:
    return f"{model.title}" + (f" version {model.version}" if model.version else "")


def summary_lines(d: Diff, old_name: str, new_name: str, cohort: CohortCounts | None, cohort_name: str) -> list[str]:
    changed = d.changed_actions
    lines = [f"guidegraph diff {old_name} -> {new_name}"]
    if not changed:
        lines.append(f"no change: every verdict on each of the {len(d.actions)} actions is the same for every patient")
    else:
        lines.append(f"{len(changed)} of {len(d.actions)} actions change for some patients "
                     f"({len(d.regions)} changed region{'s' if len(d.regions) != 1 else ''}):")
        for action in changed:
            regions = [r for r in d.regions if r.action == action]
            lines.append(f"  {action}: {_kinds_line(regions)}")
    if cohort is not None:
        compared = cohort.patients - cohort.not_comparable
        lines.append(f"cohort {cohort_name}: {cohort.changed:,} of {compared:,} patients "
                     f"({cohort.share:.1%}) get a different recommendation on some action"
                     + (f"; {cohort.not_comparable:,} refused by a version, not compared"
                        if cohort.not_comparable else ""))
    return lines


def to_text(d: Diff, old_name: str, new_name: str, cohort: CohortCounts | None = None, cohort_name: str = "") -> str:
    lines = summary_lines(d, old_name, new_name, cohort, cohort_name)
    for action in d.changed_actions:
        lines += ["", f"{action} ({_label(d, action)})"]
        for i, r in enumerate(d.regions):
            if r.action != action:
                continue
            old, new = key_text(r.old, d.old.vocabulary, action), key_text(r.new, d.new.vocabulary, action)
            lines.append(f"  {r.kind} [{r.pattern}]: {old} -> {new}")
            lines.append(f"    when {r.condition}")
            if r.within:
                lines.append(f"    lets: {', '.join(r.within)}")
            rules = [f"old {', '.join(r.old_rules)}" if r.old_rules else "", f"new {', '.join(r.new_rules)}"
                     if r.new_rules else ""]
            if any(rules):
                lines.append(f"    rules: {'; '.join(t for t in rules if t)}")
            if r.example is not None:
                lines.append(f"    example: {json.dumps(r.example['facts'], ensure_ascii=False)}")
            if cohort is not None:
                lines.append(f"    cohort: {cohort.per_region.get(i, 0):,} patients")
        if cohort is not None and cohort.other.get(action):
            lines.append(f"  other changes (patients with inputs left out): {cohort.other[action]:,} patients")
    lines.append("")
    lines.append("Patients compared: those both versions allow, every input given except inputs tested with "
                 "'is known', which may be left out (read as the evaluator reads them).")
    return "\n".join(lines) + "\n"


def _key_data(key: Any) -> dict[str, Any]:
    summary, pending = key
    if summary is None:
        return {"verdict": None, "params": {}, "pending": list(pending)}
    return {"verdict": summary[0], "params": {name: [str(v) for v in vs] for name, vs in summary[1]},
            "pending": list(pending)}


def to_data(d: Diff, old_name: str, new_name: str, cohort: CohortCounts | None = None) -> dict[str, Any]:
    regions = []
    for i, r in enumerate(d.regions):
        item: dict[str, Any] = {
            "action": r.action, "kind": r.kind, "pattern": r.pattern, "old": _key_data(r.old),
            "new": _key_data(r.new), "when": r.condition, "lets": list(r.within), "old_rules": list(r.old_rules),
            "new_rules": list(r.new_rules), "example": r.example, "cells": r.points}
        if cohort is not None:
            item["cohort_patients"] = cohort.per_region.get(i, 0)
        regions.append(item)
    out: dict[str, Any] = {"old": old_name, "new": new_name, "actions": len(d.actions),
                           "changed_actions": list(d.changed_actions), "changes": regions}
    if cohort is not None:
        out["cohort"] = {"patients": cohort.patients, "changed": cohort.changed, "share": cohort.share,
                         "not_comparable": cohort.not_comparable, "other": cohort.other}
    return out


def to_json(d: Diff, old_name: str, new_name: str, cohort: CohortCounts | None = None) -> str:
    return json.dumps(to_data(d, old_name, new_name, cohort), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(d: Diff, old_name: str, new_name: str, cohort: CohortCounts | None = None,
                cohort_name: str = "") -> str:
    lines = [f"# Summary of updates: {_version(d.new)}", "",
             f"Compared with {_version(d.old)} (`{old_name}` -> `{new_name}`)."]
    lines += ["", *(f"{t}  " for t in summary_lines(d, old_name, new_name, cohort, cohort_name)[1:])]
    for action in d.changed_actions:
        lines += ["", f"## {_label(d, action)}", ""]
        for r in (r for r in d.regions if r.action == action):
            lines.append(f"- **{r.kind}** ({r.pattern}): {key_text(r.old)} → {key_text(r.new)}, "
                         f"for patients with `{r.condition}`"
                         + (f" (example: `{json.dumps(r.example['facts'], ensure_ascii=False)}`)" if r.example else ""))
    used: dict[tuple[str, str], None] = {}
    for r in d.regions:
        used.update({("old", n): None for n in r.old_rules})
        used.update({("new", n): None for n in r.new_rules})
    if used:
        lines += ["", "## Rules behind these changes", "", "| version | rule | label | citations |",
                  "| --- | --- | --- | --- |"]
        for side, name in used:
            model = d.old if side == "old" else d.new
            rule = next(r for r in model.rules if r.name == name)
            cites = "; ".join(f"[{c}] {model.references.get(c, '')}".strip() for c in rule.citations)
            lines.append(f"| {side} | `{name}` | {_cell(rule.label or '')} | {_cell(cites)} |")
    return "\n".join(lines) + "\n"
