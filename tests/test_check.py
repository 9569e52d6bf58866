"""`guidegraph check`: output formats, exit codes and the hook into the checker passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.cli.commands import check
from engine.resolve.pipeline import read_source

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
SEMANTIC = "tests/golden/semantic"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_json_is_sorted_and_complete(cli: Cli) -> None:
    code, out, _ = cli("check", f"{SEMANTIC}/out_of_domain.rules", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["file"] == f"{SEMANTIC}/out_of_domain.rules"
    assert doc["summary"] == {"errors": 3, "warnings": 0, "notes": 0}
    assert [d["code"] for d in doc["diagnostics"]] == ["E120", "E120", "E120"]
    assert [d["span"]["line"] for d in doc["diagnostics"]] == [11, 14, 14]
    assert out == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_sarif_log(cli: Cli) -> None:
    code, out, _ = cli("check", f"{SEMANTIC}/duplicate_members_and_params.rules", "--format", "sarif")
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0"
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["name"] == "guidegraph"
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert rules == ["E106", "E107"]
    first = run_["results"][0]
    assert first["ruleId"] == "E106" and rules[first["ruleIndex"]] == "E106" and first["level"] == "error"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == f"{SEMANTIC}/duplicate_members_and_params.rules"
    assert loc["region"] == {"startLine": 4, "startColumn": 21, "endLine": 4, "endColumn": 22}
    assert first["relatedLocations"][0]["physicalLocation"]["region"]["startColumn"] == 18


def test_warnings_pass_unless_strict(cli: Cli) -> None:
    path = f"{SEMANTIC}/integer_fraction.rules"
    assert cli("check", path)[0] == 0
    assert cli("check", path, "--strict")[0] == 1


def test_clean_file(cli: Cli) -> None:
    assert cli("check", f"{SEMANTIC}/clean.rules") == (0, f"{SEMANTIC}/clean.rules: no problems\n", "")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_missing_file_exits_2_in_every_format(cli: Cli, fmt: str) -> None:
    code, out, err = cli("check", "no/such.rules", "--format", fmt)
    assert code == 2 and "cannot read 'no/such.rules': no such file" in out and err == ""


def test_usage_error_exits_2(cli: Cli) -> None:
    code, _, err = cli("check", f"{SEMANTIC}/clean.rules", "--format", "xml")
    assert code == 2 and "invalid choice" in err


def test_read_source_reasons(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_bytes(b"guideline \"x\"\n\xff")
    assert read_source(str(tmp_path))[1][0].message.endswith("it is a directory, not a file")
    (d,) = read_source(str(bad))[1]
    assert d.code == "E901" and "not UTF-8" in d.message and str(bad) in d.message
    bom = tmp_path / "bom.rules"
    bom.write_bytes(b"\xef\xbb\xbfguideline")
    assert read_source(str(bom)) == ("guideline", [])


def test_summary_line_pluralises() -> None:
    assert check.summary_line("x", {"errors": 2, "warnings": 1, "notes": 3}) == "x: 2 errors, 1 warning, 3 notes"
    assert check.summary_line("x", {"errors": 0, "warnings": 0, "notes": 1}) == "x: 1 note"
