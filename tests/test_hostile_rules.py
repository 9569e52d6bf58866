"""Hostile inputs, rules files (issue 22, findings 8, 9 and 10).

Numbers: a 400-digit literal or a 1e-401 threshold is a clear range error at file:line:col (it was an internal
error, or an underflow to 0 that changed the rule's meaning). Size: a condition of 400,000 ``or`` terms is refused
at once with bounded memory (it took 99 s and 10 GB). The number of diagnostics printed is bounded. ``render
--section S --case C`` for a patient who never enters S draws no path and says why.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_hostile_output import gg

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
guideline "T" version "1"
input x "X": number in 0..{high}
input b "B": bool
action a1 "A1"
action a2(dose: Gy) "A2"
section main "Main":
  rule r1 "R1":
    when {condition}
    recommend a1
  rule r2 "R2":
    when b
    recommend a2(dose: {dose} Gy)
"""


def _rules(tmp_path: Path, high: str = "100", condition: str = "x > 5", dose: str = "50") -> Path:
    path = tmp_path / "r.rules"
    path.write_text(BASE.format(high=high, condition=condition, dose=dose))
    return path


@pytest.mark.parametrize("where", ["high", "condition", "dose"])
@pytest.mark.parametrize("command", ["check", "run"])
def test_a_400_digit_number_is_a_range_error(where: str, command: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    huge = "9" * 400
    path = _rules(tmp_path, **{where: huge if where != "condition" else f"x < {huge}"})
    cases = tmp_path / "c.yaml"
    cases.write_text("facts: {x: 3, b: true}\n")
    code = main([command, str(path)] + ([str(cases)] if command == "run" else []))
    out, err = capsys.readouterr()
    text = out + err
    line, column = {"high": (2, 27), "condition": (8, 14), "dose": (12, 24)}[where]
    assert code == 1 and "internal error" not in text
    assert f"{path}:{line}:{column}: error[E006]: the number 9999999999...999999 (400 characters) is too large" \
        in text


def test_a_tiny_threshold_is_a_range_error_not_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = "0." + "0" * 400 + "2"
    path = _rules(tmp_path, condition=f"x < {tiny}")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:8:14: error[E006]" in out and "is too small (it would be read as 0)" in out
    assert "never true" not in out


def test_numbers_inside_the_bounds_are_exact_enough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _rules(tmp_path, high="999999999999999", condition="x < 0.000000000001")
    assert main(["check", str(path)]) == 0, capsys.readouterr().out
    path = _rules(tmp_path, condition="x < 0.1234567890123456")
    assert main(["check", str(path)]) == 1
    assert "has 16 significant digits, more than 15" in capsys.readouterr().out


@pytest.mark.parametrize("terms", [300_000, 400_000])
def test_a_huge_condition_is_refused_at_once(terms: int, tmp_path: Path) -> None:
    """R15: 400,000 ``or`` terms (4.3 MB) took 99 s and 10 GB: now past the size of a rules file (4 MB); 300,000
    (3.2 MB) are refused before parsing by the operator count. Each in well under a second of work."""
    condition = " or ".join(f"x == {i % 100}" for i in range(terms))
    path = _rules(tmp_path, condition=condition)
    started = time.perf_counter()
    code, out, err, peak_mb = gg("check", str(path), timeout=60, tmp=tmp_path)
    seconds = time.perf_counter() - started
    if terms == 400_000:
        assert code == 2 and "error[E901]" in out and "larger than 4 MB" in out, (out, err)
    else:
        assert code == 1 and "error[E007]" in out and "more than 100,000 'and', 'or' and 'not'" in out, (out, err)
    assert seconds < 10 and peak_mb < 300, (seconds, peak_mb)


def test_a_large_condition_has_a_bound_of_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    condition = " or ".join(f"x == {i % 100}" for i in range(21_000))
    path = _rules(tmp_path, condition=condition)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:8:10: error[E007]: this condition has more than 20,000 operators and comparisons" in out


def test_the_number_of_diagnostics_printed_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "c.csv"
    cases.write_text("id,x,b\n" + "".join(f"p{i},{1000 + i},true\n" for i in range(5000)))
    path = _rules(tmp_path)
    assert main(["run", str(path), str(cases), "--keep-going"]) == 1
    err = capsys.readouterr().err
    assert err.count("error[E309]") == 100 and "... and 4,900 more, not shown" in err
    assert "5,000 cases skipped because of the errors above; 0 evaluated" in err


NOMATCH = "facts: {extent: metastatic, prior_doxorubicin: false, phase: treatment}\n"


def test_render_a_case_outside_the_section_highlights_nothing(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "nomatch.yaml"
    case.write_text(NOMATCH)
    lms = str(ROOT / "rules" / "lms.rules")
    assert main(["render", lms, "--section", "uterine", "-o", str(tmp_path / "plain.dot")]) == 0
    assert main(["render", lms, "--section", "uterine", "--case", str(case), "-o", str(tmp_path / "case.dot")]) == 0
    err = capsys.readouterr().err
    assert "warning[W904]" in err and "never enters section 'uterine'" in err and "extent = metastatic" in err
    assert (tmp_path / "case.dot").read_text() == (tmp_path / "plain.dot").read_text()


def test_the_source_text_is_read_next_to_the_repository_and_required_in_ci(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 11: tests/test_lms_rules.py read the source text from an absolute path and skipped anywhere else."""
    import test_lms_rules

    from engine.resolve.pipeline import load_model

    expected = ROOT.parent / "shared" / "guideline" / "leiomyosarcoma-clinical-management.txt"
    source: Path = test_lms_rules.SOURCE
    assert source == expected
    model, _, _ = load_model(str(ROOT / "rules" / "lms.rules"))
    assert model is not None
    monkeypatch.setattr(test_lms_rules, "SOURCE", tmp_path / "missing.txt")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="the source text is missing"):
        test_lms_rules.test_source_quotes_come_from_the_text(model)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        test_lms_rules.test_source_quotes_come_from_the_text(model)


def test_check_prints_at_most_100_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = "".join(f"  rule r{i}:\n    when nope{i}\n    recommend a1\n" for i in range(3000))
    path = tmp_path / "many.rules"
    path.write_text('guideline "T"\naction a1 "A1"\nsection main "Main":\n' + rules)
    started = time.perf_counter()
    assert main(["check", str(path)]) == 1
    assert time.perf_counter() - started < 10
    out = capsys.readouterr().out
    assert out.count("error[E101]") == 100 and "... and 2,900 more, not shown" in out
    assert out.endswith("many.rules: 3000 errors\n")
