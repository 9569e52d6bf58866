"""engine.compile.compiler: variables, exact number partitions, overrides, reduction, determinism, the graph
contract."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from modelgen import build, enum, eq, flag, gt, le, models, num, rule

from engine.compile.compiler import GraphTooLarge, compile
from engine.compile.guideline import CompiledGuideline, Leaf
from engine.compile.variables import partition
from engine.core.model import TRUE, Cover, Interval, KnownTest, Not, Or, Section
from engine.evaluate.walk import branches


def leaf_of(g: CompiledGuideline, section: str, facts: Mapping[str, Any]) -> Leaf:
    """The leaf a fully known case reaches in ``section``'s diagram."""
    branch = branches(g, facts)
    assert all(b is not None for b in branch), "leaf_of needs every input the guideline reads"
    return g.leaves[g.mdd.evaluate(g.section_nodes[section], [b for b in branch if b is not None])]

def cells(inp: Any, *tests: Interval) -> list[str]:
    return [str(c) for c in partition(inp, set(tests))]


def test_partition_respects_open_and_closed_ends_and_range() -> None:
    size = num("size_cm")
    assert cells(size, Interval(5, None, False)) == ["[0, 5]", "(5, 100]"]
    assert cells(size, Interval(5, None, True), Interval(5, None, False)) == ["[0, 5)", "[5, 5]", "(5, 100]"]
    assert cells(size, Interval(3, 5), Interval(4, None, False)) == ["[0, 3)", "[3, 4]", "(4, 5]", "(5, 100]"]
    assert cells(num("x", float("-inf"), float("inf")), Interval(None, 2, high_closed=False)) == \
        ["(-inf, 2)", "[2, inf)"]
    assert cells(size) == ["[0, 100]"]


def test_integer_partition_has_integer_bounds() -> None:
    n = num("n", 0, 10, None, "integer")
    assert cells(n, Interval(2.5, None, False)) == ["[0, 2]", "[3, 10]"]
    assert cells(n, Interval(2, 4, False, False)) == ["[0, 2]", "[3, 3]", "[4, 10]"]


def test_known_variable_comes_right_before_its_input() -> None:
    m = build([flag("a"), num("size_cm")], [rule("r", Or((KnownTest("size_cm"), gt("size_cm", 5))),
                                                   ("recommend", "x"))])
    assert compile(m).order == ("known:size_cm", "size_cm")


def _lms_like() -> Any:
    site, mdt, size = enum("site", "limb", "uterus"), flag("mdt"), num("size_cm")
    rules = [rule("standard", gt("size_cm", 5), ("recommend", "rt")),
             rule("no_rt", eq("site", "uterus"), ("not_recommended", "rt"), overrides=("standard",)),
             rule("after_mdt", eq("mdt", True), ("consider", "rt"), overrides=("no_rt",))]
    return build([site, mdt, size], rules, covers=[Cover("rt", "main", TRUE)])


def test_overrides_are_transitive_and_name_the_applying_overriders() -> None:
    g = compile(_lms_like())
    leaf = leaf_of(g, "main", {"site": "uterus", "mdt": True, "size_cm": 7})
    status = {(g.model.rules[e.rule].name, e.status, tuple(g.model.rules[o].name for o in e.by))
              for e in leaf.entries}
    assert status == {("standard", "overridden", ("no_rt", "after_mdt")),
                      ("no_rt", "overridden", ("after_mdt",)), ("after_mdt", "active", ())}
    assert leaf.conflicts == () and leaf.gaps == () and leaf.covers == ("rt",)
    leaf = leaf_of(g, "main", {"site": "limb", "mdt": False, "size_cm": 3})
    assert leaf.entries == () and leaf.gaps == ("rt",)


def test_conflict_in_leaf_when_neither_rule_overrides() -> None:
    m = build([flag("a"), flag("b")], [rule("p", eq("a", True), ("recommend", "x")),
                                       rule("n", eq("b", True), ("never", "x"))])
    g = compile(m)
    assert leaf_of(g, "main", {"a": True, "b": True}).conflicts == ("x",)
    assert leaf_of(g, "main", {"a": True, "b": False}).conflicts == ()


def test_graph_is_reduced_and_merged() -> None:
    g = compile(_lms_like())
    seen: set[Any] = set()
    for n, d in g.graph.nodes(data=True):
        if d["kind"] == "decision":
            kids = tuple(sorted(g.graph.successors(n)))
            assert len(kids) >= 2, "a test whose answers all lead to the same place is redundant"
            key = (d["section"], d["var"], tuple((k, json.dumps(g.graph.edges[n, k], sort_keys=True))
                                                 for k in kids))
            assert key not in seen, "equal subgraphs must be merged"
            seen.add(key)
    assert nx.is_directed_acyclic_graph(g.graph)


