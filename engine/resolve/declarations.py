"""Resolving the typed declarations: inputs, actions with their parameters, and the arguments of an entry.

Each function turns one syntax node into its model counterpart and reports what is wrong with it on the
:class:`~engine.resolve.context.Context`. Nothing here knows any guideline: units are names compared as
written (``cm`` is not ``mm``; there is no conversion), and a parameter type that is not ``number``,
``integer`` or ``text`` is read as the unit of a number.
"""

from __future__ import annotations

import math
from typing import Literal, cast

from dsl import ast
from dsl.diagnostics import Note, did_you_mean
from engine.core import model
from engine.resolve.context import Context
from engine.resolve.text import number_text, value_text

PLAIN_PARAM_KINDS = ("number", "integer", "text")


def range_units(r: ast.Range) -> list[tuple[str, ast.Number | ast.Range]]:
    """Every unit written in a range, each with the node that carries it (for unit checks)."""
    found: list[tuple[str, ast.Number | ast.Range]] = []
    for node in (r.low, r.high):
        if node.unit:
            found.append((node.unit, node))
    if r.unit:
        found.append((r.unit, r))
    return found


def check_unit(ctx: Context, code: str, what: str, expected: str | None, written: str,
               span: ast.Number | ast.Range) -> bool:
    """Report ``written`` when it is not ``expected`` (a missing unit is always allowed); True when fine."""
    if written == expected:
        return True
    if expected is None:
        ctx.error(code, f"{what} has no unit, but '{written}' is written", span.span,
                  help=f"remove '{written}'")
    else:
        ctx.error(code, f"{what} is in {expected}, not {written}", span.span,
                  help=f"write the value in {expected} (or leave the unit out)")
    return False


def _enum_members(t: ast.EnumType, owner: str, ctx: Context, names_only: bool) -> tuple[model.EnumValue, ...]:
    """The members of ``{a, b}`` / ``{1, 2}`` in order, without duplicates; errors are fatal (empty domain)."""
    if not t.values:
        ctx.fatal("E171", f"{owner} has an empty set of values", t.span,
                  help="list at least one value: {a, b} or {1, 2, 3}")
        return ()
    names = [v for v in t.values if isinstance(v, ast.Name)]
    numbers = [v for v in t.values if isinstance(v, ast.Number)]
    if names_only and numbers:
        ctx.fatal("E172", f"the values of {owner} must be names, not numbers", numbers[0].span,
                  help="a number parameter is declared with a unit, 'number' or 'integer'")
        return ()
    if names and numbers:
        ctx.fatal("E172", f"the values of {owner} mix names and numbers", t.span,
                  help="use only names ({a, b}) or only whole numbers ({1, 2, 3})")
        return ()
    for n in numbers:
        if (isinstance(n.value, float) and not n.value.is_integer()) or n.unit:
            ctx.fatal("E172", f"'{number_text(n)}' is not a whole number; enum values are names or whole numbers",
                      n.span)
            return ()
    members: list[model.EnumValue] = []
    first: dict[model.EnumValue, ast.Name | ast.Number] = {}
    for v in t.values:
        key: model.EnumValue = v.name if isinstance(v, ast.Name) else int(v.value)
        if key in first:
            ctx.error("E106", f"'{value_text(v)}' is listed twice in {owner}", v.span,
                      notes=[Note("first listed here", first[key].span)])
            continue
        first[key] = v
        members.append(key)
    return tuple(members)


def resolve_input(decl: ast.Input, ctx: Context) -> model.Input:
    name = decl.name.name
    label = decl.label.value if decl.label else None
    t = decl.type
    if isinstance(t, ast.BoolType):
        return model.Input(name, "bool", label, span=decl.span)
    if isinstance(t, ast.EnumType):
        values = _enum_members(t, f"input '{name}'", ctx, names_only=False)
        return model.Input(name, "enum", label, values=values, span=decl.span)
    if isinstance(t, ast.SetType):
        values = _enum_members(t.values, f"input '{name}'", ctx, names_only=False)
        return model.Input(name, "set", label, values=values, span=decl.span)
    low, high = -math.inf, math.inf
    if t.range is not None:
        for unit, node in range_units(t.range):
            check_unit(ctx, "E122", f"the range of '{name}'", t.unit, unit, node)
        low, high = float(t.range.low.value), float(t.range.high.value)
        if low > high:
            ctx.fatal("E123", f"the range of '{name}' is empty: {number_text(t.range.low, False)} is more than "
                      f"{number_text(t.range.high, False)}", t.range.span, help="write the smaller bound first")
    kind: Literal["number", "integer"] = "integer" if t.integer else "number"
    return model.Input(name, kind, label, unit=t.unit, low=low, high=high, span=decl.span)


def resolve_param(decl: ast.ParamDecl, action: str, ctx: Context) -> model.ParamType:
    name = decl.name.name
    t = decl.type
    if isinstance(t, ast.EnumType):
        members = _enum_members(t, f"parameter '{name}' of '{action}'", ctx, names_only=True)
        return model.ParamType(name, "enum", values=tuple(str(m) for m in members))
    if t.name in PLAIN_PARAM_KINDS:
        return model.ParamType(name, cast(Literal["number", "integer", "text"], t.name))
    return model.ParamType(name, "number", unit=t.name)


