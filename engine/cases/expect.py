"""Test expectations: what a case's ``expect:`` block says, checked against the model, then against a result.

An expectation is parsed and validated before anything runs (unknown actions, strength keys, parameters and
inputs are E4xx diagnostics pointing at the case file's line), so a typo in a test can never pass silently.
Matching a result gives readable failure lines in the form a guideline author thinks in::

    expected recommend radiotherapy, got: consider radiotherapy (rule uterine_rt_exception)

Keys: ``must``/``recommend``/``consider``/``not_recommended``/``never`` (actions that must be recommended with
that strength), ``absent`` (actions with no recommendation at all), ``pending`` (a list of actions, or a mapping
action -> inputs it must wait on) and ``params`` (action -> {param: value}, values written as in rules files:
``"50..60 Gy"``, ``"66 Gy"``, ``postoperative``, ``12``). Parameter expectations may also be written with the
action itself as a key (``radiotherapy: {dose: 50..60 Gy}``) or as an item of a strength's list
(``recommend: [{radiotherapy: {dose: 50..60 Gy}}]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dsl.diagnostics import Diagnostic, did_you_mean
from engine.cases.validate import Case
from engine.cases.values import describe
from engine.core.model import Bound, Model, ParamType, ParamValue, Quantity, QuantityRange, Strength, Symbol, Text
from engine.evaluate.result import Result

STRENGTH_KEYS = tuple(s.value for s in Strength)
EXPECT_KEYS = (*STRENGTH_KEYS, "absent", "pending", "params")

_NUM = r"[-+]?\d+(?:\.\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUM})\s*(?:\.\.\s*({_NUM}))?\s*([A-Za-z_%][\w/%]*)?\s*$")
_BOUND = re.compile(r"^\s*(<=|>=|<|>)\s*(.*)$")  # a comparison-valued parameter: "< 130 mmHg"


@dataclass(frozen=True, slots=True)
class Expectation:
    """A validated ``expect:`` block (actions, inputs and parameter values all known to the model)."""

    case: Case
    strengths: tuple[tuple[str, Strength], ...] = ()
    absent: tuple[str, ...] = ()
    pending: tuple[tuple[str, tuple[str, ...]], ...] = ()
    params: tuple[tuple[str, tuple[tuple[str, ParamValue], ...]], ...] = ()


class _Parser:
    def __init__(self, case: Case, model: Model) -> None:
        self.case, self.model = case, model
        self.diags: list[Diagnostic] = []
        self.label = f"case '{case.id}'"

    def error(self, code: str, message: str, *path: str | int, help: str | None = None, key: bool = False) -> None:
        span = self.case.span("expect", *path, key=key)
        self.diags.append(Diagnostic(code, "error", f"{self.label}: {message}", span, help))

    def action(self, name: Any, *path: str | int) -> str | None:
        if not isinstance(name, str):
            self.error("E401", f"expected an action name, got {describe(name)}", *path)
            return None
        if name not in self.model.actions:
            self.error("E403", f"unknown action '{name}'", *path, key=isinstance(path[-1], str),
                       help=did_you_mean(name, self.model.actions))
            return None
        return name

    def actions(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            self.error("E401", f"'{key}' must be a list of actions, got {describe(value)}", key,
                       help=f"write '{key}: [action, ...]'")
            return []
        return [a for i, item in enumerate(value) if (a := self.action(item, key, i))]

    def pending(self, value: Any) -> list[tuple[str, tuple[str, ...]]]:
        if isinstance(value, list):
            return [(a, ()) for a in self.actions("pending", value)]
        if not isinstance(value, dict):
            self.error("E401", f"'pending' must be a list of actions or a mapping action -> inputs, got "
                               f"{describe(value)}", "pending")
            return []
        out = []
        for name, inputs in value.items():
            action = self.action(name, "pending", str(name))
            if inputs is None:
                inputs = []
            if not isinstance(inputs, list):
                self.error("E401", f"the inputs that '{name}' waits on must be a list, got {describe(inputs)}",
                           "pending", str(name))
                continue
            known = []
            for i, inp in enumerate(inputs):
                if isinstance(inp, str) and inp in self.model.inputs:
                    known.append(inp)
                else:
                    self.error("E406", f"'{inp}' is not an input of the guideline", "pending", str(name), i,
                               help=did_you_mean(str(inp), self.model.inputs))
            if action:
                out.append((action, tuple(known)))
        return out

    def params(self, value: Any) -> list[tuple[str, tuple[tuple[str, ParamValue], ...]]]:
        if not isinstance(value, dict):
            self.error("E401", f"'params' must be a mapping action -> {{param: value}}, got {describe(value)}",
                       "params")
            return []
        out = []
        for name, given in value.items():
            if (action := self.action(name, "params", str(name))) is not None:
                parsed = self.action_params(action, given, "params", str(name))
                if parsed is not None:
                    out.append((action, parsed))
        return out

    def action_params(self, action: str, given: Any, *path: str | int) -> tuple[tuple[str, ParamValue], ...] | None:
        """``{param: value}`` expected of one (known) action's recommendation."""
        if not isinstance(given, dict):
            self.error("E401", f"the parameters of '{action}' must be a mapping, got {describe(given)}", *path)
            return None
        declared = {p.name: p for p in self.model.actions[action].params}
        values = []
        for pname, raw in given.items():
            ptype = declared.get(str(pname))
            if ptype is None:
                self.error("E404", f"action '{action}' has no parameter '{pname}'", *path, str(pname), key=True,
                           help=did_you_mean(str(pname), declared)
                           or (f"its parameters are: {', '.join(declared)}" if declared else "it takes no parameters"))
                continue
            try:
                values.append((ptype.name, parse_param(ptype, raw)))
            except ValueError as e:
                self.error("E405", f"parameter '{pname}' of '{action}': {e}", *path, str(pname))
        return tuple(values)

    def strength_items(self, key: str, value: Any) -> list[tuple[str, tuple[tuple[str, ParamValue], ...] | None]]:
        """A strength's list: action ids, or ``{action: {param: value}}`` items that also expect parameters."""
        if not isinstance(value, list):
            return [(a, None) for a in self.actions(key, value)]
        out: list[tuple[str, tuple[tuple[str, ParamValue], ...] | None]] = []
        for i, item in enumerate(value):
            if isinstance(item, dict) and len(item) == 1:
                ((name, given),) = item.items()
                if (action := self.action(name, key, i)) is not None:
                    out.append((action, self.action_params(action, given, key, i, str(name))))
            elif (action := self.action(item, key, i)) is not None:
                out.append((action, None))
        return out


