"""The LMS guideline's own test suite: every case in rules/cases passes and every rule fires in some case."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "lms.rules"
CASES = ROOT / "rules" / "cases"


@pytest.mark.skipif(not RULES.exists() or not any(CASES.glob("*.yaml")),
                    reason="rules/lms.rules or rules/cases/*.yaml not written yet")
def test_lms_cases_pass_with_full_rule_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", str(RULES), str(CASES), "--min-coverage", "100"])
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    passed, failed = (int(w) for w in lines[-1].replace(" passed,", "").replace(" failed", "").split())
    assert failed == 0, "\n".join(line for line in lines if line.startswith(("FAIL", "  - ")))
    assert passed >= 1
    assert any(line.startswith("Rule coverage: 100.0%") for line in lines), out
    assert code == 0
