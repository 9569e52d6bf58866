"""``guidegraph diff --figure``: the new version's flowchart with exactly the leaves whose patients' answers
changed marked ("changed since OLD"); a refactoring marks nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli

OLD = """guideline "Figure diff" version "1"
input size_cm "Tumour size": number cm in 0..100
input deep "Deep": bool
action rt "Radiation therapy" modality radiotherapy
action surgery "Surgery" modality surgery
section main "Main":
  rule big:
    when size_cm > 5 cm
    recommend rt
  rule all:
    recommend surgery
  rule deep_superficial:
    when not deep
    consider rt
"""

NEW = OLD.replace("size_cm > 5 cm", "size_cm > 8 cm")


def _files(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    a, b = tmp_path / "old.rules", tmp_path / "new.rules"
    a.write_text(old, encoding="utf-8")
    b.write_text(new, encoding="utf-8")
    return str(a), str(b)


def test_only_leaves_of_changed_patients_are_marked(cli: Cli, tmp_path: Path) -> None:
    old, new = _files(tmp_path, OLD, NEW)
    out = tmp_path / "fig.dot"
    code, _, err = cli("diff", old, new, "--figure", str(out))
    assert code == 1, err
    dot = out.read_text(encoding="utf-8")
    # patients 5 < size <= 8 lose "recommend rt": the leaves they reach are marked, the others not
    marked = [line for line in dot.splitlines() if "changed since" in line]
    assert marked, dot
    assert all("size" not in line for line in marked)  # the mark is on leaves, not on questions
    from engine.cli.commands.diff import load_spec
    from engine.compile.compiler import compile
    from engine.diff.compare import diff
    from engine.diff.figure import changed_leaves

    m_old, _ = load_spec(old)
    m_new, _ = load_spec(new)
    assert m_old is not None and m_new is not None
    compiled = compile(m_new)
    leaves = changed_leaves(diff(m_old, m_new), compiled)
    graph = compiled.graph
    import networkx as nx

    root = compiled.roots["main"]
    assert graph.nodes[root]["var"] == "size_cm"
    in_band: set[str] = set()  # leaves a patient with 5 < size_cm <= 8 reaches (the new version cuts at 8 only)
    for _, child, data in graph.out_edges(root, data=True):
        if any((iv[0] is None or iv[0] < 8) and (iv[1] is None or iv[1] > 5) for iv in data["intervals"]):
            in_band |= {n for n in nx.descendants(graph, child) | {child} if graph.nodes[n]["kind"] == "leaf"}
    assert in_band and leaves == in_band
    possible = {n for n, a in graph.nodes(data=True) if a["kind"] == "leaf" and not a["impossible"] and a["inside"]}
    assert leaves < possible  # patients over 8 cm keep their answer: their leaves are not marked


def test_a_refactoring_marks_nothing(cli: Cli, tmp_path: Path) -> None:
    reordered = OLD.replace("""  rule big:
    when size_cm > 5 cm
    recommend rt
  rule all:
    recommend surgery
""", """  rule all:
    recommend surgery
  rule big:
    when size_cm > 5 cm
    recommend rt
""")
    old, new = _files(tmp_path, OLD, reordered)
    out = tmp_path / "fig.dot"
    code, _, err = cli("diff", old, new, "--figure", str(out))
    assert code == 0, err
    assert "changed since" not in out.read_text(encoding="utf-8")
