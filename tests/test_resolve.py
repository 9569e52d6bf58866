"""Unit tests of engine.resolve.resolver: the conversions to the core condition language and every E1xx/W1xx code.

Inputs are real rules text run through the parser (the same path as ``guidegraph check``); the few problems the
grammar cannot even express (an empty enum, an unknown strength) use hand-built trees.
"""

from __future__ import annotations

import pytest

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.parser import parse
from engine.core import model as M
from engine.resolve.resolver import resolve

PRELUDE = """guideline "T" version "1"
reference 6 "Reference 6"
input size_cm: number cm in 0..100
input lines: integer in 0..10
input free: number
input site: {uterus, limb, other}
input grade: {1, 2, 3}
input flag: bool
action rt(dose: Gy, timing: {pre, post}, note: text, n: integer) modality radiotherapy
action surgery
"""
PRELUDE_LINES = PRELUDE.count("\n")


def resolve_text(body: str, prelude: str = PRELUDE) -> tuple[M.Model | None, list[Diagnostic]]:
    tree, syntax = parse(prelude + body, "t.rules")
    assert tree is not None and syntax == [], syntax
    return resolve(tree, "t.rules")


def ok(body: str) -> M.Model:
    model, diags = resolve_text(body)
    assert diags == [] and model is not None, diags
    return model


def when(cond: str) -> str:
    return f"section s:\n  rule r:\n    when {cond}\n    recommend surgery\n"


def rule(*clauses: str) -> str:
    return "section s:\n  rule r:\n" + "".join(f"    {c}\n" for c in clauses)


def cond_of(cond: str) -> M.Expr:
    return ok(when(cond)).rules[0].condition


def codes(body: str) -> list[str]:
    return [d.code for d in resolve_text(body)[1]]


def vt(name: str, *values: M.EnumValue | bool) -> M.ValueTest:
    return M.ValueTest(name, frozenset(values))


def nt(name: str, low: float | None, high: float | None, low_closed: bool = True,
       high_closed: bool = True) -> M.NumTest:
    return M.NumTest(name, M.Interval(low, high, low_closed, high_closed))


# -- conversions -----------------------------------------------------------------------------------------------


def test_enum_equality_inequality_and_membership() -> None:
    assert cond_of("site == uterus") == vt("site", "uterus")
    assert cond_of("site != uterus") == vt("site", "limb", "other")
    assert cond_of("site in {limb, other}") == vt("site", "limb", "other")


def test_integer_enum_values_are_ints() -> None:
    test = cond_of("grade in {2, 3}")
    assert test == vt("grade", 2, 3)
    assert isinstance(test, M.ValueTest) and all(type(v) is int for v in test.values)
    assert ok("").inputs["grade"].values == (1, 2, 3)


def test_bool_input_as_condition_and_compared() -> None:
    assert cond_of("flag") == vt("flag", True)
    assert cond_of("flag == false") == vt("flag", False)
    assert cond_of("flag != false") == vt("flag", True)


@pytest.mark.parametrize(("op", "test"), [
    (">", nt("size_cm", 5, None, low_closed=False)), (">=", nt("size_cm", 5, None)),
    ("<", nt("size_cm", None, 5, high_closed=False)), ("<=", nt("size_cm", None, 5)), ("==", nt("size_cm", 5, 5))])
def test_number_comparisons_become_intervals(op: str, test: M.NumTest) -> None:
    got = cond_of(f"size_cm {op} 5 cm")
    assert got == test
    assert isinstance(got, M.NumTest) and got.text == f"size_cm {op} 5 cm"
    bound = got.interval.low if got.interval.low is not None else got.interval.high
    assert type(bound) is float


def test_number_inequality_is_two_open_sides() -> None:
    assert cond_of("size_cm != 5") == M.Or((nt("size_cm", None, 5, high_closed=False),
                                            nt("size_cm", 5, None, low_closed=False)))


def test_in_range_is_closed_interval() -> None:
    test = cond_of("size_cm in 2..5 cm")
    assert test == nt("size_cm", 2, 5)
    assert isinstance(test, M.NumTest) and test.text == "size_cm in 2..5 cm"


def test_known_and_unknown() -> None:
    assert cond_of("site is known") == M.KnownTest("site")
    assert cond_of("site is unknown") == M.Not(M.KnownTest("site"))