def test_unused_tests_disappear() -> None:
    """``a or not a`` tests nothing: the diagram is a single leaf."""
    m = build([flag("a")], [rule("r", Or((eq("a", True), Not(eq("a", True)))), ("recommend", "x"))])
    g = compile(m)
    assert g.graph.nodes[g.roots["main"]]["kind"] == "leaf"


def _plain(x: Any) -> bool:
    if isinstance(x, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in x.items())
    if isinstance(x, list):
        return all(_plain(v) for v in x)
    return x is None or isinstance(x, str | int | float | bool)


def test_node_and_edge_attributes_follow_the_contract() -> None:
    g = compile(_lms_like())
    for _, d in g.graph.nodes(data=True):
        assert _plain(d)
        if d["kind"] == "decision":
            assert set(d) == {"kind", "section", "var", "input", "question", "unit"}
        else:
            assert set(d) == {"kind", "section", "impossible", "entries", "covers", "conflicts", "gaps", "inside"}
            for e in d["entries"]:
                assert set(e) == {"rule", "action", "strength", "params", "status", "by", "span"}
    labels = set()
    for u, _, d in g.graph.edges(data=True):
        assert _plain(d)
        var = g.graph.nodes[u]["var"]
        if var == "size_cm":
            assert {"interval", "intervals", "label"} <= set(d)
        else:
            assert isinstance(d["values"], list)
        labels.add(d["label"])
    assert {"> 5 cm", "<= 5 cm", "yes", "no", "uterus", "limb"} <= labels
    assert all(r.endswith("/d0") or r.endswith("/l0") for r in g.roots.values())


def test_assumptions_mark_impossible_leaves() -> None:
    m = build([enum("site", "limb", "uterus"), enum("sex", "female", "male")],
              [rule("r", eq("site", "uterus"), ("recommend", "x"))],
              assumptions=[Or((Not(eq("site", "uterus")), eq("sex", "female")))])
    g = compile(m)
    assert leaf_of(g, "main", {"site": "uterus", "sex": "male"}).impossible
    assert not leaf_of(g, "main", {"site": "uterus", "sex": "female"}).impossible


def test_sections_are_disjoint_and_overrides_cross_sections() -> None:
    secs = [Section("one", TRUE), Section("two", eq("a", True))]
    m = build([flag("a"), flag("b")],
              [rule("base", eq("b", True), ("recommend", "x"), section="one"),
               rule("exc", TRUE, ("never", "x"), section="two", guard=eq("a", True), overrides=("base",))],
              sections=secs)
    g = compile(m)
    assert list(g.roots) == ["one", "two"]
    assert all(n.startswith(g.graph.nodes[n]["section"] + "/") for n in g.graph)
    leaf = leaf_of(g, "one", {"a": True, "b": True})
    assert [(e.status, e.by) for e in leaf.entries] == [("overridden", (1,))]


def test_graph_too_large_names_the_busiest_inputs() -> None:
    ins = [num(f"n{i}") for i in range(4)]
    rules = [rule(f"r{i}", gt(f"n{i % 4}", i + 0.5), ("recommend", "x")) for i in range(24)]
    with pytest.raises(GraphTooLarge) as e:
        compile(build(ins, rules), max_nodes=40)
    assert e.value.inputs[0] in {"n0", "n1", "n2", "n3"} and "40 nodes" in str(e.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_compile_is_deterministic(model: Any) -> None:
    a, b = compile(model), compile(model)
    assert a.order == b.order and a.roots == b.roots
    da = nx.node_link_data(a.graph, edges="links")
    assert json.dumps(da) == json.dumps(nx.node_link_data(b.graph, edges="links"))


def test_lms_rules_compile() -> None:
    import engine
    g = engine.load("rules/lms.rules")
    assert set(g.roots) == {s.name for s in g.model.sections}
    assert len(g.graph) > 0 and "known:menopausal_status" in g.order
    assert le("x", 1).interval.contains(1)


def test_witness_paths_become_patients() -> None:
    g = compile(_lms_like())
    m = g.mdd
    path = m.witness(g.section_nodes["main"], lambda key: bool(g.leaves[key].gaps))
    assert path is not None
    patient = g.facts_of(path, complete=True)
    assert leaf_of(g, "main", patient).gaps == ("rt",)
    assert m.count(g.rule_nodes["standard"], True) == m.count(g.rule_nodes["standard"], False)
