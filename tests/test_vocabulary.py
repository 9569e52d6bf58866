"""The display vocabulary (issue 14): value labels, bool answers, unit display forms, comparison-valued parameters,
and the author's comparison kept. The language side (parse, format, resolve) and the wording helpers."""

from __future__ import annotations

from dsl.format import format_file
from dsl.parser import parse
from engine.core.model import Bound, Interval
from engine.core.vocabulary import authored
from engine.core.words import atom_words
from engine.resolve.resolver import resolve

VOCAB = '''guideline "Vocabulary"

unit mg_per_day "mg/day"
unit per_5mm2 "/5 mm²"
unit percent "%"

input hf "Heart failure": {none "None", hfref "HFrEF", hfpef}
input pregnant "Pregnancy": bool {true "Pregnant", false "Not pregnant"}
input treated "Already taking BP-lowering medication": bool
input sbp "Systolic BP": integer mmHg in 60..260
input mitoses "Mitoses": number per_5mm2 in 0..100
input ef "Ejection fraction": number percent in 0..100
input prior: set of {imatinib "Imatinib", sunitinib}

classify risk "Risk":
  when mitoses > 5 then high "High risk"
  otherwise low "Low risk"

action target(systolic: mmHg, dose: mg_per_day, timing: {early "Early", late}) "BP target"

section s:

  rule r:
    when hf == hfref and not pregnant and sbp < 80 and sbp > 180 or treated
    recommend target(systolic: < 130 mmHg, dose: 400 mg_per_day, timing: early)
'''


def _model(text: str = VOCAB):  # type: ignore[no-untyped-def]
    tree, diags = parse(text, "v.rules")
    assert tree is not None and not diags
    model, diags = resolve(tree, "v.rules")
    assert model is not None and not [d for d in diags if d.severity == "error"], diags
    return model


def test_the_formatter_writes_every_construct_back() -> None:
    tree, diags = parse(VOCAB, "v.rules")
    assert tree is not None and not diags
    text = format_file(tree)
    assert text == VOCAB
    again, _ = parse(text, "v.rules")
    assert again == tree


def test_the_model_holds_the_words_and_the_machines_keep_the_names() -> None:
    m = _model()
    v = m.vocabulary
    assert v.units == {"mg_per_day": "mg/day", "per_5mm2": "/5 mm²", "percent": "%"}
    assert v.values["hf"] == {"none": "None", "hfref": "HFrEF"}
    assert v.values["pregnant"] == {True: "Pregnant", False: "Not pregnant"}
    assert v.values["risk"] == {"high": "High risk", "low": "Low risk"}
    assert v.values["prior"] == {"imatinib": "Imatinib"}
    assert v.params == {"target.timing": {"early": "Early"}}
    assert m.inputs["hf"].values == ("none", "hfref", "hfpef")  # the names stay the contract
    entry = m.rules[0].entries[0]
    params = dict(entry.params)
    assert params["systolic"] == Bound("<", 130.0, "mmHg")
    assert params["systolic"].to_json() == {"op": "<", "value": 130, "unit": "mmHg"}
    assert v.param("target", "systolic", params["systolic"]) == "< 130 mmHg"
    assert v.param("target", "dose", params["dose"]) == "400 mg/day"
    assert v.param("target", "timing", params["timing"]) == "Early"
    assert v.with_unit("6", "per_5mm2") == "6/5 mm²" and v.with_unit("10", "percent") == "10%"
    assert v.value("hf", "hfpef") == "hfpef" and v.value("treated", False) == "no"
    assert v.label("pregnant", 1) is None  # True is not 1


def test_integer_cells_keep_the_comparison_the_author_wrote() -> None:
    m = _model()
    assert m.vocabulary.written["sbp"] == frozenset({80.0, 180.0})
    written = m.vocabulary.written["sbp"]
    assert authored(Interval(None, 79, False, True), written) == Interval(None, 80, False, False)
    assert authored(Interval(181, None, True, False), written) == Interval(180, None, False, False)
    assert authored(Interval(80, 180, True, True), written) == Interval(80, 180, True, True)
    assert authored(Interval(None, 79, False, True), frozenset({79.0, 80.0})) == Interval(None, 79, False, True)