def test_implies_paren_and_flattening() -> None:
    a, b, c = vt("site", "uterus"), vt("flag", True), nt("size_cm", 5, None, low_closed=False)
    assert cond_of("(site == uterus implies flag)") == M.Or((M.Not(a), b))
    assert cond_of("site == uterus and (flag and size_cm > 5)") == M.And((a, b, c))
    assert cond_of("(site == uterus or flag) or size_cm > 5") == M.Or((a, b, c))
    assert cond_of("not (site == uterus)") == M.Not(a)
    assert cond_of("true") == M.TRUE  # a rule whose guard and when are both true: the condition is TRUE


def test_atom_text_and_span_come_from_the_source() -> None:
    body = when("site in {uterus,limb}   and  size_cm  >   5.0 cm")
    test = ok(body).rules[0].condition
    assert isinstance(test, M.And)
    first, second = test.items
    assert isinstance(first, M.ValueTest) and first.text == "site in {uterus, limb}"
    assert isinstance(second, M.NumTest) and second.text == "size_cm > 5.0 cm"
    assert (second.span.file, second.span.line) == ("t.rules", PRELUDE_LINES + 3)
    source = (PRELUDE + body)[second.span.start:second.span.end]
    assert source == "size_cm  >   5.0 cm"


def test_lets_are_refs_in_dependency_order() -> None:
    model = ok("let b = a and flag\nlet a = site == uterus\n" + when("b"))
    assert list(model.lets) == ["a", "b"]
    assert model.lets["b"].expr == M.And((M.LetRef("a"), vt("flag", True)))
    assert model.rules[0].condition == M.LetRef("b")


def test_rule_and_cover_conditions_conjoin_the_section_guard() -> None:
    model = ok("""section s when site == uterus:
  rule r:
    when flag
    recommend surgery
  rule q:
    consider surgery
  cover surgery when flag
  cover rt
section t:
  rule u:
    never rt
""")
    g, f = vt("site", "uterus"), vt("flag", True)
    r, q, u = model.rules
    assert (r.condition, r.when) == (M.And((g, f)), f)
    assert (q.condition, q.when) == (g, M.TRUE)
    assert u.condition == M.TRUE and u.section == "t"
    assert [(c.action, c.condition, c.section) for c in model.covers] == [("surgery", M.And((g, f)), "s"),
                                                                          ("rt", g, "s")]
    assert model.sections[0].guard == g and model.sections[1].guard == M.TRUE


def test_rule_fields_and_parameters() -> None:
    model = ok("""section s:
  rule r "Label":
    recommend rt(dose: 50..60 Gy, timing: post, note: "x", n: 3)
    not_recommended surgery
    evidence "cat 1"
    cite 6
    source "src"
    footnote "f1"
    footnote "f2"
    preference preferred
  rule q:
    consider rt(dose: 66)
    overrides r
""")
    r, q = model.rules
    assert r.entries[0].params == (("dose", M.QuantityRange(50, 60, "Gy")), ("timing", M.Symbol("post")),
                                   ("note", M.Text("x")), ("n", M.Quantity(3, None)))
    assert [(e.action, e.strength) for e in r.entries] == [("rt", M.Strength.RECOMMEND),
                                                          ("surgery", M.Strength.NOT_RECOMMENDED)]
    assert (r.label, r.evidence, r.citations, r.source, r.footnotes, r.preference) == (
        "Label", "cat 1", (6,), "src", ("f1", "f2"), "preferred")
    assert q.entries[0].params == (("dose", M.Quantity(66, "Gy")),)  # unit left out: the parameter's unit
    assert q.overrides == ("r",)
    assert model.actions["rt"].modality == "radiotherapy" and model.actions["surgery"].modality == "other"
    assert model.actions["rt"].params[1] == M.ParamType("timing", "enum", values=("pre", "post"))
    assert model.references == {6: "Reference 6"}


def test_model_header_assumptions_todos() -> None:
    model = ok('assume site == uterus implies (flag)\nsection s:\n  todo "later"\n')
    assert (model.title, model.version, model.file) == ("T", "1", "t.rules")
    assert model.assumptions[0].text == "site == uterus implies (flag)"
    assert model.assumptions[0].expr == M.Or((M.Not(vt("site", "uterus")), vt("flag", True)))
    assert model.todos == (M.Todo("later", "s"),)
    assert model.inputs["size_cm"] == M.Input("size_cm", "number", unit="cm", low=0, high=100)
    assert model.inputs["free"].low == float("-inf")


