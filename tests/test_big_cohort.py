"""A 50 MB cohort with one bad row in the middle (issue 9): the bad row is named exactly, nothing is written for
the failed run, and ``--keep-going`` reports the row and evaluates all the others.

The cohort is rules/lms.rules patients (from ``bench.cohort``, fixed seed, 5% of cells missing), repeated until the
file passes 50 MB; row 200,001 gets a grade the guideline does not have.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.cohort import cohort_rows
from engine import load

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
LMS = "rules/lms.rules"
BAD_LINE = 200_002  # the header is line 1


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = load(str(ROOT / LMS)).model
    names = list(model.inputs)
    sample = [",".join(_cell(row.get(n)) for n in names) for row in cohort_rows(model, 2_000, 0.05, 11)]
    path = tmp_path_factory.mktemp("cohort") / "cohort_50mb.csv"
    lines = ["id," + ",".join(names)]
    size, i = 0, 0
    while size < 50_000_000:
        line = f"p{i}," + sample[i % len(sample)]
        if len(lines) + 1 == BAD_LINE:
            cells = line.split(",")
            cells[1 + names.index("grade")] = "4"
            line = ",".join(cells)
        lines.append(line)
        size += len(line) + 1
        i += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size >= 50_000_000
    return path


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@pytest.mark.slow
def test_one_bad_row_fails_the_run_and_writes_nothing(cli: Cli, big_csv: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "results.csv"
    code, stdout, stderr = cli("run", LMS, str(big_csv), "--format", "csv", "--engine", "python", "-o", str(out))
    assert code == 1
    assert stdout == ""
    assert not out.exists()
    assert f"{big_csv}:{BAD_LINE}:" in stderr
    assert "error[E310]" in stderr and "'grade'" in stderr and "4" in stderr
    assert stderr.count("error[") == 1


@pytest.mark.slow
def test_keep_going_reports_the_row_and_evaluates_the_rest(cli: Cli, big_csv: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "results.csv"
    code, stdout, stderr = cli("run", LMS, str(big_csv), "--format", "csv", "--engine", "python", "--keep-going",
                                 "-o", str(out))
    assert code == 1
    assert stdout == ""  # the results went to -o
    assert stderr.count("error[") == 1 and f"{big_csv}:{BAD_LINE}:" in stderr
    n_rows = sum(1 for _ in big_csv.open(encoding="utf-8")) - 1
    with out.open(encoding="utf-8") as f:
        cases = {line.split(",", 1)[0] for line in f}
    cases.discard("case")
    assert len(cases) == n_rows - 1
    assert f"p{BAD_LINE - 2}" not in cases and f"p{BAD_LINE - 3}" in cases
