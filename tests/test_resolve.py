"""Unit tests of engine.resolve: the conversions to the core condition language and every E1xx/W1xx code.

Trees are built by hand with small helpers (the resolver must not depend on the parser); the golden files in
tests/golden/semantic/ cover the same codes end to end from real text.
"""

from __future__ import annotations

import pytest

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine import model as M
from engine.resolve import resolve

# -- builders --------------------------------------------------------------------------------------------------


def n(x: str) -> A.Name:
    return A.Name(x)


def num(v: int | float, unit: str | None = None) -> A.Number:
    return A.Number(v, unit, str(v))


def rng(lo: int | float, hi: int | float, unit: str | None = None) -> A.Range:
    return A.Range(num(lo), num(hi), unit)


def cmp(subject: str, op: str, value: A.Name | A.Number | A.Bool | str) -> A.Compare:
    return A.Compare(n(subject), op, n(value) if isinstance(value, str) else value)


def number_input(name: str, unit: str | None = None, lo: float | None = None, hi: float | None = None,
                 integer: bool = False) -> A.Input:
    r = rng(lo, hi) if lo is not None and hi is not None else None
    return A.Input(n(name), None, A.NumberType(integer, unit, r))


def enum_input(name: str, *values: str | int) -> A.Input:
    return A.Input(n(name), None, A.EnumType(tuple(n(v) if isinstance(v, str) else num(v) for v in values)))


def bool_input(name: str) -> A.Input:
    return A.Input(n(name), None, A.BoolType())


def let(name: str, cond: A.Cond) -> A.Let:
    return A.Let(n(name), None, cond)


def action(name: str, *params: tuple[str, str | tuple[str, ...]], modality: str | None = None) -> A.Action:
    decls = tuple(A.ParamDecl(n(p), n(t) if isinstance(t, str) else A.EnumType(tuple(n(v) for v in t)))
                  for p, t in params)
    return A.Action(n(name), decls, None, n(modality) if modality else None)


def rec(strength: str, act: str, **args: A.Value) -> A.Recommend:
    return A.Recommend(strength, n(act), tuple(A.Arg(n(k), v) for k, v in args.items()))


def rule(name: str, *clauses: A.Clause) -> A.Rule:
    return A.Rule(n(name), None, clauses)


def section(name: str, *items: A.SectionItem, guard: A.Cond | None = None) -> A.Section:
    return A.Section(n(name), None, guard, items)


BASE: tuple[A.Decl, ...] = (
    number_input("size_cm", "cm", 0, 100),
    number_input("lines", None, 0, 10, integer=True),
    number_input("free"),
    enum_input("site", "uterus", "limb", "other"),
    enum_input("grade", 1, 2, 3),
    bool_input("flag"),
    action("rt", ("dose", "Gy"), ("timing", ("pre", "post")), ("note", "text"), ("n", "integer"),
           modality="radiotherapy"),
    action("surgery"),
    A.Reference(num(6), A.String("Reference 6")),
)


def build(*decls: A.Decl, title: str = "T", base: bool = True) -> A.File:
    return A.File(A.Header(A.String(title), A.String("1")), (*(BASE if base else ()), *decls))


def when_rule(cond: A.Cond, *more: A.Clause) -> A.Section:
    return section("s", rule("r", A.When(cond), rec("recommend", "surgery"), *more))


def ok(*decls: A.Decl) -> M.Model:
    model, diags = resolve(build(*decls), "t.rules")
    assert diags == [] and model is not None, diags
    return model


def cond_of(cond: A.Cond) -> M.Expr:
    return ok(when_rule(cond)).rules[0].condition


def codes(*decls: A.Decl, title: str = "T") -> list[str]:
    return [d.code for d in diagnostics(*decls, title=title)]


def diagnostics(*decls: A.Decl, title: str = "T") -> list[Diagnostic]:
    return resolve(build(*decls, title=title), "t.rules")[1]


# -- conversions -----------------------------------------------------------------------------------------------


