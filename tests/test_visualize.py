"""Tests of the flowchart renderer: DOT snapshots, escaping, determinism, case paths and the ``dot`` runner.

The graphs here are built by hand to the contract of docs/graph.md, so these tests pin the renderer and not the
compiler; ``test_render_cli_*`` runs the whole pipeline on a small rules file.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pytest

from engine.core.model import (
    TRUE,
    Action,
    Input,
    Interval,
    Model,
    ParamType,
    Rule,
    Section,
)
from engine.core.model import Entry as MEntry
from engine.core.model import Strength as S
from engine.core.values import same_member
from visualize.dot import to_dot
from visualize.labels import escape, interval_text, question
from visualize.run_dot import RenderError, render_file

if TYPE_CHECKING:
    from conftest import Cli

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot not installed")


@dataclass
class FakeGuideline:
    """A hand-made graph in the contract of docs/graph.md; its case path is a plain walk of the graph (a test
    double: the real one is the evaluator's, tested below on a compiled guideline)."""

    model: Model
    graph: Any
    roots: dict[str, str]

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        nodes: set[str] = set()
        edges: set[tuple[str, str]] = set()
        stack = [self.roots[section]]
        while stack:
            node = stack.pop()
            if node in nodes:
                continue
            nodes.add(node)
            data = self.graph.nodes[node]
            if data["kind"] != "decision":
                continue
            value = facts.get(data["input"])
            for _, child, edge in self.graph.out_edges(node, data=True):
                if data["var"].startswith("known:"):
                    takes = (value is not None) in edge["values"]
                elif value is None:
                    takes = True
                elif "values" in edge:
                    takes = any(same_member(value, v) for v in edge["values"])
                else:
                    spans = edge.get("intervals", [edge["interval"]])
                    takes = any(Interval.from_json(iv).contains(value) for iv in spans)
                if takes:
                    edges.add((node, child))
                    stack.append(child)
        return nodes, edges


def _rule(name: str, section: str, *entries: tuple[str, S], **kw: Any) -> Rule:
    return Rule(name=name, section=section, condition=TRUE, when=TRUE,
                entries=tuple(MEntry(a, s) for a, s in entries), **kw)


def _model(**labels: str) -> Model:
    inputs = {
        "extent": Input("extent", "enum", labels.get("extent", "Disease extent"), values=("localized", "metastatic")),
        "size_cm": Input("size_cm", "number", labels.get("size_cm", "Tumour size"), unit="cm", low=0, high=100),
        "site": Input("site", "enum", "Primary site", values=("extremity", "trunk_wall", "uterus")),
        "mdt": Input("mdt", "bool", "Discussed at MDT"),
        "age": Input("age", "number", None, unit="years", low=0, high=120),
    }
    actions = {
        "radiotherapy": Action("radiotherapy", labels.get("radiotherapy", "Radiation therapy"), "radiotherapy",
                               (ParamType("dose", "number", "Gy"), ParamType("timing", "enum", None,
                                                                            ("preoperative", "postoperative")))),
        "wide_excision": Action("wide_excision", "Wide excision with negative margins", "surgery"),
        "doxorubicin": Action("doxorubicin", "Doxorubicin-based chemotherapy", "systemic"),
        "follow_up": Action("follow_up", "History and physical examination", "surveillance"),
        "morcellation": Action("morcellation", None, "surgery"),
    }
    rules = (
        _rule("excise", "localized", ("wide_excision", S.MUST), evidence="Category 1", citations=(6,)),
        _rule("rt_standard", "localized", ("radiotherapy", S.RECOMMEND), evidence="Category 1", citations=(6, 8),
              footnotes=("Boost to 66 Gy for positive margins.",)),
        _rule("uterine_no_rt", "localized", ("radiotherapy", S.NOT_RECOMMENDED), citations=(6,),
              overrides=("rt_standard",)),
        _rule("doxo", "metastatic", ("doxorubicin", S.RECOMMEND), preference="preferred", citations=(8,)),
        _rule("no_morcellation", "metastatic", ("morcellation", S.NEVER)),
        _rule("elderly_fu", "metastatic", ("follow_up", S.CONSIDER),
              footnotes=("Boost to 66 Gy for positive margins.", "Intervals are a minimum.")),
    )
    return Model(title=labels.get("title", "Demo guideline"), version="1", file="demo.rules",
                 references={6: labels.get("ref6", "Reference six"), 8: "Reference eight", 9: "Never cited"},
                 inputs=inputs, lets={}, assumptions=(), actions=actions,
                 sections=(Section("localized", TRUE, "Localized disease"),
                           Section("metastatic", TRUE, labels.get("metastatic", "Metastatic disease"))),
                 rules=rules, covers=(), todos=())


def _leaf(g: nx.DiGraph, node: str, section: str, entries: list[dict[str, Any]], impossible: bool = False,
          gaps: list[str] | None = None) -> None:
    g.add_node(node, kind="leaf", section=section, impossible=impossible, entries=entries, covers=[],
               conflicts=[], gaps=gaps or [])


def _dec(g: nx.DiGraph, node: str, section: str, var: str, question: str, unit: str | None = None) -> None:
    g.add_node(node, kind="decision", section=section, var=var, input=var.removeprefix("known:"),
               question=question, unit=unit)


def _e(rule: str, action: str, strength: str, status: str = "active", by: list[str] | None = None,
       **params: Any) -> dict[str, Any]:
    return {"rule": rule, "action": action, "strength": strength, "params": params, "status": status,
            "by": by or []}


def demo_guideline(**labels: str) -> FakeGuideline:
    """Two sections: a number split once, an enum with a merged edge, known:x, a bool, a three-way number split,
    an impossible leaf, shared empty leaves, overridden entries, params, citations and footnotes."""
    g = nx.DiGraph()
    _dec(g, "localized/d0", "localized", "extent", labels.get("extent", "Disease extent"))
    _dec(g, "localized/d1", "localized", "size_cm", labels.get("size_cm", "Tumour size"), "cm")
    _dec(g, "localized/d2", "localized", "site", "Primary site")
    _leaf(g, "localized/l0", "localized", [])
    _leaf(g, "localized/l1", "localized", [_e("excise", "wide_excision", "must")])
    _leaf(g, "localized/l2", "localized", [
        _e("excise", "wide_excision", "must"),
        _e("rt_standard", "radiotherapy", "recommend", dose={"min": 50, "max": 60, "unit": "Gy"},
           timing="postoperative")])
    _leaf(g, "localized/l3", "localized", [
        _e("excise", "wide_excision", "must"),
        _e("uterine_no_rt", "radiotherapy", "not_recommended"),
        _e("rt_standard", "radiotherapy", "recommend", "overridden", ["uterine_no_rt"])])
    g.add_edge("localized/d0", "localized/d1", values=["localized"], label="localized")
    g.add_edge("localized/d0", "localized/l0", values=["metastatic"], label="metastatic")
    g.add_edge("localized/d1", "localized/l1", interval=[None, 5, True, True], label="<= 5 cm")
    g.add_edge("localized/d1", "localized/d2", interval=[5, None, False, True], label="> 5 cm")
    g.add_edge("localized/d2", "localized/l2", values=["extremity", "trunk_wall"], label="extremity, trunk_wall")
    g.add_edge("localized/d2", "localized/l3", values=["uterus"], label="uterus")

    _dec(g, "metastatic/d0", "metastatic", "extent", labels.get("extent", "Disease extent"))
    _dec(g, "metastatic/d1", "metastatic", "known:mdt", "Discussed at MDT")
    _dec(g, "metastatic/d2", "metastatic", "mdt", "Discussed at MDT")
    _dec(g, "metastatic/d3", "metastatic", "age", "age", "years")
    _leaf(g, "metastatic/l0", "metastatic", [])
    _leaf(g, "metastatic/l1", "metastatic", [], gaps=["doxorubicin"])
    _leaf(g, "metastatic/l2", "metastatic", [_e("doxo", "doxorubicin", "recommend"),
                                             _e("no_morcellation", "morcellation", "never")])
    _leaf(g, "metastatic/l3", "metastatic", [], impossible=True)
    _leaf(g, "metastatic/l4", "metastatic", [_e("doxo", "doxorubicin", "recommend"),
                                             _e("elderly_fu", "follow_up", "consider",
                                                every={"value": 3, "unit": "months"})])
    g.add_edge("metastatic/d0", "metastatic/l0", values=["localized"], label="localized")
    g.add_edge("metastatic/d0", "metastatic/d1", values=["metastatic"], label="metastatic")
    g.add_edge("metastatic/d1", "metastatic/l0", values=[False], label="unknown")
    g.add_edge("metastatic/d1", "metastatic/d2", values=[True], label="known")
    g.add_edge("metastatic/d2", "metastatic/l1", values=[False], label="no")
    g.add_edge("metastatic/d2", "metastatic/d3", values=[True], label="yes")
    g.add_edge("metastatic/d3", "metastatic/l3", interval=[None, 18, True, False], label="< 18 years")
    g.add_edge("metastatic/d3", "metastatic/l2", interval=[18, 65, True, True], label="18..65 years")
    g.add_edge("metastatic/d3", "metastatic/l4", interval=[65, None, False, True], label="> 65 years")
    return FakeGuideline(_model(**labels), g, {"localized": "localized/d0", "metastatic": "metastatic/d0"})


# ---------------------------------------------------------------------------------------------------------------
# Snapshots of the DOT text


def test_snapshot_pathway(snapshot: Any) -> None:
    snapshot.assert_match(to_dot(demo_guideline()), "pathway.dot")


def test_snapshot_section(snapshot: Any) -> None:
    snapshot.assert_match(to_dot(demo_guideline(), section="metastatic"), "section_metastatic.dot")


def test_snapshot_case(snapshot: Any) -> None:
    dot = to_dot(demo_guideline(), case_facts={"extent": "localized", "size_cm": 7.5})
    snapshot.assert_match(dot, "case_localized_site_unknown.dot")


def test_snapshot_grayscale(snapshot: Any) -> None:
    snapshot.assert_match(to_dot(demo_guideline(), theme="grayscale"), "pathway_grayscale.dot")


# ---------------------------------------------------------------------------------------------------------------
# What the figure says


def _text(dot: str) -> str:
    """The DOT text with wrapped lines joined again, for looking up phrases."""
    return re.sub(r"<BR[^>]*/>", " ", dot)


def test_questions_and_answers() -> None:
    dot = _text(to_dot(demo_guideline()))
    assert "Tumour size &gt; 5 cm?" in dot
    assert re.search(r'"localized/d1" -> "localized/d2" \[.*>yes<', dot)
    # the wide excision every localized leaf holds is drawn once, above the size question; the "no" branch holds
    # nothing more
    assert re.search(r'"localized/d1\+all" -> "localized/d1" ', dot)
    assert re.search(r'"localized/d1" -> "localized/l1@localized/d1" \[.*>no<', dot)
    assert dot.count(">Wide excision") == 1 and "Nothing further" in dot
    assert "Primary site?" in dot and "extremity, trunk wall" in dot
    assert "Discussed at MDT known?" in dot and "Discussed at MDT?" in dot and "known? known" not in dot
    q = question({"var": "known:x", "input": "x", "question": "X known?"},
                 [("a", {"values": [True]}), ("b", {"values": [False]})], "bool")
    assert q.text == "X known?" and q.answers == (("a", "yes"), ("b", "no"))
    # a three-way number split asks about the input and labels the intervals; unlabelled input: humanized name
    assert "Age?" in dot and "18\u201365 years" in dot and "&gt; 65 years" in dot


def test_leaves_show_strength_params_evidence_citations() -> None:
    dot = _text(to_dot(demo_guideline()))
    for text in ("MUST", "RECOMMEND", "\u2715 NOT RECOMMENDED", "\u2715 NEVER", "CONSIDER",
                 "RECOMMEND (preferred)", "dose: 50\u201360 Gy; timing: postoperative", "every: 3 months",
                 "Evidence: Category 1", "[6, 8; a]", "[a, b]", "Morcellation"):
        assert text in dot, text
    # references cited in the figure are listed with their texts at the foot; uncited ones are not
    assert "6. Reference six" in dot and "8. Reference eight" in dot and "Never cited" not in dot
    assert "a. Boost to 66 Gy for positive margins." in dot and "b. Intervals are a minimum." in dot


def test_overridden_and_impossible_are_not_drawn() -> None:
    dot = to_dot(demo_guideline(), section="localized")
    leaf = next(line for line in dot.splitlines() if line.strip().startswith('"localized/l3"'))
    assert "NOT RECOMMENDED" in leaf and "RECOMMEND<" not in leaf.replace("NOT RECOMMENDED", "")
    met = to_dot(demo_guideline(), section="metastatic")
    assert '"metastatic/l3"' not in met and "&lt; 18 years" not in met


def test_empty_leaves_are_small_ends_per_edge() -> None:
    dot = _text(to_dot(demo_guideline(), section="metastatic"))
    assert '"metastatic/l0@metastatic/d0"' in dot and '"metastatic/l0@metastatic/d1"' in dot
    assert dot.count("No recommendation") == 2  # the two ends of l0; the gap leaf l1 carries a note instead
    assert "not addressed: Doxorubicin-based chemotherapy" in dot


def test_pathway_has_clusters_in_model_order_and_a_legend() -> None:
    dot = to_dot(demo_guideline())
    a, b = dot.index('subgraph "cluster_localized"'), dot.index('subgraph "cluster_metastatic"')
    assert a < b
    assert "Localized disease" in dot and "Metastatic disease" in dot
    assert 'style="invis"' in dot  # sections stacked top-down
    for word in ("Modality", "Strength", "surgery", "radiotherapy", "systemic", "surveillance", "References"):
        assert word in dot, word
    assert "diagnostic" not in dot  # the legend lists only what the figure uses


def test_grayscale_has_no_colour_and_tags_modalities() -> None:
    dot = to_dot(demo_guideline(), theme="grayscale")
    colours = set(re.findall(r"#([0-9a-f]{6})", dot))
    assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours), colours
    assert "\u00b7 surgery" in dot and "\u00b7 systemic" in dot


