"""The CSV and Parquet reports of a guideline with adjustments (docs/language.md, "Adjustments") or never_together
constraints ("Never together").

Why these rows: the ``applies`` rows carry each rule's own parameters, so without an ``adjusted`` row a reader of
the CSV alone would see the unadjusted dose. Two adjustments in force that disagree are a clash (a finding, exit 1)
in every format and on every engine: the DuckDB path assembles such a guideline's results case by case, since its
per-plan rows do not know the verdicts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
GIST = str(ROOT / "tests/fixtures/adjust/gist.rules")
DISAGREE = str(ROOT / "tests/fixtures/adjust/disagree.rules")

GIST_COHORT = """id,high_risk,kit_exon,intolerant,pregnant
g1,true,9,false,false
g2,true,9,,false
g3,true,11,true,false
g4,false,9,false,false
g5,true,9,true,true
"""


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


def test_csv_shows_the_adjustments_in_force_and_pending(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "gist.csv"
    path.write_text(GIST_COHORT, encoding="utf-8")
    r = cli("run", GIST, str(path), "--format", "csv", "--engine", "python")
    assert r.code == 0, r.err
    rows = _rows(r.out)
    adjusted = [(c[0], c[4], c[5], c[9]) for c in rows if c[8] == "adjusted"]
    assert adjusted == [
        ("g1", "exon9_dose", "dose: 800 mg", ""),  # exon 9: in force
        ("g2", "exon9_dose", "dose: 800 mg", "needs: intolerant"),  # intolerance unknown: may be overridden
        ("g2", "intolerant_dose", "dose: 300 mg", "needs: intolerant"),
        ("g3", "intolerant_dose", "dose: 300 mg", ""),
    ]  # g4 has no recommendation to adjust; g5's imatinib is set aside ("never ... prevails"): nothing adjusted
    assert [c[8] for c in rows if c[0] == "g4"] == ["none"]


def test_two_adjustments_that_disagree_are_a_clash(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("id,renal,elderly\nd1,true,true\nd2,true,false\n", encoding="utf-8")
    for fmt in ("csv", "text", "json"):
        r = cli("run", DISAGREE, str(path), "--format", fmt, "--engine", "python")
        assert r.code == 1, (fmt, r.err)
        assert "1 patient gets an action with different parameters" in r.err
    rows = _rows(cli("run", DISAGREE, str(path), "--format", "csv", "--engine", "python").out)
    assert [c for c in rows if c[8] == "clash"] == [
        ["d1", "", "drug", "", "renal_dose, elderly_dose", "dose: 5 mg (renal_dose); dose: 2.5 mg (elderly_dose)",
         "", "", "clash", "dose differs"]]


@pytest.mark.parametrize("rules", [GIST, DISAGREE])
def test_duckdb_gives_the_python_bytes_and_parquet_the_same_rows(cli: Cli, tmp_path: Path, rules: str) -> None:
    pytest.importorskip("duckdb")
    import duckdb

    path = tmp_path / "c.csv"
    path.write_text(GIST_COHORT if rules == GIST else "id,renal,elderly\nd1,true,true\nd2,,false\nd3,false,\n",
                    encoding="utf-8")
    py = cli("run", rules, str(path), "--format", "csv", "--engine", "python")
    dk = cli("run", rules, str(path), "--format", "csv", "--engine", "duckdb")
    assert (dk.code, dk.out, dk.err) == (py.code, py.out, py.err)
    out = tmp_path / "out.parquet"
    pq = cli("run", rules, str(path), "--engine", "duckdb", "-o", str(out))
    assert (pq.code, pq.err) == (py.code, py.err)
    got = duckdb.connect().execute(f"SELECT * FROM read_parquet('{out}')").fetchall()
    assert [["" if c is None else c for c in r] for r in got] == _rows(py.out)


TOGETHER = str(ROOT / "tests/fixtures/together/hypertension.rules")
HYPERTENSION = """id,systolic,diabetes,pregnant,ckd,black
h1,150,true,false,false,false
h2,150,false,false,true,false
h3,120,true,false,false,false
"""


def test_a_broken_never_together_is_a_row_and_a_finding(cli: Cli, tmp_path: Path) -> None:
    """A patient given two actions that must never be given together is flagged in every format and exits 1,
    as a conflict does (check reports both as errors: E201, E209)."""
    path = tmp_path / "h.csv"
    path.write_text(HYPERTENSION, encoding="utf-8")
    for fmt in ("csv", "text", "json"):
        r = cli("run", TOGETHER, str(path), "--format", fmt, "--engine", "python")
        assert r.code == 1, (fmt, r.err)
        assert "1 patient is given actions that must never be given together" in r.err
    rows = _rows(cli("run", TOGETHER, str(path), "--format", "csv", "--engine", "python").out)
    assert [c for c in rows if c[8] == "never_together"] == [
        ["h1", "", "ace_inhibitor, arb", "", "diabetes_first_line", "", "", "", "never_together", ""]]


def test_duckdb_flags_never_together_as_python_does(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    path = tmp_path / "h.csv"
    path.write_text(HYPERTENSION, encoding="utf-8")
    py = cli("run", TOGETHER, str(path), "--format", "csv", "--engine", "python")
    dk = cli("run", TOGETHER, str(path), "--format", "csv", "--engine", "duckdb")
    assert (dk.code, dk.out, dk.err) == (py.code, py.out, py.err)
