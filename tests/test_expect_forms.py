"""Parameter expectations in the three forms an author may write them (issue 7's `radiotherapy: {dose: 50..60 Gy}`
included), each able to fail."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FACTS = """facts:
  phase: treatment
  extent: localized
  site: extremity
  depth: deep
  size_cm: 8
  grade: 3
  rt_timing: postoperative
"""


def _test(tmp_path: Path, expect: str) -> tuple[int, str]:
    case = tmp_path / "case.yaml"
    case.write_text("id: rt\n" + FACTS + "expect:\n" + expect, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["test", str(ROOT / "rules" / "lms.rules"), str(case)])
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("expect", [
    "  params:\n    radiotherapy: {dose: 50..60 Gy, fraction: 1.8..2 Gy}\n",
    "  radiotherapy: {dose: 50..60 Gy, fraction: 1.8..2 Gy}\n",
    "  recommend:\n    - radiotherapy: {dose: 50..60 Gy, fraction: 1.8..2 Gy}\n",
])
def test_each_form_passes_and_fails(expect: str, tmp_path: Path) -> None:
    code, out = _test(tmp_path, expect)
    assert code == 0, out
    code, out = _test(tmp_path, expect.replace("50..60 Gy", "45..50 Gy"))
    assert code == 1
    assert "expected radiotherapy with dose: 45..50 Gy" in out


def test_unknown_parameter_under_an_action_key_is_an_error(tmp_path: Path) -> None:
    code, out = _test(tmp_path, "  radiotherapy: {dosis: 50 Gy}\n")
    assert code == 1
    assert "error[E404]" in out and "no parameter 'dosis'" in out and "did you mean 'dose'?" in out
