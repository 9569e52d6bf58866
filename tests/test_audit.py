"""``guidegraph audit`` (engine/audit/): the numbers on a cohort counted by hand, the given-column convention and
its errors (exit codes of the CLI contract), the three output forms (the HTML escaped and self-contained), and the
DuckDB path equal to the Python recount on a generated LMS cohort."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")

RULES = """guideline "Audit <fixture>" version "1"

input stage: {early, late}
input fit: bool

action surgery "Surgery"
action chemo "Chemotherapy"
action scan "Scan"

section main "Main":
  rule early_surgery:
    when stage == early
    recommend surgery

  rule late_no_surgery:
    when stage == late
    not_recommended surgery

  rule late_chemo:
    when stage == late and fit
    consider chemo
"""

# rows (lines 2..9): what the guideline says of surgery, and what the registry recorded
COHORT = """id,stage,fit,given_surgery,chem
a1,early,true,yes,1
a2,early,false,0,
a3,early,true,,no
a4,late,true,TRUE,true
a5,late,false, No ,0
a6,late,true,1,1
a7,,true,1,0
a8,late,,false,1
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    rules, cohort = tmp_path / "a.rules", tmp_path / "cohort.csv"
    rules.write_text(RULES, encoding="utf-8")
    cohort.write_text(COHORT, encoding="utf-8")
    return str(rules), str(cohort)


def _duckdb() -> bool:
    try:
        import duckdb  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        return False
    return True


BOTH = ["python", pytest.param("duckdb", marks=pytest.mark.skipif(not _duckdb(), reason="the cohort extra "
                                                                   "(duckdb, sqlglot) is not installed"))]


def _audit(cli: Cli, *argv: str) -> tuple[int, dict[str, Any], str]:
    r = cli("audit", *argv, "--format", "json")
    return r.code, json.loads(r.out) if r.out else {}, r.err


@pytest.mark.parametrize("engine", BOTH)
def test_counts_by_hand(cli: Cli, files: tuple[str, str], engine: str) -> None:
    rules, cohort = files
    code, out, err = _audit(cli, rules, cohort, "--given", "given_surgery,chem=chemo", "--engine", engine)
    assert code == 1, err  # a discordant row is a finding
    assert "2 discordant rows (2 patients" in err
    by_rule = {(r["rule"], r["action"]): r for r in out["rules"]}
    # early_surgery applies to a1..a3: given yes, 0 (not given), empty (not recorded)
    assert {k: by_rule["early_surgery", "surgery"][k] for k in ("active", "given", "not_given", "not_recorded",
                                                                  "concordant", "discordant", "pending")} == \
        {"active": 3, "given": 1, "not_given": 1, "not_recorded": 1, "concordant": 1, "discordant": 0,
         "pending": 1}  # a7: stage unknown
    # late_no_surgery: a4 (TRUE: given, discordant), a5 (' No ': not given), a6 (1: given), a8 (false)
    late = by_rule["late_no_surgery", "surgery"]
    assert (late["active"], late["given"], late["not_given"], late["discordant"], late["pending"]) == (4, 2, 2, 2, 1)
    chemo = by_rule["late_chemo", "chemo"]  # a4, a6 (fit), a8 pending on fit; a7 pending on stage
    assert (chemo["active"], chemo["given"], chemo["concordant"], chemo["pending"]) == (2, 2, 2, 2)
    surgery = next(a for a in out["actions"] if a["action"] == "surgery")
    assert (surgery["active"], surgery["positive"], surgery["negative"], surgery["discordant"],
            surgery["pending"]) == (7, 3, 4, 2, 1)
    assert out["not_audited"] == ["scan"]
    assert out["patients"] == 8 and out["skipped"] == 0
    assert [(d["row"], d["case"], d["rule"], d["strength"], d["column"]) for d in out["discordant"]] == [
        (5, "a4", "late_no_surgery", "not_recommended", "given_surgery"),
        (7, "a6", "late_no_surgery", "not_recommended", "given_surgery")]


def test_text_and_html(cli: Cli, files: tuple[str, str], tmp_path: Path) -> None:
    rules, cohort = files
    r = cli("audit", rules, cohort, "--given", "given_surgery", "--given", "chem=chemo", "--limit", "1")
    assert r.code == 1
    assert "late_no_surgery" in r.out and "Discordant rows: 2, 2 patients" in r.out and "... and 1 more" in r.out
    assert "Not audited (no given column): scan" in r.out
    page = tmp_path / "audit.html"
    r = cli("audit", rules, cohort, "--given", "given_surgery,chem=chemo", "-o", str(page))
    assert r.code == 1 and r.out == ""
    text = page.read_text(encoding="utf-8")
    assert "Audit &lt;fixture&gt;" in text and "<fixture>" not in text  # escaped
    assert "<script" not in text and "http" not in text.replace('http-equiv', '')  # loads nothing
    assert "default-src 'none'" in text


