"""A case that satisfies each ``assume`` alone but not all of them together is rejected, not answered with an
empty result (found by the LMS review: ``phase: follow_up, lung_metastases: true`` with ``extent`` left out got
"No recommendation applies." and exit 0). The assumptions are checked one at a time when facts are loaded
(Kleene: an unknown input may still satisfy each); the compiled diagram of all of them is the exact check."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli

import engine
from engine.core.errors import CaseError

RULES = """guideline "Chained assumptions" version "1"
input x: bool
input y: bool
input z: bool
action a
assume x implies y
assume y implies not z
section s:
  rule r:
    when z
    recommend a
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "chain.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_python_api_rejects_facts_no_patient_has(rules: Path) -> None:
    g = engine.load(str(rules))
    with pytest.raises(CaseError) as e:
        g.evaluate({"x": True, "z": True})  # y must be true (first) and false (second)
    text = str(e.value)
    assert "E311" in text and "x implies y" in text and "y implies not z" in text and "y" in text
    assert [r.rule for r in g.evaluate({"x": False, "z": True}).recommendations] == ["r"]  # y may be false
    assert g.evaluate({"z": True}).recommendations  # x and y unknown: x false, y false fits


def test_run_reports_the_case_and_exits_1(cli: Cli, rules: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("- id: impossible\n  facts: {x: true, z: true}\n- id: fine\n  facts: {x: false, z: true}\n",
                     encoding="utf-8")
    code, out, err = cli("run", str(rules), str(cases))
    assert code == 1 and "E311" in err and "impossible" in err and "taken together" in err
    code, out, err = cli("run", str(rules), str(cases), "--keep-going")
    assert code == 1 and "fine" in out and "Case impossible" not in out