def parse_param(ptype: ParamType, raw: Any) -> ParamValue:
    """A parameter value written as in a rules file (``"50..60 Gy"``, ``66``, ``postoperative``); ValueError
    says what was expected."""
    if ptype.kind in ("number", "integer"):
        unit = ptype.unit
        example = f"'66{' ' + unit if unit else ''}' or a range like '50..60{' ' + unit if unit else ''}'"
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return Quantity(float(raw), unit)
        bound = _BOUND.match(raw) if isinstance(raw, str) else None
        if bound is not None:
            inner = parse_param(ptype, bound.group(2))
            if not isinstance(inner, Quantity):
                raise ValueError(f"expected a comparison like '< 130{' ' + unit if unit else ''}', got {describe(raw)}")
            return Bound(bound.group(1), inner.value, unit)
        m = _QUANTITY.match(raw) if isinstance(raw, str) else None
        if m is None:
            raise ValueError(f"expected a number like {example}, got {describe(raw)}")
        if m.group(3) and m.group(3) != unit:
            raise ValueError(f"the unit '{m.group(3)}' is not the parameter's unit ({unit or 'none'})")
        low = float(m.group(1))
        if m.group(2) is None:
            return Quantity(low, unit)
        return QuantityRange(low, float(m.group(2)), unit)
    if ptype.kind == "enum":
        if isinstance(raw, str) and raw in ptype.values:
            return Symbol(raw)
        hint = did_you_mean(raw, ptype.values) if isinstance(raw, str) else None
        raise ValueError(f"expected one of: {', '.join(ptype.values)}, got {describe(raw)}"
                         + (f" ({hint})" if hint else ""))
    if isinstance(raw, str):
        return Text(raw)
    raise ValueError(f"expected a text, got {describe(raw)}")


def parse_expectation(case: Case, model: Model) -> tuple[Expectation | None, list[Diagnostic]]:
    """Validate ``case.expect`` against ``model``; None (and no diagnostics) when the case has no expectations."""
    if case.expect is None:
        return None, []
    p = _Parser(case, model)
    if not isinstance(case.expect, dict):
        p.error("E401", f"'expect' must be a mapping, got {describe(case.expect)}",
                help=f"its keys are: {', '.join(EXPECT_KEYS)}")
        return None, p.diags
    strengths: list[tuple[str, Strength]] = []
    absent: list[str] = []
    pending: list[tuple[str, tuple[str, ...]]] = []
    params: list[tuple[str, tuple[tuple[str, ParamValue], ...]]] = []
    for key, value in case.expect.items():
        if key in STRENGTH_KEYS:
            for action, wanted in p.strength_items(key, value):
                strengths.append((action, Strength(key)))
                if wanted:
                    params.append((action, wanted))
        elif key == "absent":
            absent.extend(p.actions(key, value))
        elif key == "pending":
            pending.extend(p.pending(value))
        elif key == "params":
            params.extend(p.params(value))
        elif isinstance(key, str) and key in model.actions:  # `radiotherapy: {dose: 50..60 Gy}`
            wanted = p.action_params(key, value, key)
            if wanted is not None:
                params.append((key, wanted))
        else:
            p.error("E402", f"unknown expectation '{key}'", str(key), key=True,
                    help=did_you_mean(str(key), EXPECT_KEYS) or f"the keys are: {', '.join(EXPECT_KEYS)}")
    if p.diags:
        return None, p.diags
    return Expectation(case, tuple(strengths), tuple(absent), tuple(pending), tuple(params)), []


