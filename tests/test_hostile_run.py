"""Hostile inputs, what ``run`` reports (issue 22, finding 3).

The CSV report keeps every patient: a ``none`` row for a patient nothing applies to, ``pending`` rows, ``conflict``
rows and ``clash`` rows (the text report shows all of these). A patient with a conflict or a parameter clash makes
``run`` exit 1, since the README counts conflicts as findings.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from engine.cli.main import main

MIN = """\
guideline "Min" version "1"
input x "X": number cm in 0..100
input b "B": bool
input s "S": {a, c}
action act1 "Action one"
action act2(every: months) "Action two"
section main "Main":
  rule r1 "R1":
    when x > 5 cm and b
    recommend act1
  rule r2 "R2":
    when s == a
    never act1
  rule r3 "R3":
    when b
    recommend act2(every: 3 months)
  rule r4 "R4":
    when x > 50 cm
    recommend act2(every: 6 months)
"""

CASES = """\
- id: nothing_applies
  facts: {x: 3, b: false, s: c}
- id: all_pending
  facts: {}
- id: normal
  facts: {x: 6, b: true, s: c}
"""


def _write(tmp_path: Path, cases: str) -> tuple[str, str]:
    (tmp_path / "min.rules").write_text(MIN)
    (tmp_path / "cases.yaml").write_text(cases)
    return str(tmp_path / "min.rules"), str(tmp_path / "cases.yaml")


def _csv(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[list[str]], str]:
    code = main(["run", *argv, "--format", "csv"])
    out, err = capsys.readouterr()
    return code, list(csv.reader(io.StringIO(out))), err


def test_every_patient_has_a_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = _csv(capsys, *_write(tmp_path, CASES))
    assert (code, err) == (0, "")
    assert rows[0][8:] == ["status", "detail"]
    assert {r[0] for r in rows[1:]} == {"nothing_applies", "all_pending", "normal"}
    assert ["nothing_applies", "", "", "", "", "", "", "", "none", ""] in rows
    pending = [r for r in rows if r[0] == "all_pending"]
    assert ["all_pending", "", "act1", "never", "r2", "", "", "", "pending", "needs: s"] in pending
    assert ["all_pending", "", "act1", "recommend", "r1", "", "", "", "pending", "needs: x, b"] in pending


def test_a_conflict_is_in_the_csv_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = _csv(capsys, *_write(tmp_path, "- id: torn\n  facts: {x: 6, b: true, s: a}\n"))
    assert code == 1
    assert ["torn", "", "act1", "", "r1, r2", "", "", "", "conflict", "for: r1; against: r2"] in rows
    assert "1 patient has conflicting recommendations" in err
    code = main(["run", *_write(tmp_path, "- id: torn\n  facts: {x: 6, b: true, s: a}\n")])
    out = capsys.readouterr().out
    assert code == 1 and "Conflicts:" in out


def test_a_parameter_clash_is_reported_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = _csv(capsys, *_write(tmp_path, "- id: both\n  facts: {x: 60, b: true, s: c}\n"))
    assert code == 1 and "1 patient gets an action with different parameters from two rules" in err
    (clash,) = [r for r in rows if r[8] == "clash"]
    assert clash == ["both", "", "act2", "", "r3, r4", "every: 3 months (r3); every: 6 months (r4)", "", "", "clash",
                     "every differs"]
    code = main(["run", *_write(tmp_path, "- id: both\n  facts: {x: 60, b: true, s: c}\n")])
    out = capsys.readouterr().out
    assert code == 1 and "Clashes (one action, different parameters):" in out


def test_the_text_report_lists_its_references(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parent
    toy = str(root / "fixtures" / "cases" / "toy.rules")
    cases = tmp_path / "c.yaml"
    cases.write_text("facts: {size_cm: 8, grade: 3, site: extremity}\n")
    assert main(["run", toy, str(cases)]) == 0
    out = capsys.readouterr().out
    assert "[Category 1; refs 6, 8]" in out
    assert out.endswith("References:\n  [6] Reference six\n  [8] Reference eight\n")
