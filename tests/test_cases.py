"""Case loading and validation (engine.cases.load): every kind of bad case data gives one exact, located message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dsl.diagnostics import Diagnostic
from engine.cases.load import load_cases
from engine.core.model import Model
from engine.resolve.pipeline import load_model

TOY = str(Path(__file__).parent / "fixtures" / "cases" / "toy.rules")


@pytest.fixture(scope="module")
def model() -> Model:
    m, diags, _ = load_model(TOY)
    assert m is not None, diags
    return m


def load(tmp_path: Path, model: Model, name: str, text: str) -> tuple[list, list[Diagnostic]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_cases([str(path)], model)


def one_error(tmp_path: Path, model: Model, name: str, text: str) -> Diagnostic:
    _, diags = load(tmp_path, model, name, text)
    assert len(diags) == 1, [d.message for d in diags]
    return diags[0]


GOOD = """\
- id: a
  description: first
  facts: {age: 50, size_cm: 8, sex: female, site: uterus, grade: 2, reviewed: true, lines: 3}
- id: b
  facts: {grade: "3", lines: 2.0, site: null}
- facts: {}
"""


def test_valid_yaml_list(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "c.yaml", GOOD)
    assert diags == []
    assert [c.id for c in cases] == ["a", "b", f"{tmp_path / 'c.yaml'}#3"]
    assert cases[0].facts == {"age": 50, "size_cm": 8, "sex": "female", "site": "uterus", "grade": 2,
                              "reviewed": True, "lines": 3}
    assert cases[1].facts == {"grade": 3, "lines": 2}  # "3" accepted for an integer enum; null is unknown
    assert isinstance(cases[1].facts["lines"], int)
    assert cases[0].description == "first" and cases[0].line == 1 and cases[1].line == 4


def test_single_mapping_and_json(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "one.yml", "id: x\nfacts: {reviewed: false}\n")
    assert diags == [] and cases[0].facts == {"reviewed": False}
    cases, diags = load(tmp_path, model, "one.json", '[{"id": "j", "facts": {"grade": 1, "size_cm": 2.5}}]')
    assert diags == [] and cases[0].facts == {"grade": 1, "size_cm": 2.5}


@pytest.mark.parametrize(("text", "code", "message", "line", "help"), [
    ("id: p\nfacts:\n  sise_cm: 3\n", "E307", "case 'p': unknown input 'sise_cm'", 3, "did you mean 'size_cm'?"),
    ("id: p\nfacts:\n  size_cm: \"5\"\n", "E308",
     "case 'p': input 'size_cm': expected a number in 0..100 cm, got the string '5'", 3, None),
    ("id: p\nfacts:\n  size_cm: 5 cm\n", "E308",
     "case 'p': input 'size_cm': expected a number in 0..100 cm, got the string '5 cm'", 3,
     "write the number without its unit: the unit is always cm"),
    ("id: p\nfacts:\n  reviewed: yes\n", "E308",
     "case 'p': input 'reviewed': expected true or false, got the string 'yes'", 3, None),
    ("id: p\nfacts:\n  lines: 2.5\n", "E308", "case 'p': input 'lines': expected an integer in 0..10, got 2.5", 3,
     None),
    ("id: p\nfacts:\n  size_cm: 500\n", "E309",
     "case 'p': input 'size_cm': 500 cm is out of range: expected a number in 0..100 cm", 3, None),
    ("id: p\nfacts:\n  site: lung\n", "E310",
     "case 'p': input 'site': 'lung' is not an allowed value: expected one of: extremity, uterus, other", 3, None),
    ("id: p\nfacts:\n  grade: 4\n", "E310",
     "case 'p': input 'grade': '4' is not an allowed value: expected one of: 1, 2, 3", 3, None),
    ("id: p\nfacts: {site: uterus, sex: male}\n", "E311",
     "case 'p' breaks the assumption 'site == uterus implies sex == female' (with site = uterus, sex = male)", 2,
     "such a patient is impossible under the guideline: check the case's data"),
    ("id: p\ndescription: x\n", "E304", "case 'p' has no 'facts'", 1,
     "write the patient's data as 'facts: {input: value, ...}'"),
    ("id: p\nfacts: [1, 2]\n", "E305", "case 'p': 'facts' must be a mapping of input names to values, got a list", 2,
     "write 'facts: {}' for a patient with no data"),
    ("id: p\nfacts: {}\nexpected: {}\n", "E306", "case 'p': unknown key 'expected'", 3, "did you mean 'expect'?"),
    ("id: p\nfacts: {grade: 2\n", "E301", "invalid YAML: while parsing a flow mapping did not find expected ',' or "
     "'}'", 3, None),
    ("- a\n- b\n", "E303", "the case file holds a list of strings, not cases", 1,
     "each case is a mapping: '- id: ...' then 'facts: {input: value}' indented below it"),
    ("# nothing\n", "E302", "the case file holds no case", 1,
     "write a case (id, description, facts) or a list of cases"),
    ("- id: p\n  facts: {}\n- id: p\n  facts: {}\n", "E312", "case 'p': duplicate case id", 3,
     "give every case its own id"),
    ("id: p\nfacts: {grade: 2, grade: 3}\n", "E313", "duplicate key 'grade': only one value is allowed", 2, None),
])
def test_invalid_yaml_case(tmp_path: Path, model: Model, text: str, code: str, message: str, line: int,
                           help: str | None) -> None:
    d = one_error(tmp_path, model, "bad.yaml", text)
    assert (d.code, d.message, d.help) == (code, message, help)
    assert d.span is not None and d.span.file == str(tmp_path / "bad.yaml") and d.span.line == line


def test_empty_file(tmp_path: Path, model: Model) -> None:
    d = one_error(tmp_path, model, "empty.yaml", "  \n")
    assert (d.code, d.message) == ("E302", "the case file is empty")


def test_case_without_id_is_named_by_position(tmp_path: Path, model: Model) -> None:
    d = one_error(tmp_path, model, "c.yaml", "- facts: {}\n- facts: {age: -1}\n")
    assert d.message == "case #2: input 'age': -1 years is out of range: expected a number in 0..120 years"
    assert d.span is not None and d.span.line == 2


def test_all_errors_are_collected(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "c.yaml", "- id: a\n  facts: {age: x, sise_cm: 1}\n- id: b\n  facts: {}\n")
    assert [d.code for d in diags] == ["E308", "E307"]
    assert [c.id for c in cases] == ["b"]


def test_bad_json(tmp_path: Path, model: Model) -> None:
    d = one_error(tmp_path, model, "c.json", '{"id": "p",\n "facts": {"age": }}')
    assert (d.code, d.message) == ("E301", "invalid JSON: Expecting value")
    assert d.span is not None and (d.span.line, d.span.column) == (2, 19)


def test_json_error_has_line(tmp_path: Path, model: Model) -> None:
    d = one_error(tmp_path, model, "c.json", '[\n {"id": "p",\n  "facts": {"reviewed": "yes"}}\n]')
    assert d.message == "case 'p': input 'reviewed': expected true or false, got the string 'yes'"
    assert d.span is not None and d.span.line == 3


def test_missing_file_and_bad_extension(tmp_path: Path, model: Model) -> None:
    (tmp_path / "notes.txt").write_text("x")
    _, diags = load_cases([str(tmp_path / "nope.yaml"), str(tmp_path / "notes.txt")], model)
    assert [d.code for d in diags] == ["E901", "E315"]
    assert diags[0].message == f"cannot read case file '{tmp_path / 'nope.yaml'}': no such file or directory"


def test_directory_means_every_case_file_sorted(tmp_path: Path, model: Model) -> None:
    (tmp_path / "b.yaml").write_text("id: b\nfacts: {}\n")
    (tmp_path / "a.json").write_text('{"id": "a", "facts": {}}')
    (tmp_path / "readme.md").write_text("not a case")
    cases, diags = load_cases([str(tmp_path)], model)
    assert diags == [] and [c.id for c in cases] == ["a", "b"]


# -- CSV cohorts -------------------------------------------------------------------------------------------------


def test_csv_cohort(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "c.csv", "id,age,grade,reviewed,site\np1,40,2,true,\np2,,3,FALSE,uterus\n")
    assert diags == []
    assert [(c.id, c.facts) for c in cases] == [("p1", {"age": 40.0, "grade": 2, "reviewed": True}),
                                                ("p2", {"grade": 3, "reviewed": False, "site": "uterus"})]


def test_csv_errors(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "c.csv", "age,grade\n40,2\nold,2\n30\n50,5\n")
    assert [(d.code, d.message, d.span.line if d.span else 0) for d in diags] == [
        ("E308", "row 3: input 'age': expected a number in 0..120 years, got the string 'old'", 3),
        ("E303", "row 4 has 1 cells but the header has 2 columns", 4),
        ("E310", "row 5: input 'grade': '5' is not an allowed value: expected one of: 1, 2, 3", 5)]
    assert [c.id for c in cases] == [f"{tmp_path / 'c.csv'}:2"]


def test_csv_unknown_column_rejects_file(tmp_path: Path, model: Model) -> None:
    cases, diags = load(tmp_path, model, "c.csv", "age,grde\n40,2\n")
    assert cases == [] and [(d.code, d.message, d.help) for d in diags] == [
        ("E307", "header: unknown input 'grde'", "did you mean 'grade'?")]
    assert diags[0].span is not None and (diags[0].span.line, diags[0].span.column) == (1, 5)


def test_large_csv_with_one_bad_row(tmp_path: Path, model: Model) -> None:
    rows = ["id,age,size_cm,sex,site,grade,reviewed,lines"]
    rows += [f"p{i},{i % 100},{i % 50}.5,female,{('extremity', 'uterus')[i % 2]},{i % 3 + 1},"
             f"{'true' if i % 2 else 'false'},{i % 10}" for i in range(20_000)]
    rows[10_001] = "bad,40,8,male,uterus,2,true,1"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    start = time.perf_counter()
    cases, diags = load_cases([str(path)], model)
    elapsed = time.perf_counter() - start
    assert len(cases) == 19_999
    assert [(d.code, d.span.line if d.span else 0) for d in diags] == [("E311", 10_002)]
    assert diags[0].message.startswith("case 'bad' breaks the assumption")
    assert elapsed < 5, elapsed
