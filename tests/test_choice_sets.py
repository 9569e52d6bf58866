"""Choice sets (issue 14): ``recommend one_of(A, B(...) [evidence "..."], C)`` is one recommendation with
alternatives. Each alternative is an entry of the rule (overrides, prevailing prohibitions, covers, conflicts and
clashes read it as one); results carry the choice (``one_of`` in the JSON), the text report and the figures show
it as one item. The walk, the fast path and the graph-free reference agree on every patient of a grid."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from dsl.format import format_file
from dsl.parser import parse
from engine.cases.validate import Case
from engine.checks import CHECKS
from engine.checks.together import together
from engine.cli.report_run import text_case
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.lsp.index import build
from visualize.boxes import entry_views

RULES = Path(__file__).parent / "fixtures" / "choice" / "hypertension.rules"
BASE: dict[str, Any] = {"systolic": 150, "black": False, "pregnant": False, "gout": False}
FIRST = ("thiazide", "ccb", "ace_inhibitor")


def _agree(g: Guideline, facts: dict[str, Any]) -> Any:
    walk = g.evaluator.walk(facts, "c")
    assert walk.to_dict() == evaluate_direct(g.model, facts, "c").to_dict()
    if len(facts) == len(g.model.inputs):
        assert g.evaluator.fast(facts, "c") == walk
    return walk


def _choices(result: Any) -> dict[str, tuple[str, ...] | None]:
    return {v.action: v.one_of for v in result.actions}


def _text(g: Guideline, facts: dict[str, Any], r: Any) -> str:
    return "".join(text_case(g.model, Case("c", None, facts, None, "c.yaml", 1), r))


def test_syntax_resolves_and_formats_back() -> None:
    text = RULES.read_text()
    tree, diags = parse(text, "h.rules")
    assert tree is not None and not diags and format_file(tree) == text
    first = load(str(RULES)).model.rules[0]
    assert [(e.action, e.strength.value, e.one_of) for e in first.entries] == [(a, "recommend", FIRST) for a in FIRST]
    assert first.entries[1].evidence == "COR I, LOE A" and first.entries[1].params[0][0] == "dose"


def test_evaluators_agree_on_every_patient() -> None:
    g = load(str(RULES))
    names = list(BASE)
    for values in itertools.product((100, 150), *[(False, True)] * 3):
        facts = dict(zip(names, values, strict=True))
        _agree(g, facts)
        for gone in names:
            _agree(g, {k: v for k, v in facts.items() if k != gone})


def test_one_recommendation_with_alternatives_in_json_and_text() -> None:
    g = load(str(RULES))
    r = _agree(g, BASE)
    assert _choices(r) == dict.fromkeys(FIRST, FIRST)
    data = r.to_dict()
    assert [x["one_of"] for x in data["recommendations"]] == [list(FIRST)] * 3
    assert all(v["one_of"] == list(FIRST) for v in data["actions"])
    text = _text(g, BASE, r)
    assert "  RECOMMEND one of: Thiazide-like diuretic, Calcium-channel blocker (dose: 5 mg), ACE inhibitor  " \
        "[COR I; COR I, LOE A]\n" in text
    assert text.count("RECOMMEND") == 1 and "rule: First-line agent (first_line)" in text


def test_prevailing_prohibitions_narrow_the_choice() -> None:
    g = load(str(RULES))
    r = _agree(g, {**BASE, "pregnant": True})
    assert _choices(r) == {"ace_inhibitor": None, "arb": None, "labetalol": None, "thiazide": ("thiazide", "ccb"),
                           "ccb": ("thiazide", "ccb")}
    assert [(o.action, o.rule) for o in r.overridden] == [("ace_inhibitor", "first_line")]
    narrowed = _agree(g, {**BASE, "pregnant": True, "gout": True})  # one alternative left: that action
    assert _choices(narrowed)["ccb"] is None
    assert "  RECOMMEND Calcium-channel blocker (ccb) -- dose: 5 mg" in _text(g, {**BASE, "gout": True,
                                                                                 "pregnant": True}, narrowed)


def test_alternatives_of_one_choice_are_not_together() -> None:
    g = load(str(RULES))
    assert together(g.compiled) == []
    r = _agree(g, {**BASE, "black": True})
    assert r.never_together == () and _choices(r)["arb"] == ("ace_inhibitor", "arb")
    clashing = RULES.read_text().replace("    recommend labetalol\n", "    recommend labetalol\n\n"
                                         "  rule arb_too:\n    when black\n    consider arb\n")
    g2 = load_text(clashing)
    assert [d.code for d in together(g2.compiled)] == ["E209"]
    flagged = _agree(g2, {**BASE, "black": True})
    assert [t.actions for t in flagged.never_together] == [("ace_inhibitor", "arb")]


def load_text(text: str) -> Guideline:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "g.rules"
        p.write_text(text)
        return load(str(p))


def test_a_negative_on_one_alternative_is_a_conflict() -> None:
    text = RULES.read_text().replace("    not_recommended thiazide prevails\n", "    not_recommended thiazide\n")
    g = load_text(text)
    codes = [d.code for check in CHECKS for d in check(g.compiled)]
    assert "E201" in codes
    r = _agree(g, {**BASE, "gout": True})
    assert [c.action for c in r.conflicts] == ["thiazide"]


def test_export_round_trip_and_figure_box() -> None:
    g = load(str(RULES))
    back = from_data(json.loads(json.dumps(to_data(g.compiled))))
    assert back.model.rules == g.model.rules
    assert Guideline(back).evaluate(BASE, "c").to_dict() == g.evaluate(BASE, "c").to_dict()
    compiled = compile(g.model)
    leaves = [d for _, d in compiled.graph.nodes(data=True) if d.get("entries")]
    views = {v.action: v for leaf in leaves for v in entry_views(leaf, g.model, {})}
    box = views["Choose one: Thiazide-like diuretic | Calcium-channel blocker | ACE inhibitor"]
    assert box.details == ("Calcium-channel blocker: dose: 5 mg",) and box.evidence == ("COR I", "COR I, LOE A")


def test_lsp_indexes_each_alternative() -> None:
    text = RULES.read_text()
    tree, _ = parse(text, "h.rules")
    assert tree is not None
    index = build(tree)
    arb = [o for o in index.occurrences if o.key == ("action", "arb")]
    assert len(arb) == 4  # declaration, never_together, the choice, never ... prevails
    assert any(o.key == ("param", "ccb.dose") for o in index.occurrences)