def test_hostile_ids_are_escaped_in_html(cli: Cli, files: tuple[str, str], tmp_path: Path) -> None:
    rules, _ = files
    cohort = tmp_path / "h.csv"
    cohort.write_text("id,stage,given_surgery\n<script>alert(1)</script>,late,yes\n", encoding="utf-8")
    page = tmp_path / "h.html"
    r = cli("audit", rules, str(cohort), "--given", "given_surgery", "-o", str(page))
    assert r.code == 1, r.err
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize("engine", BOTH)
def test_bad_given_cell_names_row_and_column(cli: Cli, files: tuple[str, str], tmp_path: Path, engine: str) -> None:
    rules, _ = files
    cohort = tmp_path / "bad.csv"
    cohort.write_text("id,stage,given_surgery\nb1,early,yes\nb2,early,maybe\nb3,late,no\n", encoding="utf-8")
    r = cli("audit", rules, str(cohort), "--given", "given_surgery", "--engine", engine)
    assert r.code == 1 and r.out == ""  # nothing printed
    assert "bad.csv:3:" in r.err and "column 'given_surgery'" in r.err and "'maybe' is not an allowed value" in r.err
    assert "E310" in r.err
    code, out, err = _audit(cli, rules, str(cohort), "--given", "given_surgery", "--engine", engine, "--keep-going")
    assert code == 1 and out["patients"] == 2 and out["skipped"] == 1
    assert "1 row skipped" in err


@pytest.mark.parametrize(("given", "says"), [
    ("given_surgry", "no action 'surgry' (did you mean 'surgery'?)"),
    ("surgery_done", "a given column is called given_<action>"),
    ("given_chemo", "has no column 'given_chemo'"),
    ("stage=surgery", "'stage' is an input of the guideline"),
    ("given_surgery,x=surgery", "action 'surgery' has two columns"),
])
def test_given_option_errors_are_usage_errors(cli: Cli, files: tuple[str, str], given: str, says: str) -> None:
    rules, cohort = files
    r = cli("audit", rules, cohort, "--given", given)
    assert r.code == 2 and r.out == ""
    assert says in r.err, r.err
    assert "Traceback" not in r.err


def test_a_given_column_not_named_is_refused_with_a_hint(cli: Cli, files: tuple[str, str]) -> None:
    rules, cohort = files
    r = cli("audit", rules, cohort, "--given", "chem=chemo")
    assert r.code == 1 and "unknown input 'given_surgery'" in r.err and "--given given_surgery" in r.err


def test_unreadable_cohort_and_output(cli: Cli, files: tuple[str, str], tmp_path: Path) -> None:
    rules, cohort = files
    r = cli("audit", rules, str(tmp_path / "none.csv"), "--given", "given_surgery")
    assert r.code == 2 and "E901" in r.err
    r = cli("audit", rules, cohort, "--given", "given_surgery", "-o", cohort)
    assert r.code == 2 and "refusing to write" in r.err
    r = cli("audit", rules, cohort, "--given", "given_surgery", "-o", str(tmp_path / "no" / "dir.html"))
    assert r.code == 2
    assert not (tmp_path / "no").exists()


def test_a_clean_audit_exits_zero(cli: Cli, files: tuple[str, str], tmp_path: Path) -> None:
    rules, _ = files
    cohort = tmp_path / "ok.csv"
    cohort.write_text("stage,given_surgery\nearly,1\nlate,0\n", encoding="utf-8")
    code, out, err = _audit(cli, rules, str(cohort), "--given", "given_surgery")
    assert code == 0, err
    assert out["discordant"] == [] and out["rules"][0]["concordant"] == 1


@pytest.mark.skipif(not _duckdb(), reason="the cohort extra (duckdb, sqlglot) is not installed")
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_duckdb_equals_the_python_recount_on_a_generated_cohort(cli: Cli, tmp_path: Path, suffix: str) -> None:
    from rules.lms_cohort import GIVEN, write

    csv_path = tmp_path / "lms.csv"
    write(str(csv_path), 3_000, 0.1, 7, given=True)
    path = csv_path
    if suffix == ".parquet":
        path = tmp_path / "lms.parquet"
        write(str(path), 3_000, 0.1, 7, given=True)
    given = ",".join(f"given_{a}" for a in GIVEN)
    pc, py, _ = _audit(cli, LMS, str(csv_path), "--given", given)
    dc, dk, _ = _audit(cli, LMS, str(path), "--given", given, "--engine", "duckdb")
    assert (pc, dc) == (1, 1)
    assert py.pop("engine") == "python" and dk.pop("engine") == "duckdb"
    if suffix == ".parquet":  # rows are numbered as records there, lines in a CSV file (the header is line 1)
        for d in dk["discordant"]:
            d["row"] += 1
    assert py == dk
    assert py["patients"] == 3_000 and py["discordant"]
    assert all(a["not_recorded"] for a in py["actions"] if a["active"] > 100)


def test_per_action_verdicts_match_the_evaluators(files: tuple[str, str]) -> None:
    """The audit's per-action status is the evaluator's verdict (Result.actions), recomputed from the entries."""
    from engine.audit.tally import result_keys
    from engine.cli.support import load_guideline

    guideline, _ = load_guideline(LMS)
    assert guideline is not None
    audited = {a: f"given_{a}" for a in guideline.model.actions}
    for facts in ({"site": "uterus", "sex": "female", "phase": "treatment", "extent": "localized"},
                  {"phase": "treatment", "extent": "localized", "site": "extremity", "depth": "deep"}, {}):
        result = guideline.evaluate(facts)
        status = {k[2]: k[4] for k in result_keys(result, audited) if k[0] == "action"}
        for v in result.actions:
            want = "conflict" if v.conflict else "positive" if v.strength and v.strength.positive else "negative"
            assert status[v.action] == want
