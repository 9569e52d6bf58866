"""Hostile inputs, YAML and JSON case files (issue 22, findings 2 and 6).

A duplicate key in a JSON case file is an error at any file size (it used to be skipped over 1,000,000
characters, so ``{"x": 6, "x": 2}`` silently became x = 2). A YAML alias bomb (560 bytes expanding to 9^9 values)
is refused at once, with bounded memory, measured in a child process.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_hostile_output import gg

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
TOY = str(ROOT / "tests" / "fixtures" / "cases" / "toy.rules")


def test_a_duplicate_key_in_a_large_json_file_is_an_error(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cases = [{"id": f"c{i}", "description": "padding " * 20, "facts": {"size_cm": 6, "grade": 3}}
             for i in range(6000)]
    text = json.dumps(cases).replace('"id": "c5", "description": "' + "padding " * 20 + '", "facts": {"size_cm": 6,',
                                     '"id": "c5", "description": "' + "padding " * 20
                                     + '", "facts": {"size_cm": 6, "size_cm": 2,', 1)
    assert len(text) > 1_000_000 and text.count('"size_cm"') == 6001
    path = tmp_path / "big.json"
    path.write_text(text)
    code = main(["run", TOY, str(path), "--format", "csv"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert "error[E313]: duplicate key 'size_cm'" in err and f"{path}:1:" in err


def test_a_duplicate_key_in_a_small_json_file_is_still_located(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.json"
    path.write_text('{"id": "c",\n "facts": {"size_cm": 6,\n  "size_cm": 2}}\n')
    assert main(["run", TOY, str(path)]) == 1
    assert f"{path}:3:3: error[E313]: duplicate key 'size_cm'" in capsys.readouterr().err


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
id: bomb
facts: {size_cm: 6, grade: 3}
description: *i
"""

CASE_BOMB = """\
- &c0 {id: x, facts: {size_cm: 6}}
- &c1 [*c0, *c0, *c0, *c0, *c0, *c0, *c0, *c0, *c0, *c0]
- &c2 [*c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1]
- &c3 [*c2, *c2, *c2, *c2, *c2, *c2, *c2, *c2, *c2, *c2]
- &c4 [*c3, *c3, *c3, *c3, *c3, *c3, *c3, *c3, *c3, *c3]
- &c5 [*c4, *c4, *c4, *c4, *c4, *c4, *c4, *c4, *c4, *c4]
- &c6 [*c5, *c5, *c5, *c5, *c5, *c5, *c5, *c5, *c5, *c5]
- &c7 [*c6, *c6, *c6, *c6, *c6, *c6, *c6, *c6, *c6, *c6]
"""


@pytest.mark.parametrize("text", [BOMB, CASE_BOMB], ids=["description", "cases"])
def test_a_yaml_alias_bomb_is_refused_in_bounded_time_and_memory(text: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    started = time.perf_counter()
    code, out, err, peak_mb = gg("run", TOY, str(path), timeout=30, tmp=tmp_path)
    seconds = time.perf_counter() - started
    assert code == 1 and out == "", err
    assert "error[E301]: invalid YAML: its aliases expand to more than 1,000,000 values" in err
    assert seconds < 10 and peak_mb < 300, (seconds, peak_mb)


def test_a_self_referring_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("id: loop\nfacts: {size_cm: 6}\ndescription: &d [1, *d]\n")
    code, _, err, _ = gg("run", TOY, str(path), timeout=30, tmp=tmp_path)  # (the position walk used to loop)
    assert code == 1 and "an alias refers to the value that contains it" in err


def test_ordinary_anchors_still_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text("- id: a\n  facts: &f {size_cm: 8, grade: 3, site: extremity}\n- id: b\n  facts: *f\n")
    assert main(["run", TOY, str(path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.count("rt_big") == 2


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_a_clear_error(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"deep{suffix}"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text(f'{{"id": "d", "facts": {{}}, "description": {nested}}}\n')
    assert main(["run", TOY, str(path)]) == 1
    err = capsys.readouterr().err
    assert "error[E301]" in err and "nest" in err and "internal error" not in err


def test_a_large_yaml_or_json_file_is_refused_with_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """200,000 small cases in JSON (11 MB) took 26 s and 1.5 GB to read: past 16 MB such a file is refused."""
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"id": f"c{i}", "facts": {"size_cm": 3}} for i in range(700_000)]))
    assert path.stat().st_size > 16 * 2**20
    assert main(["run", TOY, str(path)]) == 2
    err = capsys.readouterr().err
    assert "larger than 16 MB" in err and "CSV cohort" in err


def test_a_file_of_too_many_values_is_refused_before_parsing(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A 14 MB list of small numbers (7,000,000 values) took 46 s and 5.6 GB to read with positions."""
    path = tmp_path / "dense.yaml"
    path.write_text("id: s\nfacts: {}\ndescription: [" + "1," * 7_000_000 + "1]\n")
    started = time.perf_counter()
    assert main(["run", TOY, str(path)]) == 1
    assert time.perf_counter() - started < 5
    assert "error[E301]: the file holds about 7,000,006 values, more than 3,000,000" in capsys.readouterr().err


def test_a_huge_value_is_not_printed_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("id: s\nfacts: {site: " + "x" * 10_000_000 + "}\n")
    assert main(["run", TOY, str(path)]) == 1
    err = capsys.readouterr().err
    assert "error[E310]" in err and "(10,000" in err and len(err) < 5_000
