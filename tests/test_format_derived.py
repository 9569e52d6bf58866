"""``fmt`` on the derived-value constructs (issue 13): a file with every one of them is a fixed point, a messy
version formats to it with the same tree, and random hand-built trees of arithmetic, comparisons, counts, points
and members get the parentheses they need to parse back to the same tree."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ast
from dsl.format import canonical, cond, fmt_text, format_file
from dsl.parser import parse
from engine.resolve.resolver import resolve

CANONICAL = '''\
# Derived values, every construct.
guideline "Derived" version "1"

input sbp "Systolic blood pressure": integer mmHg in 60..260
input dbp "Diastolic blood pressure": integer mmHg in 30..160
input age "Age": number years in 18..120
input weight: number kg in 30..300
input creatinine: number mg_per_dL in 0.2..20
input diabetes: bool
input ckd: bool
input smoker: bool
input sex: {female, male}
input site: {gastric, small_bowel}
input size: number cm in 0..50
input prior "Prior therapy": set of {imatinib, sunitinib, regorafenib}  # treatment history

assume sbp > dbp
assume (sbp + 2 * dbp) / 3 in 40..200 mmHg

let pp "Pulse pressure": number mmHg = sbp - dbp
let map = (sbp + 2 * dbp) / 3
let spread = max(sbp - dbp, 10 mmHg) - min(sbp, dbp, 100 mmHg) + abs(-(sbp - 120))
let risk_factors = count_of {diabetes, ckd, smoker}
let lines = count_of prior
let score "Score" = points_of {age >= 75 years: 2, diabetes: 1, sex == female and age >= 65 years: 1, ckd: -1}
let crcl "Creatinine clearance": number mL_per_min in 0..3000 = (140 - age) * weight / (72 * creatinine)
let two_of = at_least 2 of {diabetes, ckd, smoker}

classify risk "Risk category" first_match:
  when site == gastric and size <= 2 cm then very_low
  when size <= 5 cm then low
  otherwise high

classify band:
  when score >= 2 then high
  when score < 2 then low

action treat "Treat" modality systemic

section s "Hypertension":

  rule r1:
    when sbp - dbp > 60 mmHg and sbp > dbp
    recommend treat

  rule r2:
    when risk in {low, high} and not (risk_factors >= 2 or count_of {diabetes, ckd} < 1) and -pp < -20 mmHg
    recommend treat

  rule r3:
    when imatinib in prior and lines >= 2 and crcl < 30 and two_of and band == high and map in 90..120 mmHg
    not_recommended treat
'''

MESSY = '''\
# Derived values, every construct.
guideline "Derived" version "1"
input sbp "Systolic blood pressure" : integer mmHg in 60..260
input dbp "Diastolic blood pressure":integer mmHg in 30 .. 160
input age "Age": number years in 18..120
input weight: number kg in 30..300
input creatinine: number mg_per_dL in 0.2..20
input diabetes: bool
input ckd: bool
input smoker: bool
input sex: {female, male}
input site: {gastric, small_bowel}
input size: number cm in 0..50
input prior "Prior therapy":   set   of {imatinib,sunitinib,  regorafenib}  # treatment history
assume sbp>dbp
assume (sbp+2*dbp)/3 in 40..200 mmHg
let pp "Pulse pressure" : number mmHg = sbp-dbp
let map = (sbp + 2*dbp) /3
let spread = max( sbp - dbp , 10 mmHg ) - min(sbp,dbp,100 mmHg) + abs(-(sbp - 120))
let risk_factors = count_of{diabetes,ckd,smoker}
let lines = count_of prior
let score "Score" = points_of {age>=75 years:2, diabetes:1,
    sex == female and age >= 65 years : 1, ckd: -1}
let crcl "Creatinine clearance": number mL_per_min in 0..3000 =
    (140 - age) * weight / (72 * creatinine)
let two_of = at_least 2 of {diabetes,ckd,smoker}
classify risk "Risk category" first_match :
    when site == gastric and size <= 2 cm then very_low
    when size <= 5 cm
      then low
    otherwise high
classify band: when score >= 2 then high when score < 2 then low
action treat "Treat" modality systemic
section s "Hypertension":
  rule r1: when sbp - dbp > 60 mmHg and sbp > dbp recommend treat
  rule r2:
    when risk in {low, high} and not (risk_factors >= 2 or count_of {diabetes, ckd} < 1) and - pp < -20 mmHg
    recommend treat
  rule r3:
    when imatinib in prior and lines>=2 and crcl<30 and two_of and band==high and map in 90..120 mmHg
    not_recommended treat
'''


def test_every_derived_construct_is_a_fixed_point() -> None:
    formatted, diagnostics = fmt_text(CANONICAL, "d.rules")
    assert diagnostics == []
    assert formatted == CANONICAL


def test_the_constructs_mean_what_they_say() -> None:
    """The file is not only parseable: it resolves, and each construct became the derived value it stands for."""
    tree, syntax = parse(CANONICAL, "d.rules")
    assert tree is not None and syntax == []
    model, semantic = resolve(tree, "d.rules")
    assert model is not None and [d for d in semantic if d.severity == "error"] == []
    how = {name: d.how for name, d in model.derived.items()}
    assert how["pp"] == how["map"] == how["spread"] == how["crcl"] == "formula"
    assert how["risk_factors"] == how["lines"] == how["score"] == "score"
    assert how["risk"] == how["band"] == "classification"
    assert how["sbp > dbp"] == how["sbp - dbp > 60 mmHg"] == "relation"
    assert how["prior[imatinib]"] == "member"
    assert not model.derived["crcl"].exact and model.derived["map"].exact
    assert model.derived["risk"].first_match and not model.derived["band"].first_match


def test_messy_derived_file_formats_to_the_canonical_text_and_tree() -> None:
    once, diagnostics = fmt_text(MESSY, "m.rules")
    assert diagnostics == [] and once is not None
    assert once == CANONICAL
    before, _ = parse(MESSY, "m.rules")
    after, _ = parse(once, "m.rules")
    assert before is not None and after is not None
    assert after == canonical(before)


# ---------------------------------------------------------------------------------------------------------------
# Random hand-built trees (no parentheses: the formatter must add those the shape needs)

BOOLS = ("a", "b", "c")
NUMBERS = ("x", "y", "z")


def _number(draw: Any, unit: bool = True) -> ast.Number:
    v = draw(st.integers(-20, 20))
    u = draw(st.sampled_from([None, "cm"])) if unit else None
    if draw(st.booleans()):
        text = f"{v}.{draw(st.integers(0, 9))}"
        return ast.Number(float(text), u, text)
    return ast.Number(v, u, str(v))


def _bool_cond(draw: Any, depth: int) -> ast.Cond:
    k = draw(st.integers(0, 6 if depth > 0 else 1))
    if k == 0:
        return ast.Name(draw(st.sampled_from(BOOLS)))
    if k == 1:
        return ast.Member(ast.Name(draw(st.sampled_from(("m1", "m2")))), ast.Name("s"))
    if k == 2:
        return ast.Not(_bool_cond(draw, depth - 1))
    if k == 3:
        return ast.And((_bool_cond(draw, depth - 1), _bool_cond(draw, depth - 1)))
    if k == 4:
        return ast.Or((_bool_cond(draw, depth - 1), _bool_cond(draw, depth - 1)))
    if k == 5:
        items = tuple(_bool_cond(draw, depth - 1) for _ in range(draw(st.integers(1, 3))))
        n = draw(st.integers(0, 3))
        return ast.AtLeast(ast.Number(n, None, str(n)), items)
    return _relation(draw, depth - 1)


def _num(draw: Any, depth: int) -> ast.Cond:
    k = draw(st.integers(0, 8 if depth > 0 else 1))
    if k == 0:
        return ast.Name(draw(st.sampled_from(NUMBERS)))
    if k == 1:
        return _number(draw)
    if k in (2, 3, 4):
        left, op = _num(draw, depth - 1), draw(st.sampled_from("+-*/"))
        if op == "/" and isinstance(left, ast.Number) and left.unit:  # '2 cm / x' reads as a unit 'cm/x' (E046)
            left = dataclasses.replace(left, unit=None)
        return ast.Arith(left, op, _num(draw, depth - 1))
    if k == 5:
        item = _num(draw, depth - 1)
        if isinstance(item, ast.Number):  # -2 is the number -2, not the negation of 2
            return item
        return ast.Neg(item)
    if k == 6:
        func = draw(st.sampled_from(["min", "max", "abs"]))
        n = 1 if func == "abs" else draw(st.integers(2, 3))
        return ast.Call(ast.Name(func), tuple(_num(draw, depth - 1) for _ in range(n)))
    if k == 7:
        if draw(st.booleans()):
            return ast.CountSet(ast.Name("s"))
        return ast.Count(tuple(_bool_cond(draw, depth - 1) for _ in range(draw(st.integers(1, 3)))))
    return ast.Points(tuple(ast.Point(_bool_cond(draw, depth - 1), _number(draw, unit=False))
                            for _ in range(draw(st.integers(1, 3)))))


def _simple(c: ast.Cond) -> bool:
    return isinstance(c, ast.Name | ast.Number)


def _relation(draw: Any, depth: int) -> ast.Cond:
    left = _num(draw, depth)
    if _simple(left):  # 'x > 2' and 'x in 1..2' are Compare and InRange, not Relation and Between
        left = ast.Arith(left, "+", ast.Name("y"))
    if draw(st.integers(0, 3)) == 0:
        lo, hi = sorted(draw(st.lists(st.integers(-5, 5), min_size=2, max_size=2)))
        unit = draw(st.sampled_from([None, "cm"]))
        return ast.Between(left, ast.Range(ast.Number(lo, None, str(lo)), ast.Number(hi, None, str(hi)), unit))
    return ast.Relation(left, draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="])), _num(draw, depth))


def _strip(node: Any) -> Any:
    """The tree without the parentheses the formatter added (and the spans)."""
    if isinstance(node, ast.Paren):
        return _strip(node.item)
    if isinstance(node, tuple):
        return tuple(_strip(n) for n in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **{f.name: _strip(getattr(node, f.name)) for f in dataclasses.fields(node)
                                            if f.name != "span"})
    return node


@st.composite
def derived_trees(draw: Any) -> ast.Cond:
    return _relation(draw, draw(st.integers(0, 3))) if draw(st.booleans()) else _bool_cond(draw, 3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(derived_trees(), st.sampled_from(["assume", "let"]))
def test_hand_built_derived_trees_parse_back(tree: ast.Cond, where: str) -> None:
    decl: ast.Decl = ast.Assume(tree) if where == "assume" else ast.Let(ast.Name("v"), None, tree)
    f = ast.File(ast.Header(ast.String("T"), None), (decl,))
    text = format_file(f)
    reparsed, diagnostics = parse(text, "h.rules")
    assert diagnostics == [] and reparsed is not None, (text, diagnostics)
    got = reparsed.decls[0]
    assert isinstance(got, type(decl))
    assert _strip(got.cond) == _strip(tree), (text, cond(tree))
    assert format_file(reparsed) == text