def test_enum_equality_inequality_and_membership() -> None:
    assert cond_of(cmp("site", "==", "uterus")) == M.ValueTest("site", frozenset({"uterus"}))
    assert cond_of(cmp("site", "!=", "uterus")) == M.ValueTest("site", frozenset({"limb", "other"}))
    assert cond_of(A.InSet(n("site"), (n("limb"), n("other")))) == M.ValueTest("site", frozenset({"limb", "other"}))


def test_integer_enum_values_are_ints() -> None:
    test = cond_of(A.InSet(n("grade"), (num(2), num(3))))
    assert test == M.ValueTest("grade", frozenset({2, 3}))
    assert all(type(v) is int for v in test.values)  # type: ignore[union-attr]
    assert ok().inputs["grade"].values == (1, 2, 3)


def test_bool_input_as_condition_and_compared() -> None:
    assert cond_of(n("flag")) == M.ValueTest("flag", frozenset({True}))
    assert cond_of(cmp("flag", "==", A.Bool(False))) == M.ValueTest("flag", frozenset({False}))
    assert cond_of(cmp("flag", "!=", A.Bool(False))) == M.ValueTest("flag", frozenset({True}))


@pytest.mark.parametrize(("op", "interval"), [
    (">", M.Interval(5, None, low_closed=False)), (">=", M.Interval(5, None)),
    ("<", M.Interval(None, 5, high_closed=False)), ("<=", M.Interval(None, 5)), ("==", M.Interval(5, 5))])
def test_number_comparisons_become_intervals(op: str, interval: M.Interval) -> None:
    test = cond_of(cmp("size_cm", op, num(5, "cm")))
    assert test == M.NumTest("size_cm", interval)
    assert isinstance(test, M.NumTest) and test.text == f"size_cm {op} 5 cm"
    assert isinstance(test.interval.low or test.interval.high, float)


def test_number_inequality_is_two_open_sides() -> None:
    assert cond_of(cmp("size_cm", "!=", num(5))) == M.Or((
        M.NumTest("size_cm", M.Interval(None, 5, high_closed=False)),
        M.NumTest("size_cm", M.Interval(5, None, low_closed=False))))


def test_in_range_is_closed_interval() -> None:
    test = cond_of(A.InRange(n("size_cm"), rng(2, 5, "cm")))
    assert test == M.NumTest("size_cm", M.Interval(2, 5))
    assert isinstance(test, M.NumTest) and test.text == "size_cm in 2..5 cm"


def test_known_and_unknown() -> None:
    assert cond_of(A.IsKnown(n("site"), True)) == M.KnownTest("site")
    assert cond_of(A.IsKnown(n("site"), False)) == M.Not(M.KnownTest("site"))


def test_implies_paren_and_flattening() -> None:
    a, b, c = cmp("site", "==", "uterus"), n("flag"), cmp("size_cm", ">", num(5))
    ta, tb = M.ValueTest("site", frozenset({"uterus"})), M.ValueTest("flag", frozenset({True}))
    tc = M.NumTest("size_cm", M.Interval(5, None, low_closed=False))
    assert cond_of(A.Implies(a, b)) == M.Or((M.Not(ta), tb))
    assert cond_of(A.And((a, A.Paren(A.And((b, c)))))) == M.And((ta, tb, tc))
    assert cond_of(A.Or((A.Paren(A.Or((a, b))), c))) == M.Or((ta, tb, tc))
    assert cond_of(A.Not(A.Paren(a))) == M.Not(ta)


def test_atom_text_and_span_come_from_the_source() -> None:
    span = Span("t.rules", 3, 10, 3, 25, 40, 55)
    atom = A.Compare(A.Name("size_cm"), ">", A.Number(5.0, "cm", "5.0"), span)
    test = cond_of(atom)
    assert isinstance(test, M.NumTest) and test.text == "size_cm > 5.0 cm" and test.span == span
    test2 = cond_of(A.InSet(n("site"), (n("uterus"), n("limb"))))
    assert isinstance(test2, M.ValueTest) and test2.text == "site in {uterus, limb}"


