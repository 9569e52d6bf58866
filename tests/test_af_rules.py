"""The atrial fibrillation guideline (rules/af.rules, after the 2020 ESC AF guideline) is formatted, checks clean and
passes its cases with full rule coverage (issue 13: the second guideline, the one that needs derived values,
classifications, scores and set-valued inputs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "af.rules"
CASES = ROOT / "rules" / "af-cases"


def gg(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    """`guidegraph fmt --check` leaves the file as it is: it is in the canonical layout."""
    code, out, err = gg(capsys, "fmt", "--check", str(RULES))
    assert code == 0, out + err


def test_cases_have_expectations_and_cite_the_source() -> None:
    """At least 15 synthetic cases, each with an expectation, with unique ids; every case file says in comments
    which statement of the source its expectations check."""
    ids: list[str] = []
    for path in sorted(CASES.glob("*.yaml")):
        text = path.read_text()
        assert "ESC 2020 AF" in text or "NOAC table" in text, f"{path.name}: no citation of the source"
        for case in yaml.safe_load(text):
            assert case.get("expect"), f"{path.name}: case {case['id']} has no expectation"
            ids.append(case["id"])
    assert len(ids) >= 15
    assert len(ids) == len(set(ids)), "duplicate case ids"


def test_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """`guidegraph check` finds no error in the guideline: no conflict, gap, dead rule or broken constraint."""
    code, out, err = gg(capsys, "check", str(RULES))
    assert code == 0, out + err


def test_cases_pass_with_full_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    """Every case passes and every rule fires in some case."""
    code, out, err = gg(capsys, "test", str(RULES), str(CASES), "--min-coverage", "100")
    assert code == 0, out + err
    assert "0 failed" in out
    assert "Rule coverage: 100.0%" in out
