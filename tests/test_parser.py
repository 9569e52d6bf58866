"""The parser builds exactly the syntax tree of docs/language.md, with spans, for every construct."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lark.lexer import PatternStr

from dsl import ast
from dsl.parse_errors import KEYWORDS
from dsl.parser import PARSER, parse

ROOT = Path(__file__).resolve().parent.parent
H = 'guideline "T"\n'


def ok(text: str) -> ast.File:
    tree, diagnostics = parse(text, "t.rules")
    assert diagnostics == [], diagnostics
    assert tree is not None
    return tree


def cond(text: str) -> ast.Cond:
    decl = ok(H + "assume " + text).decls[0]
    assert isinstance(decl, ast.Assume)
    return decl.cond


def rule(body: str) -> ast.Rule:
    section = ok(H + "section s:\n  rule r:\n" + body).decls[0]
    assert isinstance(section, ast.Section) and isinstance(section.items[0], ast.Rule)
    return section.items[0]


N = ast.Name


def num(text: str, unit: str | None = None) -> ast.Number:
    return ast.Number(float(text) if "." in text else int(text), unit, text)


def test_language_doc_example_parses() -> None:
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    example = re.search(r"```\n(# Leiomyosarcoma.*?)```", doc, re.S)
    assert example is not None
    f = ok(example.group(1))
    assert f.header == ast.Header(ast.String("Leiomyosarcoma: Clinical Management"), ast.String("2026.1"))
    kinds = [type(d).__name__ for d in f.decls]
    assert kinds == ["Reference"] + ["Input"] * 5 + ["Assume"] * 2 + ["Let"] * 2 + ["Action"] * 3 + ["Section"]
    assert f.comments[0].text == " Leiomyosarcoma, encoded from the source summary."


def test_header_without_version() -> None:
    assert ok('guideline "T"').header == ast.Header(ast.String("T"), None)


def test_inputs() -> None:
    f = ok(H + 'input age "Age": number years in 0..120\ninput n: integer in 0..10\ninput k: integer\n'
           'input x: number\ninput b "B": bool\ninput site: {extremity, other}\ninput grade: {1, 2, 3}\n'
           'input t: number in -1.5..2.25 cm')
    assert f.decls == (
        ast.Input(N("age"), ast.String("Age"), ast.NumberType(False, "years", ast.Range(num("0"), num("120")))),
        ast.Input(N("n"), None, ast.NumberType(True, None, ast.Range(num("0"), num("10")))),
        ast.Input(N("k"), None, ast.NumberType(True, None, None)),
        ast.Input(N("x"), None, ast.NumberType(False, None, None)),
        ast.Input(N("b"), ast.String("B"), ast.BoolType()),
        ast.Input(N("site"), None, ast.EnumType((N("extremity"), N("other")))),
        ast.Input(N("grade"), None, ast.EnumType((num("1"), num("2"), num("3")))),
        ast.Input(N("t"), None, ast.NumberType(False, None, ast.Range(num("-1.5"), num("2.25"), "cm"))),
    )


def test_reference_assume_let() -> None:
    f = ok(H + 'reference 6 "Ref 6"\nassume site == uterus implies sex == female\n'
           'let high "High" = grade in {2, 3}\nlet x = y')
    assert f.decls == (
        ast.Reference(num("6"), ast.String("Ref 6")),
        ast.Assume(ast.Implies(ast.Compare(N("site"), "==", N("uterus")), ast.Compare(N("sex"), "==", N("female")))),
        ast.Let(N("high"), ast.String("High"), ast.InSet(N("grade"), (num("2"), num("3")))),
        ast.Let(N("x"), None, N("y")),
    )


def test_actions() -> None:
    f = ok(H + "action a\naction b \"B\"\naction c modality surgery\n"
           "action rt(timing: {pre, post}, dose: Gy, n: number, k: integer, note: text)\n"
           '    "Radiation therapy" modality other')
    assert f.decls == (
        ast.Action(N("a"), (), None, None),
        ast.Action(N("b"), (), ast.String("B"), None),
        ast.Action(N("c"), (), None, N("surgery")),
        ast.Action(N("rt"), (ast.ParamDecl(N("timing"), ast.EnumType((N("pre"), N("post")))),
                             ast.ParamDecl(N("dose"), N("Gy")), ast.ParamDecl(N("n"), N("number")),
                             ast.ParamDecl(N("k"), N("integer")), ast.ParamDecl(N("note"), N("text"))),
                   ast.String("Radiation therapy"), N("other")),
    )


def test_sections_and_items() -> None:
    f = ok(H + 'section a:\nsection b "B" when x:\n  cover rt\n  cover rt when y\n  todo "later"\n'
           'section c when x and y:\n  rule r:\n')
    a, b, c = f.decls
    assert a == ast.Section(N("a"), None, None, ())
    assert b == ast.Section(N("b"), ast.String("B"), N("x"), (
        ast.Cover(N("rt"), None), ast.Cover(N("rt"), N("y")), ast.Todo(ast.String("later"))))
    assert c == ast.Section(N("c"), None, ast.And((N("x"), N("y"))), (ast.Rule(N("r"), None, ()),))


def test_rule_clauses_in_any_order() -> None:
    r = rule('    cite 6, 8\n    footnote "f1"\n    source "s"\n    when a\n'
             '    recommend rt(timing: post, dose: 50..60 Gy, boost: 66 Gy, note: "n", flag: true)\n'
             '    never chemo\n    overrides q, p\n    evidence "Category 1"\n    preference other\n'
             '    footnote "f2"\n    must a\n    consider b\n    not_recommended c\n')
    assert r.clauses == (
        ast.Cite((num("6"), num("8"))), ast.Footnote(ast.String("f1")), ast.Source(ast.String("s")),
        ast.When(N("a")),
        ast.Recommend("recommend", N("rt"), (
            ast.Arg(N("timing"), N("post")), ast.Arg(N("dose"), ast.Range(num("50"), num("60"), "Gy")),
            ast.Arg(N("boost"), num("66", "Gy")), ast.Arg(N("note"), ast.String("n")),
            ast.Arg(N("flag"), ast.Bool(True)))),
        ast.Recommend("never", N("chemo"), ()), ast.Overrides((N("q"), N("p"))),
        ast.Evidence(ast.String("Category 1")), ast.Preference(N("other")), ast.Footnote(ast.String("f2")),
        ast.Recommend("must", N("a"), ()), ast.Recommend("consider", N("b"), ()),
        ast.Recommend("not_recommended", N("c"), ()),
    )


@pytest.mark.parametrize(("text", "tree"), [
    ("a == b", ast.Compare(N("a"), "==", N("b"))),
    ("a != 2", ast.Compare(N("a"), "!=", num("2"))),
    ("a < 5 cm", ast.Compare(N("a"), "<", num("5", "cm"))),
    ("a <= -1.5", ast.Compare(N("a"), "<=", num("-1.5"))),
    ("a > 5cm", ast.Compare(N("a"), ">", num("5", "cm"))),
    ("a >= 60 years", ast.Compare(N("a"), ">=", num("60", "years"))),
    ("a == false", ast.Compare(N("a"), "==", ast.Bool(False))),
    ("a in {x, 2, true}", ast.InSet(N("a"), (N("x"), num("2"), ast.Bool(True)))),
    ("a in 0..3", ast.InRange(N("a"), ast.Range(num("0"), num("3")))),
    ("a in 1.8..2 Gy", ast.InRange(N("a"), ast.Range(num("1.8"), num("2"), "Gy"))),
    ("a is known", ast.IsKnown(N("a"), True)),
    ("a is unknown", ast.IsKnown(N("a"), False)),
    ("a", N("a")),
    ("true", ast.Bool(True)),
    ("(a)", ast.Paren(N("a"))),
    ("not a", ast.Not(N("a"))),
    ("not not a", ast.Not(ast.Not(N("a")))),
    ("a and b and c", ast.And((N("a"), N("b"), N("c")))),
    ("a or b and c", ast.Or((N("a"), ast.And((N("b"), N("c")))))),
    ("not a and b", ast.And((ast.Not(N("a")), N("b")))),
    ("a or b implies c", ast.Implies(ast.Or((N("a"), N("b"))), N("c"))),
    ("(a or b) and c", ast.And((ast.Paren(ast.Or((N("a"), N("b")))), N("c")))),
    ("not (a implies b)", ast.Not(ast.Paren(ast.Implies(N("a"), N("b"))))),
])
def test_conditions(text: str, tree: ast.Cond) -> None:
    assert cond(text) == tree


def test_numbers_keep_their_text_and_type() -> None:
    c = cond("a in 2.0..10")
    assert isinstance(c, ast.InRange)
    assert (c.range.low.value, c.range.low.text, type(c.range.low.value)) == (2.0, "2.0", float)
    assert (c.range.high.value, type(c.range.high.value)) == (10, int)


def test_string_escapes_are_decoded() -> None:
    d = ok(H + r'reference 1 "say \"hi\" \\ then\nnext"').decls[0]
    assert isinstance(d, ast.Reference) and d.text.value == 'say "hi" \\ then\nnext'


@pytest.mark.parametrize("text", [
    "preference other", "when site == other", "recommend other", "when other", "overrides other",
])
def test_other_is_a_name_not_a_keyword(text: str) -> None:
    rule("    " + text + "\n")


def test_not_recommended_is_one_keyword() -> None:
    assert rule("    not_recommended rt\n").clauses == (ast.Recommend("not_recommended", N("rt"), ()),)
    assert cond("not recommended_x") == ast.Not(N("recommended_x"))


@pytest.mark.parametrize("name", ["mustard", "recommendation", "nevertheless", "index", "island", "is_known",
                                  "known_x", "truex", "notable", "order", "andy", "Gy", "text", "modalityx"])
def test_words_that_start_with_a_keyword_are_names(name: str) -> None:
    assert cond(f"{name} == {name}") == ast.Compare(N(name), "==", N(name))


def test_a_misspelt_clause_is_not_split_into_keyword_and_name() -> None:
    tree, [d] = parse(H + "section s:\n  rule r:\n    recommendation x\n", "t.rules")
    assert tree is None and d.code == "E011"


@pytest.mark.parametrize("keyword", sorted(KEYWORDS - {"true", "false"}))
def test_keywords_are_reserved(keyword: str) -> None:
    tree, [d] = parse(H + f"input {keyword}: bool", "t.rules")
    assert tree is None and d.code == "E028" and keyword in d.message


def test_keyword_list_is_the_grammars() -> None:
    words = {t.pattern.value for t in PARSER.terminals
             if isinstance(t.pattern, PatternStr) and re.fullmatch(r"[a-z_]+", t.pattern.value)}
    assert words == KEYWORDS


def test_spans_are_one_based_with_exclusive_end_and_offsets() -> None:
    text = H + "input size_cm: number cm\nsection s:\n  rule r:\n    when size_cm > 5 cm\n    recommend rt\n"
    f = ok(text)
    inp = f.decls[0]
    assert isinstance(inp, ast.Input)
    s = inp.name.span
    assert (s.file, s.line, s.column, s.end_line, s.end_column) == ("t.rules", 2, 7, 2, 14)
    assert text[s.start:s.end] == "size_cm"
    section = f.decls[1]
    assert isinstance(section, ast.Section)
    r = section.items[0]
    assert isinstance(r, ast.Rule)
    when = r.clauses[0]
    assert isinstance(when, ast.When)
    assert text[when.span.start:when.span.end] == "when size_cm > 5 cm"
    assert (when.cond.span.line, when.cond.span.column) == (5, 10)
    assert text[r.span.start:r.span.end].startswith("rule r:") and r.span.end_line == 6
    assert text[f.header.span.start:f.header.span.end] == 'guideline "T"'


def test_comments_are_collected_with_spans() -> None:
    text = '# first\nguideline "T"  # trailing\n\n  #indented\ninput x: {a, b} # "not a string"\n'
    f = ok(text)
    assert [c.text for c in f.comments] == [" first", " trailing", "indented", ' "not a string"']
    assert [(c.span.line, c.span.column) for c in f.comments] == [(1, 1), (2, 16), (4, 3), (5, 17)]


def test_hash_inside_a_string_is_not_a_comment() -> None:
    f = ok('guideline "T #1"')
    assert f.header.title.value == "T #1" and f.comments == ()


def test_layout_is_free() -> None:
    compact = ok('guideline "T" input x: bool section s: rule r: when x recommend a cite 1')
    spread = ok('guideline\n"T"\ninput\nx\n:\nbool\nsection s\n:\n rule\nr\n:\nwhen\nx\nrecommend\na\ncite\n1\n')
    assert compact == spread


def test_crlf_line_endings() -> None:
    assert ok('guideline "T"\r\ninput x: bool\r\n') == ok('guideline "T"\ninput x: bool\n')


def test_parse_reuses_one_parser() -> None:
    from dsl import parser as module
    assert module.PARSER is PARSER
    assert PARSER.options.parser == "lalr"
