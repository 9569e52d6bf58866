"""Resolve a syntax tree into a :class:`~engine.core.model.Model`, reporting every problem findable without a patient.

``resolve(tree, file)`` checks names, types, units and domains and converts conditions to the core language of
:mod:`engine.core.model` (see :mod:`engine.resolve.conditions` for the conversions). It returns the model together
with all diagnostics; the model is ``None`` only when an error leaves it meaningless (a condition that could
not be typed, an unknown action, a cycle...). Errors that leave it meaningful (a bad citation, an unknown
preference, a duplicate that is ignored) still give a model, so tools can show as much as possible.

Its codes are E1xx (errors) and W1xx (warnings); each is described in the registry :mod:`dsl.codes`, and
for authors in ``docs/diagnostics.md``.

Example::

    >>> from dsl import ast
    >>> tree = ast.File(ast.Header(ast.String("T"), None), (
    ...     ast.Input(ast.Name("flag"), None, ast.BoolType()),
    ...     ast.Let(ast.Name("ok"), None, ast.Name("flag"))))
    >>> model, diagnostics = resolve(tree, "x.rules")
    >>> model.lets["ok"].expr.values, diagnostics
    (frozenset({True}), [])
"""

from __future__ import annotations

import dataclasses
import itertools

import networkx as nx

from dsl import ast
from dsl.diagnostics import Diagnostic, Note, did_you_mean, sort_key
from dsl.span import Span
from engine.core import model
from engine.resolve.conditions import Conditions
from engine.resolve.context import Context
from engine.resolve.cycles import cycles
from engine.resolve.declarations import resolve_action, resolve_input
from engine.resolve.derived import DerivedAtoms, is_number_let, resolve_definitions
from engine.resolve.rules import Resolved, SectionResolver, resolve_citations
from engine.resolve.text import cond_text, number_text
from engine.resolve.vocabulary import resolve_vocabulary, with_thresholds

__all__ = ["resolve"]


def resolve(tree: ast.File, file: str) -> tuple[model.Model | None, list[Diagnostic]]:
    """The resolved model of ``tree`` (or None when errors make it meaningless) and every diagnostic, sorted by
    position."""
    ctx = Context(file)
    if not tree.header.title.value.strip():
        ctx.error("E170", "the guideline has no title", tree.header.title.span,
                  help='write one: guideline "Title of the guideline" version "1"')
    references = _references(tree, ctx)
    inputs, let_decls = _names(tree, ctx)
    bool_lets = [n for n, d in let_decls.items() if isinstance(d, ast.Let) and not is_number_let(d)]
    conds = Conditions(inputs, bool_lets, ctx)
    conds.atoms = DerivedAtoms(conds)
    lets = resolve_definitions(list(let_decls.values()), conds, ctx)
    assumptions = tuple(model.Assumption(conds.convert(a.cond), cond_text(a.cond), a.span)
                        for a in tree.decls if isinstance(a, ast.Assume))
    actions = _actions(tree, ctx)
    sections = SectionResolver(conds, actions, references, ctx)
    for decl in tree.decls:
        if isinstance(decl, ast.Section):
            sections.section(decl)
    out = sections.out
    _overrides(out, ctx)
    together = tuple(t for d in tree.decls if isinstance(d, ast.Together)
                     if (t := _together(d, conds, actions, references, ctx)) is not None)
    vocabulary = resolve_vocabulary(tree, inputs, actions, conds.derived, ctx)
    diagnostics = sorted(ctx.diagnostics, key=sort_key)
    if ctx.broken:
        return None, diagnostics
    m = model.Model(tree.header.title.value, tree.header.version.value if tree.header.version else None, file,
                    references, inputs, lets, assumptions, actions, tuple(out.sections), tuple(out.rules),
                    tuple(out.covers), tuple(out.todos), together, conds.derived)
    return dataclasses.replace(m, vocabulary=dataclasses.replace(vocabulary, written=with_thresholds(m))), diagnostics


def _duplicate(ctx: Context, what: str, name: ast.Name, first: Span, first_what: str | None = None) -> None:
    also = f" (already declared as {first_what})" if first_what and first_what != what else ""
    ctx.error("E105", f"{what} '{name.name}' is declared twice{also}", name.span,
              help="rename one of them" if also else "remove or rename one of them",
              notes=[Note("first declared here", first)])


def _references(tree: ast.File, ctx: Context) -> dict[int, str]:
    refs: dict[int, str] = {}
    spans: dict[int, Span] = {}
    for decl in tree.decls:
        if not isinstance(decl, ast.Reference):
            continue
        n = decl.number
        if not float(n.value).is_integer() or n.value < 1 or n.unit:
            ctx.error("E161", f"reference number {number_text(n)} is not a positive whole number", n.span)
            continue
        key = int(n.value)
        if key in refs:
            ctx.error("E105", f"reference {key} is declared twice", n.span,
                      notes=[Note("first declared here", spans[key])])
            continue
        refs[key], spans[key] = decl.text.value, n.span
    return refs