# -- diagnostics -----------------------------------------------------------------------------------------------

CASES: list[tuple[str, str, str]] = [
    ("unknown input", when("grde == 2"), "E101"),
    ("unknown bare name", when("flg"), "E101"),
    ("unknown enum value", when("site == uterine"), "E102"),
    ("unknown action", rule("recommend surgry"), "E103"),
    ("cover unknown action", "section s:\n  cover surgry\n", "E103"),
    ("overrides unknown rule", rule("recommend rt", "overrides x"), "E104"),
    ("duplicate input", "input flag: bool\n", "E105"),
    ("let shadows input", "let site = flag\n", "E105"),
    ("duplicate action", "action rt\n", "E105"),
    ("duplicate rule", rule("recommend rt") + "  rule r:\n    never rt\n", "E105"),
    ("duplicate section", "section s:\nsection s:\n", "E105"),
    ("duplicate reference", 'reference 6 "again"\n', "E105"),
    ("duplicate enum member", "input x: {a, a}\n", "E106"),
    ("duplicate param decl", "action a(d: Gy, d: Gy)\n", "E107"),
    ("duplicate param arg", rule("recommend rt(dose: 1, dose: 2)"), "E107"),
    ("number == name", when("size_cm == deep"), "E110"),
    ("enum == number", when("site == 5"), "E110"),
    ("int enum == name", when("grade == two"), "E110"),
    ("bool == name", when("flag == yes"), "E110"),
    ("bare enum input", when("site"), "E111"),
    ("in set on number", when("size_cm in {1, 2}"), "E112"),
    ("in range on enum", when("site in 1..2"), "E113"),
    ("order on enum", when("site > 5"), "E114"),
    ("order on bool", when("flag >= 1"), "E114"),
    ("let as subject", "let l = flag\n" + when("l == true"), "E115"),
    ("let is known", "let l = flag\n" + when("l is known"), "E115"),
    ("grade == 4", when("grade == 4"), "E120"),
    ("size > 500", when("size_cm > 500"), "E120"),
    ("range end outside", when("size_cm in 50..200"), "E120"),
    ("always false", when("size_cm > 100"), "W121"),
    ("always true", when("size_cm >= 0"), "W121"),
    ("whole range", when("size_cm in 0..100"), "W121"),
    ("every enum value", when("grade in {1, 2, 3}"), "W121"),
    ("unit mismatch", when("size_cm > 5 Gy"), "E122"),
    ("range unit mismatch", when("size_cm in 1..5 mm"), "E122"),
    ("unit on unitless", when("free > 5 cm"), "E122"),
    ("unit on int enum", when("grade == 2 cm"), "E122"),
    ("input range unit", "input x: number cm in 0..5 mm\n", "E122"),
    ("input range low > high", "input x: number in 5..1\n", "E123"),
    ("condition range low > high", when("size_cm in 9..3"), "E123"),
    ("integer vs fraction", when("lines > 2.5"), "W124"),
    ("unknown param", rule("recommend rt(dos: 5)"), "E130"),
    ("param on action without params", rule("recommend surgery(x: 5)"), "E130"),
    ("param kind", rule("recommend rt(dose: high)"), "E131"),
    ("integer param fraction", rule("recommend rt(n: 1.5)"), "E131"),
    ("text param", rule("recommend rt(note: 1)"), "E131"),
    ("enum param number", rule("recommend rt(timing: 1)"), "E131"),
    ("param unit", rule("recommend rt(dose: 5 cm)"), "E132"),
    ("param enum member", rule("recommend rt(timing: postop)"), "E133"),
    ("param range low > high", rule("recommend rt(dose: 60..50)"), "E123"),
    ("modality", "action x modality surgical\n", "E140"),
    ("preference", rule("recommend rt", "preference prefered"), "E141"),
    ("same action twice", rule("recommend rt", "never rt"), "E142"),
    ("no strength", rule("when flag"), "E143"),
    ("two whens", rule("when flag", "when flag", "consider rt"), "E144"),
    ("two evidences", rule("consider rt", 'evidence "a"', 'evidence "b"'), "E144"),
    ("overrides itself", rule("consider rt", "overrides r"), "E145"),
    ("let cycle", "let a = b\nlet b = a\n", "E150"),
    ("let self cycle", "let a = flag and a\n", "E150"),
    ("override cycle", rule("consider rt", "overrides q") + "  rule q:\n    never rt\n    overrides r\n", "E151"),
    ("cite undeclared", rule("consider rt", "cite 7"), "E160"),
    ("reference number", 'reference 1.5 "x"\n', "E161"),
    ("mixed enum", "input x: {a, 1}\n", "E172"),
    ("fractional enum", "input x: {1, 1.5}\n", "E172"),
    ("numbers in a parameter enum", "action a(k: {1, 2})\n", "E172"),
]