def test_lets_are_refs_in_dependency_order() -> None:
    model = ok(let("b", A.And((n("a"), n("flag")))), let("a", cmp("site", "==", "uterus")),
               when_rule(n("b")))
    assert list(model.lets) == ["a", "b"]
    assert model.lets["b"].expr == M.And((M.LetRef("a"), M.ValueTest("flag", frozenset({True}))))
    assert model.rules[0].condition == M.LetRef("b")


def test_rule_and_cover_conditions_conjoin_the_section_guard() -> None:
    guard = cmp("site", "==", "uterus")
    model = ok(section("s", rule("r", A.When(n("flag")), rec("recommend", "surgery")),
                       rule("q", rec("consider", "surgery")),
                       A.Cover(n("surgery"), n("flag")), A.Cover(n("rt"), None), guard=guard),
               section("t", rule("u", rec("never", "rt"))))
    g, f = M.ValueTest("site", frozenset({"uterus"})), M.ValueTest("flag", frozenset({True}))
    r, q, u = model.rules
    assert (r.condition, r.when) == (M.And((g, f)), f)
    assert (q.condition, q.when) == (g, M.TRUE)
    assert u.condition == M.TRUE and u.section == "t"
    assert [(c.action, c.condition) for c in model.covers] == [("surgery", M.And((g, f))), ("rt", g)]
    assert model.sections[0].guard == g and model.sections[1].guard == M.TRUE


def test_rule_fields_and_parameters() -> None:
    model = ok(section("s", rule(
        "r", rec("recommend", "rt", dose=rng(50, 60, "Gy"), timing=n("post"), note=A.String("x"), n=num(3)),
        rec("not_recommended", "surgery"), A.Evidence(A.String("cat 1")), A.Cite((num(6),)),
        A.Source(A.String("src")), A.Footnote(A.String("f1")), A.Footnote(A.String("f2")),
        A.Preference(n("preferred"))), rule("q", rec("consider", "rt", dose=num(66)), A.Overrides((n("r"),)))))
    r, q = model.rules
    assert r.entries[0].params == (("dose", M.QuantityRange(50, 60, "Gy")), ("timing", M.Symbol("post")),
                                   ("note", M.Text("x")), ("n", M.Quantity(3, None)))
    assert [(e.action, e.strength) for e in r.entries] == [("rt", M.Strength.RECOMMEND),
                                                          ("surgery", M.Strength.NOT_RECOMMENDED)]
    assert (r.evidence, r.citations, r.source, r.footnotes, r.preference) == ("cat 1", (6,), "src", ("f1", "f2"),
                                                                               "preferred")
    assert q.entries[0].params == (("dose", M.Quantity(66, "Gy")),)  # unit left out: the parameter's unit
    assert q.overrides == ("r",)
    assert model.actions["rt"].modality == "radiotherapy" and model.actions["surgery"].modality == "other"
    assert model.actions["rt"].params[1] == M.ParamType("timing", "enum", values=("pre", "post"))
    assert model.references == {6: "Reference 6"}


def test_model_header_assumptions_todos() -> None:
    model = ok(A.Assume(A.Implies(cmp("site", "==", "uterus"), n("flag"))), section("s", A.Todo(A.String("later"))))
    assert (model.title, model.version, model.file) == ("T", "1", "t.rules")
    assert model.assumptions[0].text == "site == uterus implies flag"
    assert model.todos == (M.Todo("later", "s"),)
    assert model.inputs["size_cm"] == M.Input("size_cm", "number", unit="cm", low=0, high=100)


# -- diagnostics -----------------------------------------------------------------------------------------------