def test_unknown_section_and_theme() -> None:
    with pytest.raises(ValueError, match="unknown section 'nope'; sections: localized, metastatic"):
        to_dot(demo_guideline(), section="nope")
    with pytest.raises(ValueError, match="known themes: colour, grayscale"):
        to_dot(demo_guideline(), theme="neon")


# ---------------------------------------------------------------------------------------------------------------
# Case paths


def test_case_path_is_the_walk_of_evaluation() -> None:
    """``render --case`` highlights what the evaluator walks: a known value takes its branch, an unknown input
    every branch; the leaves reached are those whose entries make the case's result."""
    g = _small_guideline()
    graph = g.graph

    def leaves(nodes: set[str]) -> set[str]:
        return {n for n in nodes if graph.nodes[n]["kind"] == "leaf" and graph.nodes[n]["inside"]}

    def rules_at(leaf: str) -> set[str]:
        return {e["rule"] for e in graph.nodes[leaf]["entries"] if e["status"] == "active"}

    facts = {"stage": "early", "size_cm": 7.0, "site": "limb", "fit": True}
    nodes, edges = g.case_path("early", facts)
    (leaf,) = leaves(nodes)
    assert rules_at(leaf) == {r.rule for r in g.evaluate(facts).recommendations if r.section == "early"}
    assert all(graph.has_edge(u, v) for u, v in edges) and len(edges) == len(nodes) - 1  # one path
    nodes, edges = g.case_path("early", {"stage": "early", "size_cm": 7.0, "fit": True})  # site unknown
    reached = leaves(nodes)
    assert len(reached) == 2 and {"rt_big"} in [rules_at(n) & {"rt_big"} for n in reached]
    nodes, _ = g.case_path("early", {"stage": "late"})  # outside the section: no leaf inside it is reached
    assert nodes and not leaves(nodes)