# ---------------------------------------------------------------------------------------------------------------
# Matching


def _same(expected: ParamValue, actual: ParamValue) -> bool:
    if isinstance(expected, Quantity) and isinstance(actual, Quantity):
        return expected.value == actual.value and (expected.unit == actual.unit or None in (expected.unit,
                                                                                          actual.unit))
    if isinstance(expected, QuantityRange) and isinstance(actual, QuantityRange):
        return (expected.min, expected.max) == (actual.min, actual.max) and (
            expected.unit == actual.unit or None in (expected.unit, actual.unit))
    if isinstance(expected, Bound) and isinstance(actual, Bound):
        return (expected.op, expected.value) == (actual.op, actual.value)
    if isinstance(expected, Symbol | Text) and isinstance(actual, Symbol | Text):
        return str(expected) == str(actual)
    return False


def _got(action: str, result: Result) -> str:
    """Everything the result says about ``action``, for the right-hand side of a failure line."""
    parts = [f"{r.strength} {action} (rule {r.rule})" for r in result.recommendations if r.action == action]
    parts += [f"{o.strength} {action} set aside by {', '.join(o.by)} (rule {o.rule})"
              for o in result.overridden if o.action == action]
    parts += [f"{p.strength} {action} pending on {', '.join(p.needs)} (rule {p.rule})"
              for p in result.pending if p.action == action]
    return "; ".join(parts) if parts else f"nothing about {action}"


def _params_text(params: tuple[tuple[str, ParamValue], ...]) -> str:
    return ", ".join(f"{n}: {v}" for n, v in params) or "no parameters"


def failures(exp: Expectation, result: Result) -> list[str]:
    """The unmet expectations of one case, one readable line each (empty when the case passes)."""
    out: list[str] = []
    for action, strength in exp.strengths:
        if not any(r.action == action and r.strength == strength for r in result.recommendations):
            out.append(f"expected {strength} {action}, got: {_got(action, result)}")
    for action in exp.absent:
        if any(r.action == action for r in result.recommendations):
            out.append(f"expected no recommendation for {action}, got: {_got(action, result)}")
    for action, inputs in exp.pending:
        entries = [p for p in result.pending if p.action == action]
        needs = {n for p in entries for n in p.needs}
        if not entries:
            out.append(f"expected {action} to be pending, got: {_got(action, result)}")
        elif missing := [i for i in inputs if i not in needs]:
            out.append(f"expected {action} to be pending on {', '.join(inputs)}, got: {_got(action, result)} "
                       f"(not waiting on {', '.join(missing)})")
    for action, wanted in exp.params:
        recs = [r for r in result.recommendations if r.action == action]
        given = [_adjusted(r.params, action, result) for r in recs]
        if not any(all(any(n == name and _same(v, got) for n, got in params) for name, v in wanted)
                   for params in given):
            got = "; ".join(f"{_params_text(params)} (rule {r.rule})" for r, params in zip(recs, given, strict=True))
            out.append(f"expected {action} with {_params_text(wanted)}, got: {got or _got(action, result)}")
    return out


def _adjusted(params: tuple[tuple[str, ParamValue], ...], action: str,
              result: Result) -> tuple[tuple[str, ParamValue], ...]:
    """A rule's parameters for ``action`` as the patient gets them: with the values of the adjustments in force
    (``adjust ACTION(...)``, engine/evaluate/adjust.py) in place of the rule's own."""
    verdict = next((v for v in result.actions if v.action == action), None) if result.recommendations else None
    if verdict is None or not verdict.adjusted:
        return params
    merged = dict(params)
    for adj in verdict.adjusted:
        if not adj.needs:
            merged.update(adj.params)
    return tuple(merged.items())


__all__ = ["EXPECT_KEYS", "Expectation", "failures", "parse_expectation", "parse_param"]
