"""Hostile inputs, CSV cohorts (issue 22, findings 1 and 8): no row is ever lost to another row's mistake.

A cohort is generated (nothing large is committed): 20,000 rows of the toy guideline with one broken row in the
middle. Whatever is wrong with that row (an unterminated quote, a cell of 200,000 characters, a line of 1.2 MB,
two stray quotes three lines apart), it is reported on its true line, only it is skipped (under ``--keep-going``),
every other patient comes out, and the summary says how many rows were skipped. Without ``--keep-going`` nothing
is printed and the exit code is 1.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
TOY = str(ROOT / "tests" / "fixtures" / "cases" / "toy.rules")
ROWS = 20_000
MIDDLE = 10_000  # row index; its line number is MIDDLE + 2 (after the header, lines count from 1)


def _cohort(tmp_path: Path, broken: dict[int, str], name: str = "cohort.csv") -> Path:
    """ROWS rows ``p{i},size,grade,site``; ``broken`` replaces the size cell of some rows."""
    lines = ["id,size_cm,grade,site,description"]
    for i in range(ROWS):
        size = broken.get(i, str(i % 20))
        lines.append(f"p{i},{size},{i % 3 + 1},extremity,row {i}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, set[str], str]:
    code = main(["run", TOY, *argv, "--format", "csv"])
    out, err = capsys.readouterr()
    ids = {row[0] for row in csv.reader(io.StringIO(out))} - {"case"}
    return code, ids, err


@pytest.mark.parametrize("cell, why", [
    ('"12', "a quoted cell opened on this line is not closed on it"),
    ('"' + "A" * 200_000 + '"', "a cell is longer than 131,072 characters"),
    ("A" * 1_200_000, "is longer than 1,000,000 characters"),
], ids=["unterminated-quote", "huge-cell", "huge-line"])
def test_one_bad_row_costs_one_row(cell: str, why: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _cohort(tmp_path, {MIDDLE: cell})
    code, ids, err = _run(capsys, str(path))
    assert (code, ids) == (1, set())  # without --keep-going: nothing printed
    assert f"{path}:{MIDDLE + 2}:1: error[E301]" in err
    started = time.perf_counter()
    code, ids, err = _run(capsys, str(path), "--keep-going")
    assert time.perf_counter() - started < 20
    assert code == 1
    assert ids == {f"p{i}" for i in range(ROWS)} - {f"p{MIDDLE}"}
    assert f"{path}:{MIDDLE + 2}:1: error[E301]" in err and why in err
    assert err.count("error[") == 1
    assert f"1 case skipped because of the errors above; {ROWS - 1:,} evaluated" in err


def test_an_unterminated_quote_near_the_end_names_its_own_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _cohort(tmp_path, {ROWS - 100: '"12'})
    code, ids, err = _run(capsys, str(path), "--keep-going")
    assert code == 1 and len(ids) == ROWS - 1 and f"p{ROWS - 100}" not in ids
    assert f"{path}:{ROWS - 100 + 2}:1: error[E301]" in err and f":{ROWS + 1}:" not in err


def test_two_stray_quotes_swallow_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _cohort(tmp_path, {MIDDLE: '"12', MIDDLE + 3: '13"'})
    code, ids, err = _run(capsys, str(path), "--keep-going")
    assert code == 1
    assert ids == {f"p{i}" for i in range(ROWS)} - {f"p{MIDDLE}", f"p{MIDDLE + 3}"}
    assert f"{path}:{MIDDLE + 2}:1: error[E301]" in err and f"{path}:{MIDDLE + 5}:" in err
    assert "2 cases skipped" in err


def test_a_quoted_line_break_in_the_description_is_still_read(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('id,size_cm,grade,site,description\np1,8,3,extremity,"two\nlines"\np2,3,1,extremity,x\n')
    code, ids, err = _run(capsys, str(path))
    assert (code, ids, err) == (0, {"p1", "p2"}, "")


def test_a_description_that_swallows_rows_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "swallow.csv"
    path.write_text('id,size_cm,grade,site,description\np1,8,3,extremity,"open\np2,3,1,extremity,x\n'
                    'p3,3,1,extremity,y\np4,3,1,extremity,"closed"\n')
    code, ids, err = _run(capsys, str(path), "--keep-going")
    assert code == 1 and ids == {"p2", "p3", "p4"} and f"{path}:2:1: error[E301]" in err


def test_many_unknown_columns_are_quick_and_briefly_reported(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """V15: 5,000 unknown columns: at most 100 diagnostics printed, then how many more."""
    path = tmp_path / "wide.csv"
    path.write_text("id,size_cm," + ",".join(f"extra{i}" for i in range(5000)) + "\np1,3" + "," * 5000 + "\n")
    started = time.perf_counter()
    code, ids, err = _run(capsys, str(path))
    assert time.perf_counter() - started < 10
    assert code == 1 and not ids
    assert err.count("error[E307]") == 100 and "... and 4,900 more, not shown" in err
    assert len(err) < 100_000


def test_a_header_of_100000_columns_is_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """V15/V16: a 1.2 MB header (past the line limit) or 100,000 empty column names: one error, at once."""
    for header in ("id,x,b,s," + ",".join(f"extra{i}" for i in range(100_000)), "id" + "," * 100_000):
        path = tmp_path / "huge-header.csv"
        path.write_text(header + "\np1\n")
        started = time.perf_counter()
        code, ids, err = _run(capsys, str(path))
        assert time.perf_counter() - started < 5
        assert code == 1 and not ids and err.count("error[") <= 2 and len(err) < 5_000, err[:500]


def test_an_underscore_is_not_a_digit_separator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """V10: Python's float("1_0") is 10; a CSV cell "1_0" is a typo, not ten."""
    path = tmp_path / "underscore.csv"
    path.write_text("id,size_cm,lines\np1,1_0,1\np2,3,1_0\n")
    code, ids, err = _run(capsys, str(path))
    assert code == 1 and not ids
    assert "input 'size_cm': expected a number in 0..100 cm, got the string '1_0'" in err
    assert "input 'lines': expected an integer in 0..10, got the string '1_0'" in err
