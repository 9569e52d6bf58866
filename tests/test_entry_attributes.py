"""Evidence and preference per entry (issue 14, part 1): ``recommend thiazide [evidence "...", preference p]``
belongs to that action, not to the rule's other actions, in the results, the verdicts, the JSON, the text report,
the export and the figure boxes; the three evaluators agree."""

from __future__ import annotations

from typing import Any

from dsl.format import format_file
from dsl.parser import parse
from engine.cli.report_run import verdict_lines
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.resolve.resolver import resolve
from visualize.boxes import entry_views

TEXT = '''guideline "Hypertension (test)"

input black: bool

action thiazide "Thiazide-like diuretic"
action ccb "Calcium-channel blocker"
action ace_inhibitor "ACE inhibitor"

section treatment:

  rule black_first_line:
    when black
    recommend ccb [preference preferred, evidence "COR I, LOE B-R"]
    recommend thiazide
    consider ace_inhibitor [evidence "COR IIb (as add-on)"]
    evidence "COR I, LOE A"
    preference other
'''


def _guideline(text: str = TEXT) -> Guideline:
    tree, syntax = parse(text, "h.rules")
    assert tree is not None and not syntax
    assert format_file(tree) == text  # canonical, and the attributes survive formatting
    model, diags = resolve(tree, "h.rules")
    assert model is not None and not diags, diags
    return Guideline(compile(model))


def _by_action(result: Any) -> dict[str, tuple[str | None, str | None]]:
    return {r.action: (r.evidence, r.preference) for r in result.recommendations}


EXPECTED = {"ccb": ("COR I, LOE B-R", "preferred"), "thiazide": ("COR I, LOE A", "other"),
            "ace_inhibitor": ("COR IIb (as add-on)", "other")}


def test_each_action_shows_its_own_evidence_and_preference() -> None:
    g = _guideline()
    walk = g.evaluator.walk({"black": True}, "c")
    assert _by_action(walk) == EXPECTED
    assert g.evaluator.fast({"black": True}, "c") == walk
    assert evaluate_direct(g.model, {"black": True}, "c").to_dict() == walk.to_dict()
    assert {v.action: (v.evidence, v.preference) for v in walk.actions} == \
        {a: ((e,), p) for a, (e, p) in EXPECTED.items()}
    as_json = {d["action"]: d for d in walk.to_dict()["recommendations"]}
    assert {a: (d["evidence"]) for a, d in as_json.items()} == {a: e for a, (e, _) in EXPECTED.items()}
    text = "".join(line for v in walk.actions for line in verdict_lines(g.model, v, walk))
    assert "[COR I, LOE B-R; preferred]" in text and "[COR IIb (as add-on); other]" in text


def test_pending_entries_keep_their_own_evidence() -> None:
    g = _guideline()
    pending = g.evaluator.walk({}, "c")
    assert pending.to_dict() == evaluate_direct(g.model, {}, "c").to_dict()


def test_export_round_trip_keeps_entry_attributes_and_omits_them_when_absent() -> None:
    g = _guideline()
    compiled = compile(g.model)
    data = to_data(compiled)
    rule = data["rules"][0]
    entries = {e["action"]: e for e in rule["entries"]}
    assert entries["ccb"]["evidence"] == "COR I, LOE B-R" and entries["ccb"]["preference"] == "preferred"
    assert "evidence" not in entries["thiazide"] and "preference" not in entries["thiazide"]
    back = from_data(data)
    assert back.model.rules == g.model.rules
    assert [(e.evidence, e.preference) for e in back.model.rules[0].entries] == \
        [(e.evidence, e.preference) for e in g.model.rules[0].entries]


def test_figure_boxes_show_the_entry_evidence() -> None:
    g = _guideline()
    compiled = compile(g.model)
    leaves = [d for _, d in compiled.graph.nodes(data=True) if d.get("entries")]
    views = {v.action: v for leaf in leaves for v in entry_views(leaf, g.model, {})}
    assert views["Calcium-channel blocker"].evidence == ("COR I, LOE B-R",)
    assert views["Calcium-channel blocker"].preference == ("preferred",)
    assert views["Thiazide-like diuretic"].evidence == ("COR I, LOE A",)
