"""Several models over ONE variable order in ONE decision-diagram manager (what a semantic diff compares).

:func:`shared_variables` gives the variables of the union of the models' inputs: an enum's values are the union of
its declared values, a number's cells cut the hull of its declared ranges at every threshold any model tests (and
at each model's range ends), and ``known:x`` is there when any model tests ``x is known``. An input only some
models declare is unconstrained for the others (they never read it). :func:`side_diagrams` builds one model's
assumptions and rules over those variables in a given manager (the compiler's own condition construction), so the
diagrams of different models are comparable node for node: equal functions are equal ints.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.compile.compiler import _Builder
from engine.compile.derived import definitions
from engine.compile.guideline import Var
from engine.compile.mdd import MDD
from engine.compile.theory import theory_for
from engine.compile.variables import build_variables, ordered_inputs, reads
from engine.core.model import EnumValue, Input, Interval, LetRef, Model
from engine.core.values import is_member


class IncompatibleInputs(Exception):
    """Two models declare one input with different kinds (a number in one, an enum in the other)."""


def _merged_input(decls: list[Input]) -> Input:
    first = decls[0]
    kinds = {d.kind for d in decls}
    if len(kinds) > 1:
        raise IncompatibleInputs(f"input '{first.name}' is declared as {' and as '.join(sorted(kinds))}")
    if first.kind == "enum":
        values: dict[EnumValue, None] = {}
        for d in decls:
            values.update(dict.fromkeys(d.values))
        return Input(first.name, "enum", first.label, values=tuple(values), span=first.span)
    if first.numeric:
        return Input(first.name, first.kind, first.label, first.unit, min(d.low for d in decls),
                     max(d.high for d in decls), span=first.span)
    return first


def _declared_range(inp: Input) -> Interval:
    return Interval(None if math.isinf(inp.low) else inp.low, None if math.isinf(inp.high) else inp.high,
                    not math.isinf(inp.low), not math.isinf(inp.high))


def shared_inputs(models: Sequence[Model]) -> dict[str, Input]:
    """The union of the models' inputs (first declaration order first), each merged (see the module docstring)."""
    decls: dict[str, list[Input]] = {}
    for model in models:
        for name, inp in ordered_inputs(model).items():
            decls.setdefault(name, []).append(inp)
    return {name: _merged_input(ds) for name, ds in decls.items()}


def shared_variables(models: Sequence[Model]) -> tuple[Var, ...]:
    """One variable order for every model of ``models`` (see the module docstring)."""
    inputs = shared_inputs(models)
    used, known, tests = reads(models)
    if len(models) > 1:  # each model's own range is a region the others may not share
        for model in models:
            for name, inp in model.inputs.items():
                if inp.numeric and name in used | known:
                    tests.setdefault(name, set()).add(_declared_range(inp))
    return build_variables(inputs, used, known, tests)


@dataclass(frozen=True)
class SideDiagrams:
    """One model's diagrams over shared variables: ``assume`` (its assumptions, and every input it declares
    within its declared range or values), ``rules`` (per rule, in model order: "the rule applies") and ``lets``
    (per let: its condition)."""

    assume: int
    rules: tuple[int, ...]
    lets: dict[str, int]


def joint_theory(models: Sequence[Model], vars: tuple[Var, ...], m: MDD) -> int:
    """The possible combinations of the relations and linear formulas of all ``models`` together (one solver
    walk: two walks conjoined would each allow combinations of cells that only the pair rules out)."""
    if not any(model.derived for model in models):
        return m.TRUE
    joint = dataclasses.replace(models[-1], derived={k: d for model in models for k, d in model.derived.items()})
    theory = theory_for(joint, vars)
    return theory.diagram(m) if theory is not None else m.TRUE


def side_diagrams(model: Model, vars: tuple[Var, ...], m: MDD, theory: int | None = None) -> SideDiagrams:
    """``model``'s assumptions and rule conditions as diagrams of ``m`` over ``vars`` (which must contain every
    variable ``model`` reads, with number cells that refine its thresholds: :func:`shared_variables`).
    ``theory``: the diagram of :func:`joint_theory` when several models share ``m`` (default: ``model``'s own)."""
    b = _Builder(model, vars, m)
    declared = []
    for lv, var in enumerate(vars):
        inp = model.input_or_derived(var.input)
        if inp is None and var.kind != "known":
            # A member of a set input that this version declares without that value (another version added
            # it, resolve/derived.py names it SET[VALUE]): no patient of this version holds it.
            base, bracket, member = var.input.partition("[")
            declared_set = model.inputs.get(base)
            if bracket and declared_set is not None and declared_set.kind == "set" \
                    and member[:-1] not in {str(v) for v in declared_set.values}:
                declared.append(m.test(lv, {i for i, v in enumerate(var.branches) if v is False}))
            continue
        if inp is None or var.kind == "known":
            continue
        if inp.numeric:
            rng = _declared_range(inp)
            inside = {i for i, c in enumerate(var.branches) if isinstance(c, Interval)
                      and rng.contains(c.point("representative", integer=var.kind == "integer"))}
        else:
            inside = {i for i, v in enumerate(var.branches) if is_member(v, inp.domain)}
        if len(inside) < len(var.branches):
            declared.append(m.test(lv, inside))
    assume = m.and_(*declared, *[b.cond(a.expr) for a in model.assumptions])
    if model.derived:  # each version's derived values tied to the shared inputs by its own definitions
        assume = m.and_(assume, *definitions(model, vars, m, b.cond),
                        joint_theory([model], vars, m) if theory is None else theory)
    return SideDiagrams(assume, tuple(b.cond(r.condition) for r in model.rules),
                        {name: b.cond(LetRef(name)) for name in model.lets})
