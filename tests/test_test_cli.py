"""`guidegraph test`: expectations (parsing errors E4xx, readable failures), coverage with witnesses, JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from test_cases import TOY

from engine.cases.coverage import coverage, witness
from engine.cli.commands.run import load_guideline
from engine.cli.main import main

PASSING = """\
- id: big
  facts: {size_cm: 8, grade: 3, site: extremity}
  expect:
    recommend: [rt, excision]
    absent: [chemo]
    pending: {chemo: [lines]}
    params:
      rt: {timing: postoperative, dose: "50..60 Gy"}
- id: uterus_reviewed
  facts: {size_cm: 8, grade: 3, site: uterus, reviewed: true}
  expect:
    consider: [rt]
    params: {rt: {dose: 66 Gy}}
- id: unknown_grade
  facts: {size_cm: 8, site: extremity}
  expect:
    pending: [rt]
"""


def gg_test(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["test", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_all_pass_with_partial_coverage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = gg_test(capsys, TOY, write(tmp_path, PASSING))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == ["PASS big", "PASS uterus_reviewed", "PASS unknown_grade"]
    assert lines[-1] == "3 passed, 0 failed"
    assert "Rule coverage: 80.0% (4 of 5 rules fired)" in lines
    assert "Rules no case fires:" in lines
    assert f"  chemo_many_lines ({TOY}:44:3)" in lines
    witness_block = out.split("    witness case:\n")[1].split("Decision-graph")[0]
    pasted = yaml.safe_load("\n".join(line[6:] for line in witness_block.splitlines()))
    assert pasted == [{"id": "covers_chemo_many_lines",
                       "description": "fires rule chemo_many_lines (generated witness)", "facts": {"lines": 3}}]


def test_min_coverage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, PASSING)
    code, out, _ = gg_test(capsys, TOY, path, "--min-coverage", "90")
    assert code == 1 and "rule coverage 80.0% is below the minimum of 90%" in out
    assert out.splitlines()[-1] == "3 passed, 0 failed"
    code, _, _ = gg_test(capsys, TOY, path, "--min-coverage", "80")
    assert code == 0


def test_failure_diff(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = """\
- id: u
  facts: {size_cm: 8, grade: 3, site: uterus, reviewed: true}
  expect:
    recommend: [rt]
    absent: [excision]
    params: {rt: {dose: "60 Gy"}}
    pending: [excision]
"""
    code, out, _ = gg_test(capsys, TOY, write(tmp_path, text))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"FAIL u ({tmp_path / 'cases.yaml'}:1)"
    assert lines[1].startswith("  - expected recommend rt, got: consider rt (rule rt_uterus_reviewed); "
                               "recommend rt set aside by")
    assert lines[2] == "  - expected no recommendation for excision, got: recommend excision (rule excise)"
    assert lines[3] == "  - expected excision to be pending, got: recommend excision (rule excise)"
    assert lines[4] == "  - expected rt with dose: 60 Gy, got: dose: 66 Gy (rule rt_uterus_reviewed)"
    assert lines[-1] == "0 passed, 1 failed"


@pytest.mark.parametrize(("expect", "message", "line", "help"), [
    ("recommend: [radiotherapy]", "case 'p': unknown action 'radiotherapy'", 4, None),
    ("recommend: [rtt]", "case 'p': unknown action 'rtt'", 4, "did you mean 'rt'?"),
    ("recomend: [rt]", "case 'p': unknown expectation 'recomend'", 4, "did you mean 'recommend'?"),
    ("recommend: rt", "case 'p': 'recommend' must be a list of actions, got the string 'rt'", 4,
     "write 'recommend: [action, ...]'"),
    ("params: {rt: {dos: 60 Gy}}", "case 'p': action 'rt' has no parameter 'dos'", 4, "did you mean 'dose'?"),
    ("params: {rt: {dose: 60 cGy}}", "case 'p': parameter 'dose' of 'rt': the unit 'cGy' is not the parameter's "
     "unit (Gy)", 4, None),
    ("params: {rt: {timing: after}}", "case 'p': parameter 'timing' of 'rt': expected one of: preoperative, "
     "postoperative, got the string 'after'", 4, None),
    ("params: {rt: {dose: lots}}", "case 'p': parameter 'dose' of 'rt': expected a number like '66 Gy' or a range "
     "like '50..60 Gy', got the string 'lots'", 4, None),
    ("pending: {rt: [grde]}", "case 'p': 'grde' is not an input of the guideline", 4, "did you mean 'grade'?"),
    ("pending: 3", "case 'p': 'pending' must be a list of actions or a mapping action -> inputs, got 3", 4, None),
])
def test_malformed_expectation(capsys: pytest.CaptureFixture[str], tmp_path: Path, expect: str, message: str,
                               line: int, help: str | None) -> None:
    path = write(tmp_path, f"id: p\nfacts: {{}}\nexpect:\n  {expect}\n")
    code, out, err = gg_test(capsys, TOY, path)
    assert (code, out) == (1, "")
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:{line}:") and first.endswith(f"error[E4{first.split('[E4')[1][:2]}]: {message}")
    assert (f"= help: {help}" in err) if help else ("= help" not in err)


def test_expect_not_a_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = gg_test(capsys, TOY, write(tmp_path, "id: p\nfacts: {}\nexpect: [rt]\n"))
    assert (code, out) == (1, "")
    assert "error[E401]: case 'p': 'expect' must be a mapping, got a list" in err


def test_junit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    failing = PASSING.replace("consider: [rt]", "never: [rt]")
    out_path = tmp_path / "report.xml"
    code, out, _ = gg_test(capsys, TOY, write(tmp_path, failing), "--format", "junit", "-o", str(out_path),
                        "--min-coverage", "100")
    assert code == 1 and out == ""
    root = ET.fromstring(out_path.read_text())
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("4", "2")
    names = [(c.get("name"), c.find("failure") is not None) for c in suite.iter("testcase")]
    assert names == [("big", False), ("uterus_reviewed", True), ("unknown_grade", False), ("rule coverage", True)]
    code, out, _ = gg_test(capsys, TOY, write(tmp_path, PASSING), "--format", "junit")
    assert code == 0 and ET.fromstring(out.split("\n", 1)[1]).tag == "testsuites"


def test_coverage_counts_overridden_rules_and_leaves(tmp_path: Path) -> None:
    guideline, _ = load_guideline(TOY)
    assert guideline is not None
    facts = [{"site": "uterus", "sex": "female", "reviewed": True, "size_cm": 8.0, "grade": 3}]
    results = [guideline.evaluate(f) for f in facts]
    cov = coverage(guideline, facts, results)
    assert set(cov.fired) == {"rt_big", "rt_uterus_no", "rt_uterus_reviewed", "excise"}
    assert cov.uncovered == ("chemo_many_lines",)
    assert cov.unreached == cov.leaves  # 'lines' is unknown: two leaves are possible, so none is reached
    facts[0]["lines"] = 1
    cov = coverage(guideline, facts, [guideline.evaluate(f) for f in facts], witnesses=False)
    assert len(cov.unreached) == len(cov.leaves) - 1 and cov.witnesses == {}
    for rule in ("rt_big", "chemo_many_lines", "rt_uterus_no"):
        found = witness(guideline, rule)
        assert found is not None
        assert any(r.rule == rule for r in guideline.evaluate(found).recommendations)