def _names(tree: ast.File, ctx: Context) -> tuple[dict[str, model.Input], dict[str, ast.Let | ast.Classify]]:
    """Inputs, lets and classifications share one namespace (all can be named in a condition): collect them,
    first one wins."""
    inputs: dict[str, model.Input] = {}
    lets: dict[str, ast.Let | ast.Classify] = {}
    first: dict[str, tuple[str, Span]] = {}
    for decl in tree.decls:
        if not isinstance(decl, ast.Input | ast.Let | ast.Classify):
            continue
        what = {ast.Input: "input", ast.Let: "let", ast.Classify: "classification"}[type(decl)]
        if decl.name.name in first:
            first_what, span = first[decl.name.name]
            _duplicate(ctx, what, decl.name, span, first_what)
            continue
        first[decl.name.name] = (what, decl.name.span)
        if isinstance(decl, ast.Input):
            inputs[decl.name.name] = resolve_input(decl, ctx)
        else:
            lets[decl.name.name] = decl
    return inputs, lets


def _actions(tree: ast.File, ctx: Context) -> dict[str, model.Action]:
    actions: dict[str, model.Action] = {}
    first: dict[str, Span] = {}
    for decl in tree.decls:
        if isinstance(decl, ast.Action):
            if decl.name.name in actions:
                _duplicate(ctx, "action", decl.name, first[decl.name.name])
                continue
            first[decl.name.name] = decl.name.span
            actions[decl.name.name] = resolve_action(decl, ctx)
    return actions


def _together(d: ast.Together, conds: Conditions, actions: dict[str, model.Action], references: dict[int, str],
              ctx: Context) -> model.Together | None:
    """``never_together``: declared actions (E103), each once (E148, the repeat is dropped)."""
    names: dict[str, Span] = {}
    for a in d.actions:
        if a.name not in actions:
            ctx.fatal("E103", f"unknown action '{a.name}'", a.span,
                      help=did_you_mean(a.name, actions) or f'declare it: action {a.name} "..."')
        elif a.name in names:
            ctx.error("E148", f"action '{a.name}' is named twice in never_together", a.span,
                      help="name each action once", notes=[Note("first named here", names[a.name])])
        else:
            names[a.name] = a.span
    cond = conds.convert(d.cond) if d.cond is not None else model.TRUE
    citations = tuple(resolve_citations(d.cite, references, ctx)) if d.cite is not None else ()
    if len(names) < 2:
        if all(a.name in actions for a in d.actions):
            ctx.error("E148", "never_together needs two different actions", d.span,
                      help="name at least two different actions")
        return None
    return model.Together(tuple(names), cond, cond_text(d.cond) if d.cond is not None else None, citations,
                          d.source.value if d.source is not None else None, d.span)


def _overrides(out: Resolved, ctx: Context) -> None:
    """Every ``overrides`` name must be another existing rule, and overriding must not go round in a circle."""
    order = {name: i for i, name in enumerate(out.rule_spans)}
    graph = nx.DiGraph()
    graph.add_nodes_from(order)
    where: dict[tuple[str, str], Span] = {}
    for rule, names in out.overrides.items():
        for n in names:
            if n.name == rule:
                ctx.fatal("E145", f"rule '{rule}' overrides itself", n.span, help="remove it from 'overrides'")
            elif n.name not in order:
                ctx.fatal("E104", f"unknown rule '{n.name}' in overrides", n.span,
                          help=did_you_mean(n.name, [r for r in order if r != rule]))
            else:
                graph.add_edge(rule, n.name)
                where.setdefault((rule, n.name), n.span)
    for rule, targets in out.entry_overrides.items():
        for n, action in targets:
            if n.name == rule:
                ctx.fatal("E145", f"rule '{rule}' overrides its own entry on '{action.name}'", n.span,
                          help="remove it from 'overrides'")
            elif n.name not in order:
                ctx.fatal("E104", f"unknown rule '{n.name}' in overrides", n.span,
                          help=did_you_mean(n.name, [r for r in order if r != rule]))
            elif action.name not in out.entry_actions.get(n.name, {}):
                has = list(out.entry_actions.get(n.name, {}))
                ctx.fatal("E147", f"rule '{n.name}' has no entry on '{action.name}'", action.span,
                          help=did_you_mean(action.name, has)
                          or (f"rule '{n.name}' speaks about: {', '.join(has)}" if has
                              else f"set aside the whole rule: overrides {n.name}"))
            else:  # setting aside part of a rule is an edge of the override graph too (cycles)
                graph.add_edge(rule, n.name)
                where.setdefault((rule, n.name), n.span)
    for path in cycles(graph, order):
        ctx.fatal("E151", f"the rules override each other in a cycle: {' -> '.join(path)}", where[path[0], path[1]],
                  help="an exception may not be overridden, directly or through a chain, by the rule it overrides",
                  notes=[Note(f"'{a}' overrides '{b}'", where[a, b]) for a, b in itertools.pairwise(path[1:])])
