"""The LMS figures as a journal would print them: factored (an action that holds on every path below a question is
drawn once, above it) and page-aware (text measured from the SVG once fitted to an A4 text width)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline
from engine.resolve.pipeline import load_model
from visualize.dot import to_dot

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "lms.rules"


@pytest.fixture(scope="module")
def lms() -> Guideline:
    model, _, _ = load_model(str(RULES))
    assert model is not None
    return Guideline(compile(model))


def _text(dot: str) -> str:
    return re.sub(r"<BR[^>]*/>", " ", dot)


def test_uterine_figure_draws_hysterectomy_once(lms: Guideline) -> None:
    dot = _text(to_dot(lms, section="uterine"))
    assert dot.count(">Total abdominal hysterectomy") == 1
    # the box of the shared action is drawn above the first question, on every path
    assert re.search(r'"uterine/d\d+\+all" -> "uterine/d\d+" ', dot)


def test_factored_case_path_passes_through_the_shared_box(lms: Guideline) -> None:
    facts = {"phase": "treatment", "extent": "localized", "site": "uterus", "menopausal_status": "postmenopausal"}
    dot = to_dot(lms, section="uterine", case_facts=facts)
    box = re.search(r'"uterine/d0\+all" -> "uterine/d\d+" \[color="([^"]+)"', dot)
    assert box is not None and box.group(1) == "#d35400"