def test_case_view_greys_the_rest() -> None:
    dot = to_dot(demo_guideline(), case_facts={"extent": "metastatic", "mdt": True, "age": 70})
    on = re.search(r'"metastatic/d3" -> "metastatic/l4" \[([^\n]*)\]', dot)
    off = re.search(r'"metastatic/d3" -> "metastatic/l2" \[([^\n]*)\]', dot)
    assert on and off and 'penwidth="3"' in on.group(1) and 'penwidth="0.8"' in off.group(1)
    assert "patient&#39;s path" in dot


# ---------------------------------------------------------------------------------------------------------------
# Labels and escaping


def test_escape() -> None:
    assert escape("<Stage IV> & 'a' \"b\" c\\d") == "&lt;Stage IV&gt; &amp; &#39;a&#39; &quot;b&quot; c\\\\d"


def test_number_question_texts() -> None:
    assert interval_text((3.0, 5.0, True, False), "years") == "\u2265 3 and < 5 years"
    q = question({"question": "Size", "unit": "cm", "var": "size"},
                 [("lo", {"interval": [None, 5, True, False]}), ("hi", {"interval": [5, None, True, True]})],
                 "number")
    assert q.text == "Size \u2265 5 cm?" and q.answers == (("hi", "yes"), ("lo", "no"))
    # the input's own range limits are not worth saying; a list of intervals on one edge is read as such
    q = question({"question": "Size", "unit": "cm", "var": "size"},
                 [("a", {"interval": [0, 5, True, True], "intervals": [[0, 2, True, False], [4, 5, True, True]]}),
                  ("b", {"intervals": [[2, 4, True, False]]}), ("c", {"interval": [5, 50, False, True]})],
                 "number", domain=(0.0, 50.0))
    assert q.text == "Size?"
    assert q.answers == (("a", "< 2 cm or 4\u20135 cm"), ("b", "\u2265 2 and < 4 cm"), ("c", "> 5 cm"))