def test_tests_in_words() -> None:
    m = _model()
    atoms = {}
    from engine.core.walk import iter_atoms
    for a in iter_atoms(m.rules[0].condition, m.lets):
        atoms.setdefault(a.input, a)
    assert atom_words(m, atoms["hf"]) == "Heart failure: HFrEF"
    assert atom_words(m, atoms["pregnant"]) == "Pregnant"
    assert atom_words(m, atoms["pregnant"], negated=True) == "Not pregnant"
    assert atom_words(m, atoms["treated"]) == "Already taking BP-lowering medication"
    assert atom_words(m, atoms["treated"], negated=True) == "Already taking BP-lowering medication: no"
    assert atom_words(m, atoms["sbp"]) == "Systolic BP < 80 mmHg"


# ---------------------------------------------------------------------------------------------------------------
# No labelled identifier reaches an output for people


def _people_outputs(tmp_path, capsys) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What people read of the words fixture: run text (and --explain), report HTML, the figures' visible text,
    and diff text (against a copy with one rule changed)."""
    import html
    import re
    from pathlib import Path

    from engine.cli.main import main

    here = Path(__file__).parent / "fixtures" / "vocabulary"
    rules, cases = str(here / "words.rules"), str(here / "cases.yaml")
    out: dict[str, str] = {}
    for name, args in (("run", ["run", rules, cases]), ("explain", ["run", rules, cases, "--explain"])):
        main(args)
        out[name] = capsys.readouterr().out
    main(["report", rules, cases, "-o", str(tmp_path / "r.html")])
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = re.sub(r"<code>(\w+)</code>", r"(\1)", page)  # the name after a label, as in the text: a reference
    # the inline figures' <title> elements are Graphviz's node ids (hover text), not words on the page
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<title>.*?</title>|<[^>]+>", " ", page, flags=re.S)
    # check's findings are in the rules language (a region to paste into a rule): they keep the names
    out["report"] = "\n".join(line for line in text.splitlines() if not re.search(r"\b[EWN]\d{3}\b", line))
    capsys.readouterr()
    main(["render", rules, "-o", str(tmp_path / "f.svg")])
    capsys.readouterr()
    out["figures"] = " ".join(html.unescape(re.sub(r"<[^>]+>", "", t)) for svg in tmp_path.glob("f*.svg")
                              for t in re.findall(r"<text[^>]*>.*?</text>", svg.read_text(encoding="utf-8")))
    new = tmp_path / "new.rules"
    new.write_text((here / "words.rules").read_text(encoding="utf-8").replace("sbp > 180", "sbp > 170"),
                   encoding="utf-8")
    main(["diff", rules, str(new)])
    # the regions ("when ...") are in the rules language and the examples are case data, as in check
    out["diff"] = "\n".join(line for line in capsys.readouterr().out.splitlines()
                            if not line.lstrip().startswith(("when ", "example: ")))
    return out


def test_no_labelled_identifier_reaches_people(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Values with labels and units with display forms never print by name; inputs and actions with labels
    print by name only as the cross-reference in parentheses after their label (``Imatinib (imatinib_drug)``,
    the name a case file or a test uses)."""
    import re

    outputs = _people_outputs(tmp_path, capsys)
    assert all(outputs.values()), [k for k, v in outputs.items() if not v]
    never = ["jejunum_ileum", "trunk_wall", "early_on", "late_on", "high_risk", "low_risk", "mg_per_day",
             "per_5mm2"]
    labelled = ["bp_target", "imatinib_drug", "risk_band", "untreated_pts"]
    for where, text in outputs.items():
        for name in never:
            assert not re.search(rf"\b{name}\b", text), (where, name)
        for name in labelled if where != "diff" else ():  # diff heads an action's changes "name (Label)"
            bare = re.sub(rf"\({name}\)|\(rule {name}\)", "", text)
            assert not re.search(rf"\b{name}\b", bare), (where, name)
    assert "< 80 mmHg" in outputs["figures"] and "> 180 mmHg" in outputs["figures"]
    assert "≤ 79" not in outputs["figures"] and "≥ 181" not in outputs["figures"]
    assert "400 mg/day" in outputs["run"] and "< 130 mmHg" in outputs["run"] and "Not pregnant" in outputs["run"]


def test_a_unit_of_time_is_singular_after_one() -> None:
    """'every: 1 months' was one of the author trial's complaints; a declared display form is kept as written."""
    from engine.core.params import Quantity
    from engine.core.vocabulary import Vocabulary

    words = Vocabulary()
    assert words.param("a", "every", Quantity(1, "months")) == "1 month"
    assert words.param("a", "every", Quantity(12, "months")) == "12 months"
    assert words.param("a", "dose", Quantity(1, "mg")) == "1 mg"
    assert Vocabulary(units={"months": "mo"}).param("a", "every", Quantity(1, "months")) == "1 mo"
