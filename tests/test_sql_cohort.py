"""DuckDB reading, validating and writing a cohort itself (engine/sql/source.py, plan.py, native.py): the bytes,
messages and exit codes of the Python path, on hostile rows, on files DuckDB must leave to the loader, on Parquet,
and on random guidelines with missing values."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from bench.cohort import cell, write_cohort
from engine.cases.validate import Case
from engine.cli.report_csv import csv_report
from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline

duckdb = pytest.importorskip("duckdb", reason="the cohort extra is not installed (scripts/setup.sh installs it)")
pytest.importorskip("sqlglot", reason="the cohort extra is not installed (scripts/setup.sh installs it)")

from engine.sql.plan import queries, write_report  # noqa: E402
from engine.sql.source import CASES, open_cohort  # noqa: E402

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
LMS = str(ROOT / "rules/lms.rules")

HOSTILE = """id,phase,extent,site,sex,size_cm,grade,mdt_reviewed,age,description
p1,treatment,localized,extremity,male,8,3,true,50,plain
p2, treatment ,localized,extremity,male, 8.0 ,3,TRUE,50,spaces around values
p3,treatment,localized,extremity,male,1e1,3,True,5e1,exponents
p4,treatment,localized,extremity,male,1_0,3,true,50,underscore
p5,treatment,localized,extremity,male,inf,3,true,50,infinite
p6,treatment,localized,extremity,male,500,3,true,50,out of range
p7,treatment,localized,extremity,male,8,4,true,50,not a grade
p8,treatment,localized,extremity,male,8 cm,3,true,50,unit written
p9,treatment,localized,uterus,male,8,3,true,50,breaks an assumption
p1,treatment,localized,extremity,male,8,3,true,50,duplicate id
 p10,treatment,localized,extremity,male,8,3,yes,50,bool as yes