def resolve_action(decl: ast.Action, ctx: Context) -> model.Action:
    name = decl.name.name
    params: list[model.ParamType] = []
    seen: dict[str, ast.ParamDecl] = {}
    for p in decl.params:
        if p.name.name in seen:
            ctx.error("E107", f"parameter '{p.name.name}' of action '{name}' is declared twice", p.name.span,
                      notes=[Note("first declared here", seen[p.name.name].name.span)])
            continue
        seen[p.name.name] = p
        params.append(resolve_param(p, name, ctx))
    modality = "other"
    if decl.modality is not None:
        if decl.modality.name in model.MODALITIES:
            modality = decl.modality.name
        else:
            ctx.error("E140", f"unknown modality '{decl.modality.name}'", decl.modality.span,
                      help=did_you_mean(decl.modality.name, model.MODALITIES)
                      or f"use one of: {', '.join(model.MODALITIES)}")
    label = decl.label.value if decl.label else None
    return model.Action(name, label, modality, tuple(params), span=decl.span)


def _quantity(arg: ast.Arg, p: model.ParamType, action: str, ctx: Context) -> model.ParamValue | None:
    v = arg.value
    what = f"parameter '{p.name}' of '{action}'"
    if isinstance(v, ast.Number):
        if v.unit and not check_unit(ctx, "E132", what, p.unit, v.unit, v):
            return None
        if p.kind == "integer" and not float(v.value).is_integer():
            ctx.error("E131", f"{what} is a whole number, not {number_text(v)}", v.span)
            return None
        return model.Quantity(float(v.value), p.unit)
    if isinstance(v, ast.Range):
        if not all(check_unit(ctx, "E132", what, p.unit, u, node) for u, node in range_units(v)):
            return None
        lo, hi = float(v.low.value), float(v.high.value)
        if p.kind == "integer" and not (lo.is_integer() and hi.is_integer()):
            ctx.error("E131", f"{what} takes whole numbers, not '{value_text(v)}'", v.span)
            return None
        if lo > hi:
            ctx.error("E123", f"the range {value_text(v)} is empty: {number_text(v.low, False)} is more than "
                      f"{number_text(v.high, False)}", v.span, help="write the smaller bound first")
            return None
        return model.QuantityRange(lo, hi, p.unit)
    if isinstance(v, ast.Bound):
        if v.op not in ("<", "<=", ">", ">="):
            ctx.error("E134", f"{what} takes a comparison with <, <=, > or >=, not '{v.op}'", v.span,
                      help=f"write the value itself: {p.name}: {value_text(v.value)}" if v.op == "=="
                      else "write the limit: < 130, or >= 130")
            return None
        if v.value.unit and not check_unit(ctx, "E132", what, p.unit, v.value.unit, v.value):
            return None
        if p.kind == "integer" and not float(v.value.value).is_integer():
            ctx.error("E131", f"{what} is a whole number, not {number_text(v.value)}", v.value.span)
            return None
        return model.Bound(v.op, float(v.value.value), p.unit)
    unit = f" in {p.unit}" if p.unit else ""
    ctx.error("E131", f"{what} takes a {p.kind}{unit}, not '{value_text(v)}'", v.span,
              help=f"write a number{unit} or a range such as 1..2{' ' + p.unit if p.unit else ''}")
    return None


def _param_value(arg: ast.Arg, p: model.ParamType, action: str, ctx: Context) -> model.ParamValue | None:
    v = arg.value
    what = f"parameter '{p.name}' of '{action}'"
    if p.kind in ("number", "integer"):
        return _quantity(arg, p, action, ctx)
    if isinstance(v, ast.Bound):
        ctx.error("E134", f"{what} is {'a text' if p.kind == 'text' else 'an enum'}: a comparison "
                  f"'{value_text(v)}' is for number parameters", v.span)
        return None
    if p.kind == "text":
        if isinstance(v, ast.String):
            return model.Text(v.value)
        ctx.error("E131", f"{what} takes a text in double quotes, not '{value_text(v)}'", v.span)
        return None
    if isinstance(v, ast.Name):
        if v.name in p.values:
            return model.Symbol(v.name)
        ctx.error("E133", f"'{v.name}' is not a value of {what}", v.span,
                  help=did_you_mean(v.name, p.values) or f"use one of: {', '.join(p.values)}")
        return None
    ctx.error("E131", f"{what} takes one of {{{', '.join(p.values)}}}, not '{value_text(v)}'", v.span)
    return None


def resolve_args(rec: ast.Recommend | ast.Adjust, action: model.Action,
                 ctx: Context) -> tuple[tuple[str, model.ParamValue], ...]:
    """The checked arguments of one entry, in the order written; a wrong argument is reported and dropped."""
    declared = {p.name: p for p in action.params}
    out: list[tuple[str, model.ParamValue]] = []
    seen: dict[str, ast.Arg] = {}
    for arg in rec.args:
        name = arg.name.name
        if name in seen:
            ctx.error("E107", f"parameter '{name}' is given twice", arg.name.span,
                      notes=[Note("first given here", seen[name].name.span)])
            continue
        seen[name] = arg
        p = declared.get(name)
        if p is None:
            if declared:
                hint = did_you_mean(name, declared) or f"'{action.name}' takes: {', '.join(declared)}"
            else:
                hint = f"'{action.name}' declares no parameters"
            ctx.error("E130", f"action '{action.name}' has no parameter '{name}'", arg.name.span, help=hint)
            continue
        value = _param_value(arg, p, action.name, ctx)
        if value is not None:
            out.append((name, value))
    return tuple(out)