NASTY = {"extent": 'Stage "<Stage IV>" & C:\\tmp\\', "size_cm": "Size 'a' \\\\ b", "radiotherapy":
         "<b>RT</b> & \"x\"", "ref6": "Smith & Jones <2020>", "metastatic": "Section <M> \\n"}


@needs_dot
def test_escaping_renders_as_text(tmp_path: Path) -> None:
    dot = to_dot(demo_guideline(**NASTY))
    out = tmp_path / "nasty.svg"
    render_file(dot, str(out))
    svg = out.read_text(encoding="utf-8")
    texts = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for expected in ("&lt;Stage IV&gt;", "&amp;", "C:\\tmp\\", "\\\\ b", "&lt;b&gt;RT&lt;/b&gt;",
                     "Smith &amp; Jones &lt;2020&gt;", "Section &lt;M&gt; \\n"):
        assert expected in texts, expected
    assert "&quot;" in texts or '"' in texts
    assert "'a'" in texts or "&#39;a&#39;" in texts


# ---------------------------------------------------------------------------------------------------------------
# Determinism


def test_dot_is_identical_across_hash_seeds() -> None:
    code = ("import sys; sys.path.insert(0, 'tests'); from test_visualize import demo_guideline; "
            "from visualize.dot import to_dot; g = demo_guideline(); "
            "sys.stdout.write(to_dot(g) + to_dot(g, section='metastatic', theme='grayscale') + "
            "to_dot(g, case_facts={'extent': 'localized'}))")
    root = Path(__file__).resolve().parent.parent
    outs = []
    for seed in ("1", "987654"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, check=True)
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


