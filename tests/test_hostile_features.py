"""Hostile inputs against the features added after the first red-team report (derived values, choice sets,
never_together, action-level exceptions, adjustments, display vocabulary, question_order, audit, the SQL
engines, diff --cohort, export, test, report). Each test failed before the fix it names.

The commands run in a child process where the Python stack matters (the in-process recursion limit is raised by
other tests that compile large guidelines).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hostile_features"


def gg(*argv: str | Path, cwd: Path = ROOT, timeout: float = 60) -> tuple[int, str, str]:
    """``guidegraph ARGV`` in a child process: exit code, stdout, stderr."""
    r = subprocess.run([sys.executable, "-m", "engine", *map(str, argv)], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def _bool_let_chain(n: int) -> str:
    """A guideline whose let l{n-1} uses l{n-2} ... l0: each let shallow, the chain deep."""
    text = 'guideline "h"\ninput a: bool\ninput b: bool\nlet l0 = a\n'
    text += "".join(f"let l{i} = l{i - 1} {'and b' if i % 2 else 'or a'}\n" for i in range(1, n))
    return text + f"action t\nsection s:\n  rule r:\n    when l{n - 1}\n    recommend t\n"


@pytest.mark.parametrize("command", ["check", "run", "render", "export"])
def test_a_long_chain_of_lets_is_E005_not_a_recursion_error(command: str, tmp_path: Path) -> None:
    """200 lets each using the one before ran out of Python's stack in every command (exit 3)."""
    rules = tmp_path / "chain.rules"
    rules.write_text(_bool_let_chain(200))
    cases = tmp_path / "c.yaml"
    cases.write_text("facts: {a: true, b: true}\n")
    extra: dict[str, list[str | Path]] = {"check": [], "run": [cases], "render": ["-o", tmp_path / "x.dot"],
                                          "export": ["--format", "json", "-o", tmp_path / "x.json"]}
    code, out, err = gg(command, rules, *extra[command])
    assert code == 1, err
    assert "internal error" not in err
    assert f"{rules}:64:1: error[E005]: the let 'l60' nests too deeply" in out + err


def test_a_let_chain_just_inside_the_limit_runs_everywhere(tmp_path: Path) -> None:
    """The deepest let chain allowed (119 levels), used under a rule condition nested as deep as the parser
    allows, runs through check, run --explain, render and report without running out of stack."""
    text = _bool_let_chain(59).rsplit("action t", 1)[0]
    cond = "l58"
    for j in range(54):
        cond = f"(b or {cond})" if j % 2 else f"(a and {cond})"
    rules = tmp_path / "deep.rules"
    rules.write_text(text + f"action t\nsection s:\n  rule r:\n    when {cond}\n    recommend t\n")
    cases = tmp_path / "c.yaml"
    cases.write_text("- {id: c1, facts: {a: true, b: true}}\n- {id: c2, facts: {a: false}}\n")
    runs: list[list[str | Path]] = [["check", rules], ["run", rules, cases, "--explain"],
                                    ["render", rules, "-o", tmp_path / "x.dot"],
                                    ["report", rules, cases, "-o", tmp_path / "x.html"]]
    for argv in runs:
        code, _, err = gg(*argv)
        assert code == 0, (argv, err)


def test_sql_refusing_derived_values_exits_2(tmp_path: Path) -> None:
    """`sql` on a guideline with a classification said it could not (good) but exited 1, where `run --engine
    duckdb` and the README say 2 (a usage problem, not a finding)."""
    rules = tmp_path / "d.rules"
    rules.write_text('guideline "h"\ninput x: number in 0..10\nclassify c:\n  when x > 5 then hi\n  otherwise lo\n'
                     "action t\nsection s:\n  rule r:\n    when c == hi\n    recommend t\n")
    code, out, err = gg("sql", rules)
    assert code == 2 and out == ""
    assert "cannot write this guideline as SQL" in err and "(c" in err


CLASH_WORDS = """\
guideline "h"
unit mg_per_day "mg/day"
input a: bool
action drug(dose: mg_per_day, timing: {at_once "At once", later "Later"}) "Drug"
section s:
  rule r1:
    when a
    recommend drug(dose: 400 mg_per_day, timing: at_once)
  rule r2:
    when a
    recommend drug(dose: < 130 mg_per_day, timing: later)
"""


def test_clashing_values_are_written_in_the_authors_words(tmp_path: Path) -> None:
    """The text report printed every parameter value with its labels and unit forms except clashing ones
    (``dose: 400 mg_per_day (r1) | < 130 mg_per_day (r2) [CLASH], timing: at_once (r1) | later (r2)``)."""
    rules = tmp_path / "clash.rules"
    rules.write_text(CLASH_WORDS)
    cases = tmp_path / "c.yaml"
    cases.write_text("facts: {a: true}\n")
    code, out, _ = gg("run", rules, cases)
    assert code == 1
    assert "dose: 400 mg/day (r1) | < 130 mg/day (r2) [CLASH], timing: At once (r1) | Later (r2) [CLASH]" in out
    assert "Drug (drug): dose: 400 mg/day (rule r1); < 130 mg/day (rule r2)" in out
    assert "mg_per_day" not in out and "at_once" not in out


@pytest.mark.parametrize("limit", ["-1", "-5"])
def test_audit_negative_limit_is_a_usage_error(limit: str, tmp_path: Path) -> None:
    """`audit --limit -5` was taken as 0 (list every discordant row) without a word; it is a usage error now."""
    rules = tmp_path / "a.rules"
    rules.write_text('guideline "h"\ninput a: bool\naction q\nsection s:\n  rule r:\n    when a\n    never q\n')
    cohort = tmp_path / "c.csv"
    cohort.write_text("id,a,given_q\np1,true,1\np2,true,1\n")
    code, out, err = gg("audit", rules, cohort, "--given", "given_q", f"--limit={limit}")
    assert code == 2 and out == ""
    assert f"argument --limit: expected 0 (all) or more, got {limit}" in err