p10,diagnosis,,,,,,,,duplicate after strip
,treatment,localized,extremity,female,8,3,false,50,no id
p11,treatment,localized,extremity,male,8,3,tRuE,50.5,odd case bool
p12,  ,localized,extremity,male,8,3,true,,whitespace-only cell
p13,treatment,localized,extremity,male,-0,3,true,0,negative zero
p14,follow_up,metastatic,extremity,male,8,3,true,50,follow-up breaks an assumption
p15,treatment,localized,extremity,male,.5,3,true,+50,leading dot and plus
p16,Treatment,localized,extremity,male,8,3,true,50,capitalised enum
p17,treatment,localized,extremity,male,8,3,1,50,bool as 1
"""


def _both(cli: Cli, path: Path, *extra: str) -> None:
    py = cli("run", LMS, str(path), "--format", "csv", "--engine", "python", *extra)
    dk = cli("run", LMS, str(path), "--format", "csv", "--engine", "duckdb", *extra)
    assert (dk.code, dk.err) == (py.code, py.err)
    assert dk.out == py.out


@pytest.mark.parametrize("keep", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_hostile_rows_give_the_loaders_messages_and_bytes(cli: Cli, tmp_path: Path, keep: bool) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    py = cli("run", LMS, str(path), "--format", "csv", "--keep-going")
    assert py.code == 1 and "E309" in py.err and "E310" in py.err and "E311" in py.err and "E312" in py.err
    _both(cli, path, *(["--keep-going"] if keep else []))


@pytest.mark.parametrize("text", [
    'id,phase,size_cm\np1,treatment,"8"\np2,"treat\nment",3\n',  # quotes: the loader reads the file
    pytest.param("id,phase\r\np1,treatment\r\n", marks=pytest.mark.slow),  # CRLF
    pytest.param("id,phase\n\np1,treatment\n", marks=pytest.mark.slow),  # a blank line
    "id,phase\np1,treatment,extra\np2,diagnosis\n",  # a row with too many cells
    "id,phase,gradee\np1,treatment,3\n",  # an unknown column
    pytest.param("id,phase,phase\np1,treatment,treatment\n", marks=pytest.mark.slow),  # a repeated column
    pytest.param("\ufeffid,phase\np1,treatment\n", marks=pytest.mark.slow),  # a byte-order mark
    pytest.param("id,phase\n", marks=pytest.mark.slow),  # no rows
])
def test_files_duckdb_leaves_to_the_loader_give_the_same_answers(cli: Cli, tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8", newline="")
    _both(cli, path, "--keep-going")


def test_parquet_in_and_out(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    write_cohort(str(cohort), 300, 0.2, 11)
    pq = tmp_path / "cohort.parquet"
    con = duckdb.connect()
    # typed columns where the input's type fits: DOUBLE numbers, BOOLEAN flags, text enums, an integer grade
    con.execute(f"COPY (SELECT * FROM read_csv('{cohort}', header = true, types = {{'grade': 'INTEGER', "
                f"'imaging_done': 'BOOLEAN'}})) TO '{pq}'")
    py = cli("run", LMS, str(cohort), "--format", "csv")
    out = tmp_path / "out.parquet"
    dk = cli("run", LMS, str(pq), "--engine", "duckdb", "-o", str(out))
    assert (dk.code, dk.err) == (py.code, py.err)
    back = tmp_path / "back.csv"
    con.execute(f"COPY (SELECT * FROM '{out}') TO '{back}' (HEADER)")
    assert back.read_text(encoding="utf-8") == py.out
    assert not list(tmp_path.glob(".*.tmp"))


def test_parquet_needs_an_output_file_and_the_duckdb_engine(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    write_cohort(str(cohort), 5, 0.2, 11)
    assert cli("run", LMS, str(cohort), "--engine", "duckdb", "--format", "parquet").code == 2
    assert cli("run", LMS, str(cohort), "--engine", "python", "-o", str(tmp_path / "x.parquet")).code == 2


def _differential(data: Any, tmp: Path) -> None:
    # the per-plan writer takes guidelines without adjustments (their CSV rows depend on the verdicts: run_native
    # assembles those case by case, tests/test_adjust_csv.py)
    model = data.draw(models(adjustments=False))
    g = Guideline(compile(model))
    facts = [data.draw(facts_for(model)) for _ in range(6)]
    path = tmp / "random.csv"
    names = list(model.inputs)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id," + ",".join(names) + "\n")
        for i, c in enumerate(facts):
            f.write(f"r{i}," + ",".join(cell(c.get(k)) for k in names) + "\n")
    con = duckdb.connect()
    qs = queries(g)
    # the key columns computed in the reader's scan (as the CLI does) or afterwards from the cases
    in_scan = data.draw(st.booleans())
    source = open_cohort(con, str(path), g, qs.possible, keys=qs.keys if in_scan else None)
    assert (source.keys_view is not None) == in_scan
    out = tmp / "out.csv"
    write_report(con, g, qs, CASES, str(out), "csv", source.keys_view)
    kept = [(i, c) for i, c in enumerate(facts) if g.evaluator.possible(c)]
    assert source.skipped == len(facts) - len(kept)
    pairs = [(Case(f"r{i}", None, c, None, "", 0), g.evaluate(c, f"r{i}", validate=False)) for i, c in kept]
    assert out.read_text(encoding="utf-8") == "".join(csv_report(model, pairs))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_native_report_matches_python_on_random_guidelines(tmp_path: Path, data: Any) -> None:
    _differential(data, tmp_path)


def test_rows_of_the_report_are_in_case_order(tmp_path: Path) -> None:
    """Rows a loader rescues (whitespace around a value) come back in their place in the file."""
    text = HOSTILE.splitlines()
    path = tmp_path / "order.csv"
    path.write_text("\n".join([text[0], text[1], text[2], text[1].replace("p1", "p99")]) + "\n", encoding="utf-8")
    from engine import load

    g = load(LMS)
    con = duckdb.connect()
    qs = queries(g)
    open_cohort(con, str(path), g, qs.possible)
    out = tmp_path / "out.csv"
    write_report(con, g, qs, CASES, str(out), "csv")
    cases = [r[0] for r in csv.reader(out.open(encoding="utf-8"))][1:]
    assert list(dict.fromkeys(cases)) == ["p1", "p2", "p99"]


def test_ids_whose_hashes_collide_are_sorted_out_by_the_loader(cli: Cli, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeated ids are found by their hashes; when every id hashes alike, every row goes to the loader, which
    tells true repeats (E310) from the rest: the same messages and bytes as the Python path."""
    import engine.sql.source as source

    monkeypatch.setattr(source, "ID_HASH", "hash(left({}, 0))")
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    _both(cli, path, "--keep-going")