CASES: list[tuple[str, tuple[A.Decl, ...], str]] = [
    ("unknown input", (when_rule(cmp("grde", "==", num(2))),), "E101"),
    ("unknown bare name", (when_rule(n("flg")),), "E101"),
    ("unknown enum value", (when_rule(cmp("site", "==", "uterine")),), "E102"),
    ("unknown action", (section("s", rule("r", rec("recommend", "surgry"))),), "E103"),
    ("cover unknown action", (section("s", A.Cover(n("surgry"), None)),), "E103"),
    ("overrides unknown rule", (section("s", rule("r", rec("recommend", "rt"), A.Overrides((n("x"),)))),), "E104"),
    ("duplicate input", (bool_input("flag"),), "E105"),
    ("let shadows input", (let("site", n("flag")),), "E105"),
    ("duplicate action", (action("rt"),), "E105"),
    ("duplicate rule", (section("s", rule("r", rec("recommend", "rt")), rule("r", rec("never", "rt"))),), "E105"),
    ("duplicate section", (section("s"), section("s")), "E105"),
    ("duplicate reference", (A.Reference(num(6), A.String("again")),), "E105"),
    ("duplicate enum member", (enum_input("x", "a", "a"),), "E106"),
    ("duplicate param decl", (action("a", ("d", "Gy"), ("d", "Gy")),), "E107"),
    ("duplicate param arg", (section("s", rule("r", A.Recommend("recommend", n("rt"), (
        A.Arg(n("dose"), num(1)), A.Arg(n("dose"), num(2)))))),), "E107"),
    ("number == name", (when_rule(cmp("size_cm", "==", "deep")),), "E110"),
    ("enum == number", (when_rule(cmp("site", "==", num(5))),), "E110"),
    ("bool == name", (when_rule(cmp("flag", "==", "yes")),), "E110"),
    ("bare enum input", (when_rule(n("site")),), "E111"),
    ("in set on number", (when_rule(A.InSet(n("size_cm"), (num(1),))),), "E112"),
    ("in range on enum", (when_rule(A.InRange(n("site"), rng(1, 2))),), "E113"),
    ("order on enum", (when_rule(cmp("site", ">", num(5))),), "E114"),
    ("let as subject", (let("l", n("flag")), when_rule(cmp("l", "==", A.Bool(True)))), "E115"),
    ("grade == 4", (when_rule(cmp("grade", "==", num(4))),), "E120"),
    ("size > 500", (when_rule(cmp("size_cm", ">", num(500))),), "E120"),
    ("range end outside", (when_rule(A.InRange(n("size_cm"), rng(50, 200))),), "E120"),
    ("always false", (when_rule(cmp("size_cm", ">", num(100))),), "W121"),
    ("always true", (when_rule(cmp("size_cm", ">=", num(0))),), "W121"),
    ("every enum value", (when_rule(A.InSet(n("grade"), (num(1), num(2), num(3)))),), "W121"),
    ("unit mismatch", (when_rule(cmp("size_cm", ">", num(5, "Gy"))),), "E122"),
    ("unit on unitless", (when_rule(cmp("free", ">", num(5, "cm"))),), "E122"),
    ("input range low > high", (number_input("x", None, 5, 1),), "E123"),
    ("condition range low > high", (when_rule(A.InRange(n("size_cm"), rng(9, 3))),), "E123"),
    ("integer vs fraction", (when_rule(cmp("lines", ">", num(2.5))),), "W124"),
    ("unknown param", (section("s", rule("r", rec("recommend", "rt", dos=num(5)))),), "E130"),
    ("param kind", (section("s", rule("r", rec("recommend", "rt", dose=n("high")))),), "E131"),
    ("integer param fraction", (section("s", rule("r", rec("recommend", "rt", n=num(1.5)))),), "E131"),
    ("text param", (section("s", rule("r", rec("recommend", "rt", note=num(1)))),), "E131"),
    ("param unit", (section("s", rule("r", rec("recommend", "rt", dose=num(5, "cm")))),), "E132"),
    ("param enum member", (section("s", rule("r", rec("recommend", "rt", timing=n("postop")))),), "E133"),
    ("param range low > high", (section("s", rule("r", rec("recommend", "rt", dose=rng(60, 50)))),), "E123"),
    ("modality", (action("x", modality="surgical"),), "E140"),
    ("preference", (section("s", rule("r", rec("recommend", "rt"), A.Preference(n("prefered")))),), "E141"),
    ("same action twice", (section("s", rule("r", rec("recommend", "rt"), rec("never", "rt"))),), "E142"),
    ("no strength", (section("s", rule("r", A.When(n("flag")))),), "E143"),
    ("unknown strength", (section("s", rule("r", rec("should", "rt"))),), "E143"),
    ("two whens", (section("s", rule("r", A.When(n("flag")), A.When(n("flag")), rec("consider", "rt"))),), "E144"),
    ("two evidences", (section("s", rule("r", rec("consider", "rt"), A.Evidence(A.String("a")),
                                         A.Evidence(A.String("b")))),), "E144"),
    ("overrides itself", (section("s", rule("r", rec("consider", "rt"), A.Overrides((n("r"),)))),), "E145"),
    ("let cycle", (let("a", n("b")), let("b", n("a"))), "E150"),
    ("let self cycle", (let("a", A.And((n("flag"), n("a")))),), "E150"),
    ("override cycle", (section("s", rule("r", rec("consider", "rt"), A.Overrides((n("q"),))),
                                rule("q", rec("never", "rt"), A.Overrides((n("r"),)))),), "E151"),
    ("cite undeclared", (section("s", rule("r", rec("consider", "rt"), A.Cite((num(7),)))),), "E160"),
    ("reference number", (A.Reference(num(1.5), A.String("x")),), "E161"),
    ("empty enum", (enum_input("x"),), "E171"),
    ("mixed enum", (enum_input("x", "a", 1),), "E172"),
]


