"""Misuse of derived values that the golden files (``guidegraph check`` on a rules file) cannot show: case files
that give a derived value as an input or a list for an input that is not a set, set inputs written in a CSV
cohort, and the misuses that are not caught yet (kept as strict expected failures, so that fixing them is
noticed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli

RULES = """\
guideline "BP"
input sbp "Systolic blood pressure": integer mmHg in 60..260
input dbp "Diastolic blood pressure": integer mmHg in 30..160
input diabetes: bool
input ckd: bool
input smoker: bool
input site: {gastric, small_bowel}
input size: number cm in 0..50
input prior "Prior therapy": set of {imatinib, sunitinib, regorafenib}
assume sbp > dbp
let pp "Pulse pressure": number mmHg = sbp - dbp
let risk_factors = count_of {diabetes, ckd, smoker}
classify risk "Risk category" first_match:
  when site == gastric and size <= 2 cm then very_low
  when size <= 5 cm then low
  otherwise high
action treat "Treat" modality systemic
action second_line "Second line"
section s "Hypertension":
  rule r1:
    when sbp - dbp > 60 mmHg
    recommend treat
  rule r2:
    when risk == high and imatinib in prior
    recommend second_line
  rule r3:
    when risk_factors >= 2 and pp > 40 mmHg
    consider treat
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "bp.rules"
    path.write_text(RULES)
    return path


def _case(tmp_path: Path, body: str, name: str = "case.yaml") -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


@pytest.mark.parametrize(("fact", "what", "inputs"), [
    ("risk: high", "a classification", "site, size"),
    ("pp: 50", "a formula", "sbp, dbp"),
    ("risk_factors: 2", "a score", "diabetes, ckd, smoker"),
])
def test_a_derived_value_given_as_a_fact_is_named_as_computed(cli: Cli, rules: Path, tmp_path: Path, fact: str,
                                                              what: str, inputs: str) -> None:
    case = _case(tmp_path, f"id: c\nfacts:\n  sbp: 150\n  {fact}\n")
    code, out, err = cli("run", str(rules), case)
    name = fact.split(":")[0]
    assert code == 1 and out == ""
    assert "error[E307]" in err and f"'{name}' is {what} the guideline computes, not an input" in err, err
    assert f"give the inputs it is computed from instead: {inputs}" in err, err


def test_a_list_for_an_input_that_is_not_a_set(cli: Cli, rules: Path, tmp_path: Path) -> None:
    case = _case(tmp_path, "id: c\nfacts:\n  diabetes: [true]\n")
    code, out, err = cli("run", str(rules), case)
    assert code == 1 and out == ""
    assert "error[E308]" in err and "input 'diabetes': expected true or false, got a list" in err, err


def test_a_member_the_set_cannot_hold(cli: Cli, rules: Path, tmp_path: Path) -> None:
    case = _case(tmp_path, "id: c\nfacts:\n  prior: [imatinib, ripretinib]\n")
    code, out, err = cli("run", str(rules), case)
    assert code == 1 and out == ""
    assert "ripretinib" in err and "error[E3" in err, err


def test_set_inputs_from_yaml_lists_and_csv_cells_agree(cli: Cli, rules: Path, tmp_path: Path) -> None:
    """A YAML list and a CSV cell ``a|b`` give the same set; ``|`` alone is the empty set, while an empty cell
    is an unknown input (as for every input in a CSV cohort), so a rule on a member is pending on the set."""
    facts = "sbp: 150, dbp: 80, site: small_bowel, size: 7"
    yaml_case = _case(tmp_path, f"- id: a\n  facts: {{{facts}, prior: [sunitinib, imatinib]}}\n"
                                f"- id: b\n  facts: {{{facts}, prior: []}}\n"
                                f"- id: c\n  facts: {{{facts}}}\n")
    csv_case = _case(tmp_path, "id,sbp,dbp,site,size,prior\na,150,80,small_bowel,7,sunitinib|imatinib\n"
                               "b,150,80,small_bowel,7,|\nc,150,80,small_bowel,7,\n", "cohort.csv")
    got = []
    for case in (yaml_case, csv_case):
        code, out, err = cli("run", "--format", "json", str(rules), case)
        assert code == 0, err
        got.append(json.loads(out))
    assert got[0] == got[1]
    by_id = {r["case"]: r for r in got[0]["results"]}
    assert [x["action"] for x in by_id["a"]["recommendations"] if x["rule"] == "r2"] == ["second_line"]
    assert not [x for x in by_id["b"]["recommendations"] + by_id["b"]["pending"] if x["rule"] == "r2"]
    assert [x["needs"] for x in by_id["c"]["pending"] if x["rule"] == "r2"] == [["prior"]]


def test_a_set_compared_with_a_value_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "s.rules"
    path.write_text('guideline "S"\ninput prior: set of {imatinib, sunitinib}\naction treat\nsection main:\n'
                    "  rule r:\n    when prior == imatinib\n    recommend treat\n")
    code, out, err = cli("check", str(path))
    assert code == 1 and "error[E185]" in out + err, out + err


def test_a_divisor_that_computes_to_zero_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "d.rules"
    path.write_text('guideline "D"\ninput w: number kg in 1..10\naction treat\nsection main:\n'
                    "  rule r:\n    when w / (2 - 2) > 3 kg\n    recommend treat\n")
    code, out, err = cli("check", str(path))
    assert code == 1 and "error[E186]" in out + err, out + err
