"""`guidegraph run`: output formats, determinism, and nothing on stdout when the case data is bad."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_cases import GOOD, TOY

from engine.cli.report_run import Progress

if TYPE_CHECKING:
    from conftest import Cli

CASES = """\
- id: big
  facts: {size_cm: 8, grade: 3, site: extremity}
- id: uterus_reviewed
  facts: {size_cm: 8, grade: 3, site: uterus, reviewed: true}
- id: unknown_grade
  facts: {size_cm: 8, site: extremity}
"""


@pytest.fixture
def cases(tmp_path: Path) -> str:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES)
    return str(path)


def test_text_output(cli: Cli, cases: str) -> None:
    code, out, err = cli("run", TOY, cases)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [  # one verdict per action first; "because" names the let, not its expansion
        "Case big",
        "  RECOMMEND Radiation therapy (rt) -- timing: postoperative, dose: 50..60 Gy  [Category 1; refs 6, 8]",
        "      because Big tumour: 8 cm; grade in {2, 3} (grade 3)",
        "      rule: RT for big tumours (rt_big)",
    ]
    assert "  RECOMMEND Excision (excision)" in lines
    assert "    Enter lines to decide 1 item: CONSIDER Chemotherapy (chemo)" in lines
    assert "  True: Big tumour (big)" not in lines  # the full trace is --explain's
    block = out.split("Case uterus_reviewed")[1].split("Case unknown_grade")[0]
    assert "  Set aside:\n    RECOMMEND Radiation therapy (rt) (rule rt_big) -- set aside by" in block
    assert ("  CONSIDER Radiation therapy (rt) -- dose: 66 Gy\n"
            "      because Site: uterus; Reviewed by the team\n") in block
    assert "    Enter grade to decide 1 item: RECOMMEND Radiation therapy (rt)" in out.split("Case unknown_grade")[1]
    code, explained, _ = cli("run", TOY, cases, "--explain")
    assert explained.startswith(out.split("\n\nCase uterus_reviewed")[0])
    assert "      rule rt_big, because:\n          - Big tumour: 8 cm\n" in explained
    assert "  True: Big tumour (big)" in explained


def test_json_is_deterministic_and_sorted(cli: Cli, cases: str) -> None:
    code, first, _ = cli("run", TOY, cases, "--format", "json")
    _, second, _ = cli("run", TOY, cases, "--format", "json")
    assert code == 0 and first == second
    doc = json.loads(first)
    assert first == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert doc["guideline"] == "Toy guideline"
    assert [r["case"] for r in doc["results"]] == ["big", "uterus_reviewed", "unknown_grade"]
    rec = next(r for r in doc["results"][0]["recommendations"] if r["action"] == "rt")
    assert rec["params"] == {"timing": "postoperative", "dose": {"min": 50, "max": 60, "unit": "Gy"}}
    assert rec["citations"] == [6, 8] and rec["rule"] == "rt_big" and rec["section"] == "local"


def test_json_empty_results(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("age\n")
    code, out, _ = cli("run", TOY, str(path), "--format", "json")
    assert code == 0 and json.loads(out) == {"guideline": "Toy guideline", "results": []}
    assert out == json.dumps(json.loads(out), indent=2, sort_keys=True) + "\n"


def test_csv_output(cli: Cli, cases: str) -> None:
    code, out, _ = cli("run", TOY, cases, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0
    assert rows[0] == ["case", "section", "action", "strength", "rule", "params", "evidence", "citations",
                       "status", "detail"]
    assert ["big", "local", "rt", "recommend", "rt_big", "timing: postoperative; dose: 50..60 Gy", "Category 1",
            "6, 8", "applies", ""] in rows
    # what the text report shows besides recommendations is in the CSV too
    assert ["unknown_grade", "", "rt", "recommend", "rt_big", "", "", "", "pending", "needs: grade"] in rows
    assert any(r[0] == "uterus_reviewed" and r[8] == "overridden" and r[4] == "rt_big" for r in rows)


def test_output_file_is_written(cli: Cli, cases: str, tmp_path: Path) -> None:
    out_path = tmp_path / "out.json"
    code, out, _ = cli("run", TOY, cases, "--format", "json", "-o", str(out_path))
    assert code == 0 and out == ""
    assert json.loads(out_path.read_text())["guideline"] == "Toy guideline"


@pytest.mark.parametrize("text", [
    "id: p\nfacts:\n  sise_cm: 3\n", "id: p\nfacts:\n  size_cm: \"5\"\n", "id: p\nfacts:\n  reviewed: yes\n",
    "id: p\nfacts:\n  size_cm: 500\n", "id: p\nfacts:\n  site: lung\n", "id: p\nfacts: {site: uterus, sex: male}\n",
    "id: p\ndescription: x\n", "id: p\nfacts: [1]\n", "id: p\nfacts: {}\nfact: {}\n", "id: p\nfacts: {a: 2\n",
    "- a\n- b\n", "", "- id: p\n  facts: {}\n- id: p\n  facts: {}\n",
])
def test_bad_case_data_prints_nothing(cli: Cli, tmp_path: Path, cases: str,
                                      text: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out_path = tmp_path / "out.txt"
    code, out, err = cli("run", TOY, cases, str(bad), "-o", str(out_path))
    assert code == 1 and out == "" and not out_path.exists()
    assert f"{bad}:" in err and "error[E3" in err
    code, out, err = cli("run", TOY, cases, str(bad))
    assert code == 1 and out == ""


def test_message_names_case_input_and_allowed(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: p7\nfacts:\n  size_cm: 500\n")
    code, out, err = cli("run", TOY, str(bad))
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (f"{bad}:3:12: error[E309]: case 'p7': input 'size_cm': 500 cm is out of range: "
                                   "expected a number in 0..100 cm")
    assert "3 |   size_cm: 500" in err


def test_keep_going(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    rows = ["id,size_cm,grade,site"] + [f"p{i},{i % 20},{i % 3 + 1},extremity" for i in range(12_000)]
    rows[6_001] = "broken,8,grade_two,extremity"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = cli("run", TOY, str(path), "--format", "csv")
    assert (code, out) == (1, "")
    assert "row 6002" not in err and "case 'broken': input 'grade': 'grade_two' is not an allowed value" in err
    code, out, err = cli("run", TOY, str(path), "--format", "csv", "--keep-going")
    assert code == 1
    assert f"{path}:6002:" in err and "grade_two" in err
    cases_out = {row[0] for row in csv.reader(io.StringIO(out))} - {"case"}
    assert len(cases_out) == 11_999 and "broken" not in cases_out


def test_good_cases_from_test_module(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    code, out, err = cli("run", TOY, str(path), "--format", "json")
    assert code == 0 and err == "" and len(json.loads(out)["results"]) == 3


def test_unreadable_rules_exit_2(cli: Cli, cases: str, tmp_path: Path) -> None:
    code, out, err = cli("run", str(tmp_path / "missing.rules"), cases)
    assert (code, out) == (2, "") and "E901" in err


def test_unreadable_case_file_exit_2(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("run", TOY, str(tmp_path / "missing.yaml"))
    assert (code, out) == (2, "") and "cannot read case file" in err


def test_rules_with_errors_exit_1(cli: Cli, cases: str, tmp_path: Path) -> None:
    rules = tmp_path / "bad.rules"
    rules.write_text(Path(TOY).read_text().replace("when big and grade", "when big and grde"))
    code, out, err = cli("run", str(rules), cases)
    assert (code, out) == (1, "")
    assert "error[E1" in err and "grde" in err


def test_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(5000, stream)
        for _ in range(5000):
            bar.step()
        bar.close()
    assert pipe.getvalue() == ""
    assert "100% 5000/5000 cases" in tty.getvalue()
    small = Tty()
    Progress(10, small).step()
    assert small.getvalue() == ""


def test_run_explain_prints_notes_interpretations_and_source_sentences(cli: Cli, tmp_path: Path) -> None:
    """Issue 15: an interpretation of the source is marked on its rule (a footnote starting 'Interpretation:')
    and ``run --explain`` shows it with the sentence the rule encodes; JSON always carries both."""
    case = tmp_path / "retro.yaml"
    case.write_text("id: retro\nfacts: {phase: treatment, extent: localized, site: retroperitoneum, grade: 3, "
                    "size_cm: 10, rt_timing: preoperative}\n", encoding="utf-8")
    code, out, _ = cli("run", "rules/lms.rules", str(case), "--explain")
    assert code == 0
    after = out.split("rule retroperitoneal_preoperative_rt", 1)[1].splitlines()[1:]
    block = "\n".join(line for line in after[:next(i for i, x in enumerate(after) if not x.startswith("        "))])
    assert "note: Interpretation:" in block and 'source: "' in block
    code, plain, _ = cli("run", "rules/lms.rules", str(case))
    assert "note: Interpretation:" in plain and "source:" not in plain  # notes under the verdicts; sources: --explain
    code, text, _ = cli("run", "rules/lms.rules", str(case), "--format", "json")
    recs = json.loads(text)["results"][0]["recommendations"]
    rt = next(r for r in recs if r["rule"] == "retroperitoneal_preoperative_rt")
    assert any(n.startswith("Interpretation:") for n in rt["notes"]) and rt["source"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("guidegraph ")
