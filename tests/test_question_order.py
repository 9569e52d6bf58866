"""The author's question order and sequences (issue 17): ``question_order a, b [as_sequence]`` in a section pins
the questions its figure asks first; ``as_sequence`` draws the first one's answers as a row of stages. Only the
drawing changes: the compiled diagram, evaluation and the checks keep their order."""

from __future__ import annotations

from pathlib import Path

from dsl.format import format_file
from dsl.parser import parse
from engine.checks import CHECKS
from engine.checks.question_orders import question_orders
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from visualize.dot import choose_plan, to_dot
from visualize.order import reading_order, reading_view

RULES = """guideline "Order"

input a "A": bool
input b "B": {x, y, z}
input c "C": number cm in 0..100

action t "Treat"
action u "Other"

section s "S":
  question_order c, b

  rule r1:
    when a and b == x
    recommend t

  rule r2:
    when c > 5 and not a
    recommend u
"""

STAGES = """guideline "Stages"

input line "Line of therapy": {first, second, third}
input fit "Fit": bool

action doxorubicin "Doxorubicin"
action trabectedin "Trabectedin"
action best_supportive_care "Best supportive care"

section metastatic "Metastatic":
  question_order line as_sequence

  rule first_line:
    when line == first and fit
    recommend doxorubicin

  rule second_line:
    when line == second and fit
    consider trabectedin

  rule supportive:
    when line == third or not fit
    recommend best_supportive_care
"""


def _load(tmp_path: Path, text: str) -> Guideline:
    p = tmp_path / "g.rules"
    p.write_text(text, encoding="utf-8")
    return load(str(p))


def test_parses_resolves_and_formats_back(tmp_path: Path) -> None:
    for text in (RULES, STAGES):
        tree, diags = parse(text, "g.rules")
        assert tree is not None and not diags and format_file(tree) == text
    assert _load(tmp_path, RULES).model.sections[0].order == ("c", "b")
    seq = _load(tmp_path, STAGES).model.sections[0]
    assert (seq.order, seq.sequence) == (("line",), True)


def test_the_pinned_questions_come_first_and_evaluation_is_unchanged(tmp_path: Path) -> None:
    g = _load(tmp_path, RULES)
    order = reading_order(g, g.compiled, "s")
    assert [v for v in order if not v.startswith("known:")][:2] == ["c", "b"]
    unpinned = _load(tmp_path, RULES.replace("  question_order c, b\n\n", ""))
    assert reading_order(unpinned, unpinned.compiled, "s")[0] == "a"  # what sifting picks on its own
    assert g.compiled.order == unpinned.compiled.order
    facts = {"a": False, "b": "y", "c": 7.0}
    assert g.evaluate(facts, "c").to_dict() == unpinned.evaluate(facts, "c").to_dict()
    plan = choose_plan(reading_view(g, ["s"]), "s", None)
    assert plan.nodes[0].question == "C > 5 cm?"


def test_a_sequence_draws_the_answers_as_stages_in_order(tmp_path: Path) -> None:
    g = _load(tmp_path, STAGES)
    plan = choose_plan(reading_view(g, ["metastatic"]), "metastatic", None)
    assert plan.form == "sequence"
    stages = [dn for dn in plan.nodes if dn.kind == "stage"]
    assert [dn.question for dn in stages] == ["Line of therapy: first", "second", "third"]
    chain = [(e.src, e.dst) for e in plan.edges if e.chain]
    assert chain == [(stages[0].id, stages[1].id), (stages[1].id, stages[2].id)]
    dot = to_dot(g, section="metastatic")
    assert "rank=same;" in dot and dot.count("penwidth=\"2.2\"") == 2


def test_a_case_path_runs_along_the_stages(tmp_path: Path) -> None:
    g = _load(tmp_path, STAGES)
    plan = choose_plan(reading_view(g, ["metastatic"]), "metastatic", {"line": "second", "fit": True})
    on = [dn.question for dn in plan.nodes if dn.kind == "stage" and dn.on]
    assert on == ["second"]


def test_misuse_is_reported(tmp_path: Path) -> None:
    from engine.core.errors import GuidelineError

    bad = RULES.replace("question_order c, b", "question_order c, bb, c")
    try:
        _load(tmp_path, bad)
    except GuidelineError as e:
        messages = [d.message for d in e.diagnostics]
        assert messages == ["question_order names 'bb', which is not an input", "question_order names 'c' twice"]
    else:
        raise AssertionError("accepted a bad question_order")
    idle = _load(tmp_path, RULES.replace('input c "C": number cm in 0..100',
                                         'input c "C": number cm in 0..100\ninput d: bool')
                 .replace("question_order c, b", "question_order d, c"))
    found = question_orders(idle.compiled)
    assert [d.code for d in found] == ["W153"] and "'d'" in found[0].message
    assert "W153" in {d.code for check in CHECKS for d in check(idle.compiled)}


def test_export_keeps_the_question_order(tmp_path: Path) -> None:
    import json

    from engine.compile.export import from_data, to_data

    g = _load(tmp_path, STAGES)
    data = json.loads(json.dumps(to_data(g.compiled)))
    assert data["sections"][0]["question_order"] == ["line"] and data["sections"][0]["as_sequence"] is True
    assert from_data(data).model.sections == g.model.sections
