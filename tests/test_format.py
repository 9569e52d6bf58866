"""The canonical formatter and `guidegraph fmt`: canonical text is a fixed point, formatting keeps the tree and
the comments, and the command rewrites atomically or checks."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from dsl import ast
from dsl.format import canonical, cond, fmt_text, format_file
from dsl.parser import parse
from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent

CANONICAL = '''\
# Leiomyosarcoma, encoded from the source summary.
guideline "Leiomyosarcoma: Clinical Management" version "2026.1"

reference 6 "Reference 6 of the source summary"

input age "Age": number years in 0..120
input lines_of_therapy: integer in 0..10
input imaging_done "Adequate imaging before biopsy": bool
input site "Primary site": {extremity, trunk_wall, retroperitoneum, uterus, other}  # FNCLCC
input grade "FNCLCC grade": {1, 2, 3}

assume site == uterus implies sex == female
assume menopausal_status is known implies (sex == female or not site in {uterus})

# ---------------------------------------------------------------------------------
# Named conditions.

let high_grade "Intermediate or high grade (2-3)" = grade in {2, 3}
let high_risk "High risk" = high_grade and depth == deep and size_cm > 5.0 cm

action wide_excision "Wide excision" modality surgery
action radiotherapy(timing: {preoperative, postoperative}, dose: Gy, fraction: Gy, boost: Gy, note: text)
    "Radiation therapy \\"RT\\"" modality radiotherapy

section localized "Localized disease" when extent == localized:

  # The standard indication.
  rule rt_standard "Standard indication for RT":
    when depth == deep and size_cm > 5 cm and high_grade
    recommend radiotherapy(timing: postoperative, dose: 50..60 Gy, fraction: 1.8..2 Gy, boost: 66 Gy)
    evidence "Category 1"
    preference preferred
    cite 6, 8
    source "Deep tumors >5 cm with intermediate-high grade (Category 1 evidence)"
    footnote "first\\nsecond"
    footnote "back\\\\slash"

  rule uterine_no_rt:
    when site == uterus and years_since_treatment in 0..3 years
    not_recommended radiotherapy  # see below
    never wide_excision
    overrides rt_standard, other_rule
    preference other

  cover radiotherapy
  cover wide_excision when not (a or b) and c is unknown
  todo "Margin-based approach"

section metastatic:
  todo "Later"

# the end
'''


def test_canonical_text_is_a_fixed_point() -> None:
    formatted, diagnostics = fmt_text(CANONICAL, "c.rules")
    assert diagnostics == []
    assert formatted == CANONICAL


MESSY = '''\
#top comment
guideline "T"   # header trailing
   version "1"  # second trailing comment on the header
  # before inputs
input a: bool # a
input b "B \\"quoted\\" \\\\ x": {x, other}    #b


  # before assume
assume a implies (b == other or not a)
section s "S" when a:   # section
  # before rule
  rule r:  # rule trailing
    cite 6, 8 # cite
    # before when
    when a and
       b == x # inside when
    recommend t(dose: 50..60 Gy, n: -2, s: "x", q: true)
  rule q: never t overrides r preference other  # all on one line
  cover t when not (a)
  # before todo
  todo "x\\ny"
# end of section
let z = true
#tail1

#   tail2   \n'''


def test_messy_file_formats_idempotently_and_keeps_the_tree_and_comments() -> None:
    once, diagnostics = fmt_text(MESSY, "m.rules")
    assert diagnostics == [] and once is not None
    twice, _ = fmt_text(once, "m.rules")
    assert twice == once
    before, _ = parse(MESSY, "m.rules")
    after, _ = parse(once, "m.rules")
    assert before is not None and after is not None
    assert after == canonical(before)
    assert sorted(c.text.rstrip() for c in after.comments) == sorted(c.text.rstrip() for c in before.comments)


def test_messy_file_layout() -> None:
    once, _ = fmt_text(MESSY, "m.rules")
    assert once is not None
    lines = once.splitlines()
    assert lines[:3] == ["#top comment", 'guideline "T" version "1"  # header trailing', ""]
    assert "input a: bool  # a" in lines
    assert "  # before rule" in lines and "    # before when" in lines and "  # before todo" in lines
    assert "    when a and b == x  # inside when" in lines
    i = lines.index("  rule r:  # rule trailing")
    assert lines[i + 1:i + 5] == ["    # before when", "    when a and b == x  # inside when",
                                  '    recommend t(dose: 50..60 Gy, n: -2, s: "x", q: true)', "    cite 6, 8  # cite"]
    assert lines[-3:] == ["#tail1", "", "#   tail2"]
    assert not any(line != line.rstrip() for line in lines)


def test_blank_lines_between_groups_and_rules() -> None:
    text, _ = fmt_text('guideline "T" reference 1 "a" reference 2 "b" input x: bool let y = x let z = y '
                       'section s: cover c todo "t" rule r: must c rule q: must c cover d '
                       'section t when x: rule p: never c', "g.rules")
    assert text == '''\
guideline "T"

reference 1 "a"
reference 2 "b"

input x: bool

let y = x
let z = y

section s:
  cover c
  todo "t"

  rule r:
    must c

  rule q:
    must c

  cover d

section t when x:

  rule p:
    never c
'''


def test_hand_built_trees_get_the_parentheses_they_need() -> None:
    a, b, c = ast.Name("a"), ast.Name("b"), ast.Name("c")
    trees: list[ast.Cond] = [
        ast.And((ast.Or((a, b)), c)), ast.Or((ast.And((a, b)), c)), ast.Not(ast.And((a, b))),
        ast.Implies(ast.Implies(a, b), c), ast.Implies(a, ast.Implies(b, c)), ast.And((ast.And((a, b)), c)),
        ast.Not(ast.Not(a)), ast.Or((ast.Implies(a, b), c)),
    ]
    for tree in trees:
        f = ast.File(ast.Header(ast.String("T"), None), (ast.Assume(tree),))
        reparsed, diagnostics = parse(format_file(f), "h.rules")
        assert diagnostics == [] and reparsed is not None
        got = reparsed.decls[0]
        assert isinstance(got, ast.Assume)
        assert _strip_parens(got.cond) == tree, cond(tree)


def _strip_parens(c: ast.Cond) -> ast.Cond:
    if isinstance(c, ast.Paren):
        return _strip_parens(c.item)
    if isinstance(c, ast.And):
        return ast.And(tuple(_strip_parens(i) for i in c.items))
    if isinstance(c, ast.Or):
        return ast.Or(tuple(_strip_parens(i) for i in c.items))
    if isinstance(c, ast.Not):
        return ast.Not(_strip_parens(c.item))
    if isinstance(c, ast.Implies):
        return ast.Implies(_strip_parens(c.left), _strip_parens(c.right))
    return c


def test_hand_built_numbers_without_text() -> None:
    f = ast.File(ast.Header(ast.String("T"), None), (ast.Reference(ast.Number(6), ast.String("r")),
                                                    ast.Assume(ast.Compare(ast.Name("x"), ">", ast.Number(1.5, "cm")))))
    assert format_file(f) == 'guideline "T"\n\nreference 6 "r"\n\nassume x > 1.5 cm\n'


def test_syntax_errors_give_no_text() -> None:
    text, diagnostics = fmt_text('guideline "T"\ninput x bool', "e.rules")
    assert text is None and diagnostics[0].code == "E016"


def _repo_rules() -> list[Path]:
    found = sorted({*ROOT.glob("rules/**/*.rules"), *ROOT.glob("tests/**/*.rules")})
    return [p for p in found if p.is_file()]


def _parses(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    tree, _ = parse(text, str(path))
    return text if tree is not None else None


PARSEABLE = [p for p in _repo_rules() if _parses(p) is not None]


def test_round_trip_covers_the_guideline() -> None:
    assert ROOT / "rules" / "lms.rules" in PARSEABLE


@pytest.mark.parametrize("path", PARSEABLE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_round_trip_of_every_rules_file_in_the_repo(path: Path) -> None:
    tree, _ = parse(path.read_text(encoding="utf-8"), str(path))
    assert tree is not None
    once = format_file(tree)
    again, _ = parse(once, str(path))
    assert again == canonical(tree)
    assert format_file(again) == once
    assert sorted(c.text for c in again.comments) == sorted(c.text for c in tree.comments)


def test_the_guideline_files_are_in_canonical_form() -> None:
    guidelines = sorted(ROOT.glob("rules/*.rules"))
    assert guidelines, "rules/lms.rules is missing"
    for path in guidelines:
        text = path.read_text(encoding="utf-8")
        assert fmt_text(text, str(path))[0] == text, f"run: guidegraph fmt {path.relative_to(ROOT)}"


# ---------------------------------------------------------------------------------------------------------------
# guidegraph fmt


def test_fmt_rewrites_in_place_keeping_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.rules"
    path.write_text(MESSY, encoding="utf-8")
    os.chmod(path, 0o640)
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == fmt_text(MESSY, "x")[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.rules"]  # no temporary file left behind
    assert "reformatted" in capsys.readouterr().out


def test_fmt_leaves_a_canonical_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "g.rules"
    path.write_text(CANONICAL, encoding="utf-8")
    os.utime(path, (1_000_000, 1_000_000))
    assert main(["fmt", str(path)]) == 0
    assert path.stat().st_mtime == 1_000_000


def test_fmt_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.rules"
    path.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", str(path), "--check"]) == 1
    out = capsys.readouterr().out
    assert str(path) in out and re.search(r"^\+input a: bool  # a$", out, re.M)
    assert path.read_text(encoding="utf-8") == MESSY
    path.write_text(CANONICAL, encoding="utf-8")
    assert main(["fmt", str(path), "--check"]) == 0
    assert capsys.readouterr().out == ""


def test_fmt_crlf_file_is_not_canonical(tmp_path: Path) -> None:
    path = tmp_path / "g.rules"
    path.write_bytes(CANONICAL.replace("\n", "\r\n").encode())
    assert main(["fmt", str(path), "--check"]) == 1
    assert main(["fmt", str(path)]) == 0
    assert path.read_bytes() == CANONICAL.encode()


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_fmt_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str], check: list[str]) -> None:
    missing = tmp_path / "missing.rules"
    assert main(["fmt", str(missing), *check]) == 2
    # reported like every other command's unreadable file (issue 12)
    assert capsys.readouterr().err == f"error[E901]: cannot read '{missing}': no such file\n"
    assert main(["fmt", str(tmp_path), *check]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "b.rules"
    binary.write_bytes(b"guideline \xff")
    assert main(["fmt", str(binary), *check]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_fmt_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.rules"
    path.write_text('guideline "T"\ninput x: bool $\n', encoding="utf-8")
    assert main(["fmt", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:15: error[E002]: unexpected character '$'" in err
    assert "2 | input x: bool $" in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == 'guideline "T"\ninput x: bool $\n'