@pytest.mark.parametrize(("decls", "code"), [(d, c) for _, d, c in CASES], ids=[name for name, _, _ in CASES])
def test_each_diagnostic_code(decls: tuple[A.Decl, ...], code: str) -> None:
    assert codes(*decls) == [code]


def test_missing_title() -> None:
    assert codes(title="  ") == ["E170"]


def test_fatal_errors_give_no_model_and_local_ones_keep_it() -> None:
    assert resolve(build(when_rule(n("flg"))), "t.rules")[0] is None
    model, diags = resolve(build(section("s", rule("r", rec("consider", "rt"), A.Cite((num(7),))))), "t.rules")
    assert model is not None and [d.code for d in diags] == ["E160"] and model.rules[0].citations == ()


def test_did_you_mean_helps() -> None:
    helps = {d.code: d.help for d in diagnostics(
        when_rule(A.And((cmp("grde", "==", num(2)), cmp("site", "==", "uterine")))),
        section("t", rule("q", rec("recommend", "surgry", ), A.Overrides((n("rr"),)))))}
    assert helps["E101"] == "did you mean 'grade'?"
    assert helps["E102"] == "did you mean 'uterus'?"
    assert helps["E103"] == "did you mean 'surgery'?"
    assert helps["E104"] == "did you mean 'r'?"


def test_bare_enum_value_suggests_the_comparison() -> None:
    (d,) = diagnostics(when_rule(n("uterus")))
    assert d.code == "E101" and d.help == "'uterus' is a value of 'site': write site == uterus"


def test_cycles_report_their_path() -> None:
    (d,) = diagnostics(let("a", n("b")), let("b", n("c")), let("c", n("a")))
    assert d.message.endswith("a -> b -> c -> a")
    (d,) = diagnostics(section("s", rule("r", rec("consider", "rt"), A.Overrides((n("q"),))),
                               rule("q", rec("never", "rt"), A.Overrides((n("r"),)))))
    assert d.message.endswith("r -> q -> r")


def test_every_problem_is_reported_in_one_run() -> None:
    found = codes(number_input("x", "cm", 9, 1), action("y", modality="surgical"),
                  section("s", rule("r", A.When(cmp("grde", "==", num(1))), rec("recommend", "surgry"))))
    assert sorted(found) == ["E101", "E103", "E123", "E140"]