@pytest.mark.parametrize(("body", "code"), [(b, c) for _, b, c in CASES], ids=[name for name, _, _ in CASES])
def test_each_diagnostic_code(body: str, code: str) -> None:
    assert codes(body) == [code]


def test_every_diagnostic_has_a_span_in_the_file() -> None:
    for _, body, _ in CASES:
        (d,) = resolve_text(body)[1]
        assert d.span is not None and d.span.file == "t.rules" and d.span.line > PRELUDE_LINES - 9


def test_missing_title() -> None:
    (d,) = resolve_text("", prelude=PRELUDE.replace('"T"', '""'))[1]
    assert d.code == "E170" and d.span is not None and d.span.line == 1


def hand_built(*decls: A.Decl) -> list[str]:
    return [d.code for d in resolve(A.File(A.Header(A.String("T"), None), decls), "t.rules")[1]]


def test_problems_the_grammar_cannot_express() -> None:
    assert hand_built(A.Input(A.Name("x"), None, A.EnumType(()))) == ["E171"]
    assert hand_built(A.Action(A.Name("a"), (A.ParamDecl(A.Name("k"), A.EnumType(())),), None, None)) == ["E171"]
    bad = A.Rule(A.Name("r"), None, (A.Recommend("should", A.Name("a"), ()),))
    assert hand_built(A.Action(A.Name("a"), (), None, None), A.Section(A.Name("s"), None, None, (bad,))) == ["E143"]


def test_fatal_errors_give_no_model_and_local_ones_keep_it() -> None:
    assert resolve_text(when("flg"))[0] is None
    assert resolve_text("let a = b\nlet b = a\n")[0] is None
    model, diags = resolve_text(rule("consider rt", "cite 7", "preference x"))
    assert model is not None and [d.code for d in diags] == ["E160", "E141"]
    assert model.rules[0].citations == () and model.rules[0].preference is None
    model, diags = resolve_text(when("size_cm >= 0"))
    assert model is not None and [d.severity for d in diags] == ["warning"]


def test_did_you_mean_helps() -> None:
    diags = resolve_text(when("grde == 2 and site == uterine")
                         + "  rule q:\n    recommend surgry\n    overrides rr\n")[1]
    helps = {d.code: d.help for d in diags}
    assert helps == {"E101": "did you mean 'grade'?", "E102": "did you mean 'uterus'?",
                     "E103": "did you mean 'surgery'?", "E104": "did you mean 'r'?"}


def test_bare_enum_value_suggests_the_comparison() -> None:
    (d,) = resolve_text(when("uterus"))[1]
    assert d.code == "E101" and d.help == "'uterus' is a value of 'site': write site == uterus"


def test_cycles_report_their_path() -> None:
    (d,) = resolve_text("let a = b\nlet b = c\nlet c = flag and a\n")[1]
    assert d.message.endswith("a -> b -> c -> a")
    (d,) = resolve_text(rule("consider rt", "overrides q") + "  rule q:\n    never rt\n    overrides r\n")[1]
    assert d.message.endswith("r -> q -> r")


def test_every_problem_is_reported_in_one_run_in_file_order() -> None:
    diags = resolve_text("input x: number cm in 9..1\naction y modality surgical\n"
                         + rule("when grde == 1", "recommend surgry"))[1]
    assert [d.code for d in diags] == ["E123", "E140", "E101", "E103"]
