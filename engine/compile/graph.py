"""The networkx copy of the diagrams: the graph every command reads and docs/graph.md specifies.

Each section diagram (or, for a wide section, each of its rules' diagrams) is copied node by node with
deterministic ids and plain-data attributes, so the graph can be exported, drawn and walked without the MDD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from engine.compile.guideline import Leaf, LeafKey, Var
from engine.compile.mdd import MDD
from engine.core.model import Interval, Model


def interval_label(cell: Interval, domain: tuple[float, float], unit: str | None) -> str:
    """An edge answer as the graph's ``label`` states it: ``> 5 cm``, ``<= 5 cm``, ``3..5 years``, ``any``."""
    return cell.text("ascii", unit=unit, domain=domain)


def _value_text(var: Var, v: object) -> str:
    if var.kind == "known":
        return "known" if v else "unknown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _runs(var: Var, branches: list[int]) -> list[Interval]:
    """Cells of consecutive branches (neighbours in the partition) joined into one interval each."""
    out: list[Interval] = []
    last = -2
    for i in branches:
        c = var.branches[i]
        assert isinstance(c, Interval)
        if out and i == last + 1:
            p = out[-1]
            out[-1] = Interval(p.low, c.high, p.low_closed, c.high_closed)
        else:
            out.append(c)
        last = i
    return out


def add_section_graph(graph: nx.DiGraph, model: Model, vars: tuple[Var, ...], mdd: MDD, section: str,
                      root: int, leaves: Mapping[LeafKey, Leaf], prefix: str | None = None) -> dict[int, str]:
    """Copy one section diagram into ``graph`` (ids ``<prefix>/d<k>``, ``<prefix>/l<k>`` in depth-first
    preorder, children in branch order; the prefix is the section's name, or ``<section>/p<k>`` for the parts of
    a wide section); returns the id of every diagram node copied (``root``'s is the root id), so that a walk of
    the diagram (``Evaluator.reach``) can name the graph nodes it passes.

    Nodes and edges are collected first, in the order a node-by-node copy would add them (nodes in preorder,
    an edge once its child's subtree is done), then added in two bulk calls; edge labels are computed once per
    (variable, answers) and entry texts once per (rule, entry), since the same ones recur across the diagram."""
    prefix = section if prefix is None else prefix
    ids: dict[int, str] = {}
    counts = [0, 0]
    rules = model.rules
    nodes: list[tuple[str, dict[str, Any]]] = []
    edges: list[tuple[str, str, dict[str, Any]]] = []
    labels: dict[tuple[int, tuple[int, ...]], tuple[str, list[list[Any]]] | tuple[str, list[Any]]] = {}
    heads: dict[tuple[int, int], tuple[str, str, str, tuple[tuple[str, Any], ...], dict[str, object]]] = {}
    level, children, is_terminal, value = mdd.level, mdd.children, mdd.is_terminal, mdd.value

    def entry_head(ri: int, ei: int) -> tuple[str, str, str, tuple[tuple[str, Any], ...], dict[str, object]]:
        h = heads.get((ri, ei))
        if h is None:
            r = rules[ri]
            e = r.entries[ei]
            span = (e.span if e.span.line else r.span).to_dict()  # the entry's line, else its rule's
            h = heads[(ri, ei)] = (r.name, e.action, e.strength.value, tuple((k, v) for k, v in e.params), span)
        return h

    def edge_label(lv: int, branches: tuple[int, ...]) -> tuple[str, list[list[Any]]] | tuple[str, list[Any]]:
        out = labels.get((lv, branches))
        if out is None:
            var = vars[lv]
            if var.numeric:
                inp = model.input_of(var.input)
                runs = _runs(var, list(branches))
                out = (" or ".join(interval_label(r, (inp.low, inp.high), var.unit) for r in runs),
                       [r.to_json() for r in runs])
            else:
                vals = [var.branches[i] for i in branches]
                out = (", ".join(_value_text(var, v) for v in vals), vals)
            labels[(lv, branches)] = out
        return out

    def visit(n: int) -> str:
        if n in ids:
            return ids[n]
        if is_terminal(n):
            nid = ids[n] = f"{prefix}/l{counts[1]}"
            counts[1] += 1
            leaf = leaves[value(n)]
            entries = []
            for le in leaf.entries:
                name, action, strength, params, span = entry_head(le.rule, le.index)
                entries.append({"rule": name, "action": action, "strength": strength,
                                "params": {k: v.to_json() for k, v in params},
                                "status": le.status.value, "by": [rules[o].name for o in le.by], "span": span})
            nodes.append((nid, {"kind": "leaf", "section": section, "impossible": leaf.impossible,
                                "entries": entries, "covers": list(leaf.covers), "conflicts": list(leaf.conflicts),
                                "gaps": list(leaf.gaps), "inside": leaf.inside}))
            return nid
        lv = level(n)
        var = vars[lv]
        nid = ids[n] = f"{prefix}/d{counts[0]}"
        counts[0] += 1
        nodes.append((nid, {"kind": "decision", "section": section, "var": var.name, "input": var.input,
                            "question": var.question, "unit": var.unit}))
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(children(n)):
            groups.setdefault(c, []).append(i)
        for child, branches in groups.items():
            cid = visit(child)
            label, parts = edge_label(lv, tuple(branches))
            if var.numeric:
                edges.append((nid, cid, {"interval": list(parts[0]), "intervals": [list(p) for p in parts],
                                         "label": label}))
            else:
                edges.append((nid, cid, {"values": list(parts), "label": label}))
        return nid

    visit(root)
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return ids
