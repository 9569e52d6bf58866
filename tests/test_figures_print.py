"""The LMS figures as a journal would print them: factored (an action that holds on every path below a question is
drawn once, above it) and page-aware (text measured from the SVG once fitted to an A4 text width)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from engine.compile.compiler import compile
from engine.evaluate.guideline import Guideline
from engine.resolve.pipeline import load_model
from visualize.dot import to_dot

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "lms.rules"


@pytest.fixture(scope="module")
def lms() -> Guideline:
    model, _, _ = load_model(str(RULES))
    assert model is not None
    return Guideline(compile(model))


def _text(dot: str) -> str:
    return re.sub(r"<BR[^>]*/>", " ", dot)


def test_uterine_figure_draws_hysterectomy_once(lms: Guideline) -> None:
    dot = _text(to_dot(lms, section="uterine"))
    assert dot.count(">Total abdominal hysterectomy") == 1
    # the box of the shared action is drawn above the first question, on every path
    assert re.search(r'"uterine/d\d+\+all" -> "uterine/d\d+" ', dot)


def test_factored_case_path_passes_through_the_shared_box(lms: Guideline) -> None:
    facts = {"phase": "treatment", "extent": "localized", "site": "uterus", "menopausal_status": "postmenopausal"}
    dot = to_dot(lms, section="uterine", case_facts=facts)
    box = re.search(r'"uterine/d0\+all" -> "uterine/d\d+" \[color="([^"]+)"', dot)
    assert box is not None and box.group(1) == "#d35400"


def _measure() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("figure_report", ROOT / "scripts" / "figure_report.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["figure_report"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod.measure


def test_committed_lms_figures_print_at_7pt_on_a4_without_repeats_or_crossings() -> None:
    """Measured from the committed SVGs (width in points, scale() and font-size), not from the renderer's settings:
    every page's smallest text, once fitted to a 17 cm A4 text width, is at least 7 pt (as printed: rounded to
    0.01 pt), no page draws an action entry twice with the same text, and no two edges cross."""
    measure: Any = _measure()
    figures = sorted((ROOT / "docs" / "figures").glob("lms-*.svg"))
    assert figures
    sizes = {f.name: measure(f.read_text(encoding="utf-8")) for f in figures}
    small = {name: round(m.min_font, 1) for name, m in sizes.items() if round(m.min_font, 2) < 7}
    assert not small, small
    assert {name: m.repeated for name, m in sizes.items() if m.repeated} == {}
    assert {name: m.crossings for name, m in sizes.items() if m.crossings} == {}


@pytest.mark.slow
def test_rendered_uterine_pages_fit_a4(lms: Guideline) -> None:
    from visualize.pages import section_pages
    from visualize.run_dot import layout_width, render_svg
    from visualize.style import page

    measure: Any = _measure()
    for dot in section_pages(lms, "uterine", None, page("a4"), layout_width):
        assert measure(render_svg(dot)).min_font >= 6


# ---------------------------------------------------------------------------------------------------------------
# render --min-font: every page at or above it, split further, or an error naming the figure

SMALL = ROOT / "tests" / "fixtures" / "visualize" / "small.rules"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@needs_dot
def test_min_font_splits_pages_until_each_prints_at_it(lms: Guideline) -> None:
    from visualize.pages import section_pages
    from visualize.run_dot import layout_width, render_svg
    from visualize.style import page

    measure: Any = _measure()
    at_7 = section_pages(lms, "pitfalls", None, page("a4"), layout_width, min_font=7.0)
    at_8 = section_pages(lms, "pitfalls", None, page("a4"), layout_width, min_font=8.0)
    assert len(at_8) > len(at_7)  # 18.5 cm wide at 7.4 pt is fine at 7, not at 8: it is cut
    assert all(round(measure(render_svg(dot)).min_font, 2) >= 8 for dot in at_8)


@needs_dot
def test_boxes_side_by_side_get_pages_of_their_own_when_too_wide() -> None:
    """The AF dose section asks one question whose answers end in columns of dose boxes, 19.9 cm side by side:
    each column goes to a page of its own, so every page prints at 7 pt (it used to be an error)."""
    from engine.evaluate.api import load
    from visualize.pages import section_pages
    from visualize.run_dot import layout_width, render_svg
    from visualize.style import page

    af = load(str(Path(__file__).resolve().parent.parent / "rules" / "af.rules"))
    pages = section_pages(af, "dosing", None, page("a4"), layout_width)
    assert len(pages) == 3 and "see p. 2" in pages[0]
    measure: Any = _measure()
    assert all(round(measure(render_svg(dot)).min_font, 2) >= 7 for dot in pages)


@needs_dot
def test_a_page_that_cannot_be_split_is_an_error_naming_it(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "f.svg"
    res = cli("render", str(SMALL), "-o", str(out), "--page", "5cm")
    assert res.code == 2
    assert "figure 'Demo <pathway> & \"friends\" — Early <disease>' cannot be split further" in res.err
    assert "cm wide" in res.err and "below --min-font 7" in res.err
    assert not out.exists()


def test_min_font_above_the_smallest_text_set_is_refused(cli: Cli, tmp_path: Path) -> None:
    res = cli("render", str(SMALL), "-o", str(tmp_path / "f.dot"), "--min-font", "9")
    assert res.code == 2 and "--min-font 9 is out of range" in res.err


@needs_dot
def test_a_pdf_holds_every_page_of_the_figure(cli: Cli, tmp_path: Path) -> None:
    """``-o x.pdf`` writes one PDF with a page per figure page (the SVG output of the same figure is several files)."""
    from pypdf import PdfReader

    args = ("--section", "early", "--page", "8cm", "--min-font", "5")
    svg = cli("render", str(SMALL), "-o", str(tmp_path / "f.svg"), *args)
    pdf = cli("render", str(SMALL), "-o", str(tmp_path / "f.pdf"), *args)
    assert svg.code == 0 and pdf.code == 0, (svg.err, pdf.err)
    n = len(list(tmp_path.glob("f*.svg")))
    assert n > 1
    assert sorted(p.name for p in tmp_path.glob("f*.pdf")) == ["f.pdf"]
    assert len(PdfReader(tmp_path / "f.pdf").pages) == n


# ---------------------------------------------------------------------------------------------------------------
# The overview page: the entry questions, read from the sections' guards, leading to each section's page


def test_overview_asks_the_guards_questions(lms: Guideline) -> None:
    from visualize.overview import entry_tree, overview_plan

    always, tree = entry_tree(lms.model)
    assert always == ("management", "pitfalls")  # no guard: for every patient
    assert tree is not None and tree[1].name == "phase"
    names = [s.name for s in lms.model.sections]
    plan = overview_plan(lms.model, {n: n for n in names}, {n: i + 2 for i, n in enumerate(names)})
    questions = [dn.question for dn in plan.nodes if dn.kind == "question"]
    assert questions == ["Phase of care?", "Disease extent?", "Primary site?"]
    links = "\n".join(dn.question for dn in plan.nodes if dn.kind == "link")
    for i, n in enumerate(names):  # every section is named once, with its page
        assert links.count(f"{n}: see p. {i + 2}") == 1, n
    edges = {(e.src, e.label) for e in plan.edges}
    by_id = {dn.id: dn for dn in plan.nodes}
    site = next(dn.id for dn in plan.nodes if dn.question == "Primary site?")
    # the sites without a section of their own share one answer
    assert (site, "extremity, trunk wall, other") in edges
    assert by_id[plan.nodes[0].id].question.startswith("For every patient:")


# ---------------------------------------------------------------------------------------------------------------
# diff --figure: the new version drawn as render draws it, in pages


@needs_dot
@pytest.mark.slow
def test_diff_figure_is_paged_and_prints_at_7pt(cli: Cli, tmp_path: Path) -> None:
    """The changed-leaves figure is render's: an overview page, then each section's pages (OUT, OUT-p2, ...),
    each printing at 7 pt on A4, with "see p. N" connectors and the changed leaves marked."""
    text = RULES.read_text(encoding="utf-8")
    changed = text.replace("high_grade and depth == deep and size_cm > 5 cm", "high_grade and depth == deep and "
                           "size_cm > 8 cm")
    assert changed != text
    new = tmp_path / "new.rules"
    new.write_text(changed, encoding="utf-8")
    res = cli("diff", str(RULES), str(new), "--figure", str(tmp_path / "fig.svg"))
    assert res.code == 1, res.err  # a change
    pages = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("fig*.svg")}
    assert "fig.svg" in pages and "fig-p2.svg" in pages and len(pages) > 5
    measure: Any = _measure()
    assert all(round(measure(svg).min_font, 2) >= 7 for svg in pages.values())
    assert any("changed since" in svg for svg in pages.values())
    assert sum(svg.count("see p. ") for svg in pages.values()) > len(pages) - 1  # the overview's and the cuts'