# ---------------------------------------------------------------------------------------------------------------
# Running dot


def test_dot_missing_gives_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "x.svg"
    with pytest.raises(RenderError, match=r"'dot' program was not found.*apt-get install graphviz.*brew"):
        render_file("digraph { a }", str(out))
    assert list(tmp_path.iterdir()) == []


def test_dot_file_needs_no_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    render_file("digraph { a }\n", str(tmp_path / "x.dot"))
    assert (tmp_path / "x.dot").read_text() == "digraph { a }\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_leaves_no_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(RenderError, match=r"cannot write .*permission denied"):
            render_file("digraph { a }", str(locked / "x.svg"))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


def test_output_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(RenderError, match=r"cannot write .*file/x\.dot"):
        render_file("digraph { a }", str(tmp_path / "file" / "x.dot"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_failed_replace_removes_the_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(RenderError, match=r"cannot write .*Permission denied"):
        render_file("digraph { a }", str(tmp_path / "x.dot"))
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_and_bad_extension(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="does not exist"):
        render_file("digraph { a }", str(tmp_path / "no" / "x.dot"))
    with pytest.raises(RenderError, match=r"unknown extension '\.jpg'; use one of \.dot, \.pdf, \.png, \.svg"):
        render_file("digraph { a }", str(tmp_path / "x.jpg"))


@needs_dot
def test_dot_failure_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "x.svg"
    out.write_text("old")
    with pytest.raises(RenderError, match="Graphviz 'dot' failed"):
        render_file("digraph { a -> }", str(out))
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["x.svg"]


@needs_dot
def test_render_png_at_300_dpi(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    render_file(to_dot(demo_guideline(), section="localized"), str(out))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width_px = int.from_bytes(data[16:20], "big")  # IHDR
    svg = tmp_path / "x.svg"
    render_file(to_dot(demo_guideline(), section="localized"), str(svg))
    m = re.search(r'<svg width="(\d+)pt"', svg.read_text())
    assert m and abs(width_px - int(m.group(1)) * 300 / 72) < 10


# ---------------------------------------------------------------------------------------------------------------
# The display reduction


def test_equal_boxes_are_drawn_once_and_one_outcome_questions_skipped() -> None:
    fg = demo_guideline()
    g = fg.graph
    # A copy of l1 that differs only in what a figure does not show (an overridden entry), under a new question
    # whose two answers both lead to a box equal to l1: the question is skipped, the copy merged with l1.
    _dec(g, "localized/d9", "localized", "mdt", "Discussed at MDT")
    _leaf(g, "localized/l9", "localized", [_e("excise", "wide_excision", "must"),
                                           _e("rt_standard", "radiotherapy", "recommend", "overridden", ["x"])])
    g.remove_edge("localized/d1", "localized/l1")
    g.add_edge("localized/d1", "localized/d9", interval=[None, 5, True, True], label="<= 5 cm")
    g.add_edge("localized/d9", "localized/l1", values=[True], label="yes")
    g.add_edge("localized/d9", "localized/l9", values=[False], label="no")
    dot = to_dot(fg, section="localized")
    assert '"localized/d9"' not in dot and '"localized/l9"' not in dot
    assert re.search(r'"localized/d1" -> "localized/l1@localized/d1" \[.*>no<', dot)
    # two answers leading to the same box share one edge
    _leaf(g, "localized/l2b", "localized", [dict(e) for e in g.nodes["localized/l2"]["entries"]])
    g.remove_edge("localized/d2", "localized/l2")
    g.add_edge("localized/d2", "localized/l2", values=["extremity"], label="extremity")
    g.add_edge("localized/d2", "localized/l2b", values=["trunk_wall"], label="trunk_wall")
    dot = _text(to_dot(fg, section="localized"))
    assert '"localized/l2b"' not in dot and "extremity, trunk wall" in dot


# ---------------------------------------------------------------------------------------------------------------
# The command line, on a small rules file (parse, resolve, compile, render)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "visualize"
SMALL = str(FIXTURES / "small.rules")


@pytest.mark.parametrize(("name", "extra"), [
    pytest.param("pathway", (), id="pathway"),
    pytest.param("section_early", ("--section", "early"), id="section"),
    pytest.param("case_early", ("--case", str(FIXTURES / "case_early.yaml")), id="case"),
    pytest.param("grayscale", ("--theme", "grayscale"), id="grayscale"),
])
def test_render_cli_snapshots(cli: Cli, tmp_path: Path, snapshot: Any, name: str, extra: tuple[str, ...]) -> None:
    out = tmp_path / "out.dot"
    assert cli("render", SMALL, "-o", str(out), *extra).code == 0
    snapshot.assert_match(out.read_text(encoding="utf-8"), f"small_{name}.dot")


def test_render_cli_errors(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    code, _, err = cli("render", SMALL, "-o", str(out), "--section", "erly")
    assert code == 2
    assert "unknown section 'erly'; the sections are: early, late" in err and "did you mean 'early'" in err
    code, _, err = cli("render", SMALL, "-o", str(out), "--case", str(FIXTURES / "case_bad.yaml"))
    assert code == 1
    assert "stage" in err
    assert cli("render", str(tmp_path / "missing.rules"), "-o", str(out)).code == 2
    code, _, err = cli("render", SMALL, "-o", str(tmp_path / "out.gif"))
    assert code == 2
    assert "unknown extension '.gif'" in err
    code, _, err = cli("render", SMALL, "-o", str(tmp_path / "no" / "out.svg"))
    assert code == 2
    assert "does not exist" in err
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_render_cli_svg_escapes_labels(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    assert cli("render", SMALL, "-o", str(out), "--page", "none").code == 0  # one page, as the pathway was drawn
    texts = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", out.read_text(encoding="utf-8")))
    for expected in ("Demo &lt;pathway&gt; &amp; &quot;friends&quot;", "For: Stage &lt;I&#45;IV&gt; early",
                     "Radiation \\ therapy", "Smith &amp; Jones &lt;2020&gt;", "Early &lt;disease&gt;"):
        assert expected in texts, expected


# ---------------------------------------------------------------------------------------------------------------
# The list form (a section whose tree is far too wide for a page)


def _small_guideline() -> Any:
    from engine.compile.compiler import compile
    from engine.evaluate.guideline import Guideline
    from engine.resolve.pipeline import load_model

    model, diagnostics, _ = load_model(SMALL)
    assert model is not None, diagnostics
    return Guideline(compile(model))


def test_condition_text_and_three_valued_holds() -> None:
    from engine.core.semantics import truth
    from visualize.conditions import condition_text

    g = _small_guideline()
    m = g.model
    assert condition_text(m.rule("rt_big").when, m) == "Tumour size > 5 cm"
    assert condition_text(m.rule("no_rt_uterus").when, m) == "Primary site: uterus"
    assert condition_text(m.rule("excise").when, m) == "Fit for surgery: yes"
    cond = m.rule("rt_big").condition  # stage == early and size_cm > 5
    assert truth(cond, m, {"stage": "early", "size_cm": 7}) is True  # the list rows grey by the core semantics
    assert truth(cond, m, {"stage": "late"}) is False
    assert truth(cond, m, {"stage": "early"}) is None


def test_wide_sections_are_drawn_as_lists(monkeypatch: pytest.MonkeyPatch, snapshot: Any) -> None:
    import visualize.dot

    g = _small_guideline()
    assert "If tumour size &gt; 5 cm" not in to_dot(g, section="early")
    monkeypatch.setattr(visualize.dot, "LIST_WIDTH", 1.0)
    dot = to_dot(g, section="early", case_facts={"stage": "early", "size_cm": 3})
    text = _text(dot)
    assert "If tumour size &gt; 5 cm" in text and "If fit for surgery: yes" in text
    assert "unless: No rt uterus" in text  # the overriding rule has no label: its name, as words
    assert re.search(r"\{rank=same; \"early/rule/excise\"; \"early/rule/excise/entries\"\}", dot)
    snapshot.assert_match(dot, "small_early_list_case.dot")


def test_cli_dot_is_identical_across_hash_seeds(cli: Cli, tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "31337"):
        out = tmp_path / f"{seed}.dot"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = cli.process("render", SMALL, "-o", str(out), "--case", str(FIXTURES / "case_early.yaml"), env=env)
        assert done.code == 0, done.err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and b"early/d" in outs[0]