def test_whitespace_is_what_str_strip_removes() -> None:
    """The SQL trim set is exactly Python's whitespace (the loader strips cells with ``str.strip``)."""
    from engine.sql.source import WHITESPACE

    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == WHITESPACE


def _args(*argv: str) -> Any:
    import argparse

    from engine.cli.commands.run import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["r.rules", *argv])


def test_auto_engine_picks_duckdb_where_it_is_faster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--engine auto`` (the default): DuckDB for Parquet in or out and for a large CSV cohort written as CSV;
    Python for small cohorts, text and JSON reports, several files and case files."""
    import engine.cli.commands.run as run_cmd

    monkeypatch.setattr(run_cmd, "AUTO_ROWS", 4)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_cohort(str(small), 3, 0.2, 1)
    write_cohort(str(large), 4, 0.2, 1)
    pq = tmp_path / "c.parquet"
    pq.write_bytes(b"not read here")
    yaml_case = tmp_path / "case.yaml"
    yaml_case.write_text("facts: {}\n", encoding="utf-8")
    assert _args(str(large)).engine == "auto"
    picks = {
        (str(large), "--format", "csv"): "duckdb",
        (str(small), "--format", "csv"): "python",
        (str(large),): "python",  # text: Python assembles every result anyway
        (str(large), "--format", "json"): "python",
        (str(small), "-o", str(tmp_path / "out.parquet")): "duckdb",
        (str(pq),): "duckdb",
        (str(large), str(small), "--format", "csv"): "python",
        (str(yaml_case), "--format", "csv"): "python",
        (str(tmp_path), "--format", "csv"): "python",
    }
    for argv, want in picks.items():
        assert run_cmd.auto_engine(_args(*argv)) == want, argv


def test_auto_engine_gives_the_python_bytes(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the threshold the default runs DuckDB, with the Python engine's output and messages."""
    import engine.cli.commands.run as run_cmd

    monkeypatch.setattr(run_cmd, "AUTO_ROWS", 2)
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    py = cli("run", LMS, str(path), "--format", "csv", "--engine", "python", "--keep-going")
    auto = cli("run", LMS, str(path), "--format", "csv", "--keep-going")
    assert (auto.code, auto.out, auto.err) == (py.code, py.out, py.err)


def test_auto_engine_falls_back_to_python_for_derived_values(cli: Cli, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A guideline with derived values (AF's CHA2DS2-VASc) is one the SQL engines refuse: auto runs Python, with
    nothing printed twice."""
    import engine.cli.commands.run as run_cmd

    monkeypatch.setattr(run_cmd, "AUTO_ROWS", 1)
    af = str(ROOT / "rules/af.rules")
    path = tmp_path / "af.csv"
    path.write_text("id,age\na1,70\na2,80\n", encoding="utf-8")
    assert run_cmd.auto_engine(_args(str(path), "--format", "csv")) == "duckdb"
    py = cli("run", af, str(path), "--format", "csv", "--engine", "python")
    auto = cli("run", af, str(path), "--format", "csv")
    assert py.code in (0, 1) and py.out
    assert (auto.code, auto.out, auto.err) == (py.code, py.out, py.err)
    assert cli("run", af, str(path), "--format", "csv", "--engine", "duckdb").code == 2


def test_parquet_columns_differing_by_case_are_named_as_in_the_file(cli: Cli, tmp_path: Path) -> None:
    """DuckDB renames 'Phase' beside 'phase' to 'Phase_1'; the message names the file's column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "case.parquet"
    pq.write_table(pa.table({"id": ["p1"], "phase": ["treatment"], "Phase": ["diagnosis"]}), str(path))
    r = cli("run", LMS, str(path), "--engine", "duckdb")
    assert r.code == 1
    assert "unknown input 'Phase'" in r.err and "Phase_1" not in r.err
