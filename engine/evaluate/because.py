"""The "because" of a recommendation: the literals of its rule's condition that hold for the case, with the
case's values of the inputs they read.

Two ways to the same list: :func:`because` interprets the condition (the general walk and the reference evaluator
use it), and :func:`because_functions` generates one small Python function per rule from the same literals in the
same order (the fast path uses them). :func:`rule_keys` and :func:`rule_getters` give, per rule, the values its
``because`` reads, so results can be memoised on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any

from engine.compile.guideline import Guideline
from engine.core.model import And, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, ValueTest
from engine.evaluate.result import Because, FactValue, new_because


def atom_text(a: ValueTest | NumTest | KnownTest, negated: bool) -> str:
    """The literal as the author wrote it (``x is unknown`` for a negated ``is known``)."""
    if isinstance(a, KnownTest):
        return f"{a.input} is {'unknown' if negated else 'known'}"
    if a.text:
        text = a.text
    elif isinstance(a, NumTest):
        text = f"{a.input} in {a.interval}"
    else:
        vals = sorted(("true" if v else "false") if isinstance(v, bool) else str(v) for v in a.values)
        text = f"{a.input} == {vals[0]}" if len(vals) == 1 else f"{a.input} in {{{', '.join(vals)}}}"
    return f"not ({text})" if negated else text


def atom_holds(a: ValueTest | NumTest | KnownTest, facts: Mapping[str, FactValue]) -> bool | None:
    """The atom's truth for the case; None when it reads an unknown input."""
    if isinstance(a, KnownTest):
        return a.input in facts
    if a.input not in facts:
        return None
    v = facts[a.input]
    if isinstance(a, NumTest):
        return not isinstance(v, bool | str) and a.interval.contains(float(v))
    return any(v == w and isinstance(v, bool) == isinstance(w, bool) for w in a.values)


def inputs_read(expr: Expr, model: Model) -> list[str]:
    """The inputs ``expr`` reads, lets expanded, in order of appearance, each once."""
    from engine.compile.compiler import atoms
    out: list[str] = []
    for a in atoms(expr, model):
        if a.input not in out:
            out.append(a.input)
    return out


def because(model: Model, expr: Expr, facts: Mapping[str, FactValue],
            lets: Mapping[str, bool | None]) -> tuple[Because, ...]:
    """The literals of ``expr`` (and the lets) that are true for the case, in order of appearance, each once,
    with the case's values of the inputs they read (None for unknown)."""
    out: list[Because] = []
    seen: set[str] = set()

    def add(text: str, names: Iterable[str]) -> None:
        if text not in seen:
            seen.add(text)
            out.append(new_because(text, tuple([(n, facts.get(n)) for n in names])))

    def walk(e: Expr, positive: bool) -> None:
        if isinstance(e, ValueTest | NumTest | KnownTest):
            if atom_holds(e, facts) is positive:
                add(atom_text(e, not positive), (e.input,))
        elif isinstance(e, LetRef):
            if lets.get(e.name) is positive:
                add(e.name if positive else f"not {e.name}", inputs_read(e, model))
            walk(model.lets[e.name].expr, positive)
        elif isinstance(e, Not):
            walk(e.item, not positive)
        elif not isinstance(e, bool) and hasattr(e, "items"):
            for item in e.items:
                walk(item, positive)

    walk(expr, True)
    return tuple(out)


def because_functions(g: Guideline) -> list[Callable[[Mapping[str, Any], tuple[bool | None, ...]], Any]]:
    """Per rule, generated code computing ``engine.evaluate.walk.because`` (same literals, same order, same values)
    from the facts and the tuple of let values, without walking the condition tree. A literal whose text occurs
    only once in the rule needs no "already listed" check; repeated texts get a flag each."""
    model = g.model
    let_pos = {n: i for i, n in enumerate(model.lets)}

    def value_test(e: ValueTest) -> str:
        x = f"f[{e.input!r}]"
        vals = tuple(e.values)
        if vals and all(isinstance(v, str) for v in vals):
            return f"{x} in {vals!r}"  # a str equals no bool and no number
        if vals and all(isinstance(v, bool) for v in vals):
            return " or ".join(f"{x} is {v!r}" for v in vals)  # True/False are singletons
        if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            return f"({x}.__class__ is not bool and {x} in {vals!r})"
        return f"any_value({x}, {vals!r})"

    def walk(e: Expr, positive: bool, lits: list[tuple[str, list[str], str]]) -> None:
        if isinstance(e, ValueTest | NumTest | KnownTest):
            if isinstance(e, KnownTest):
                test = f"{e.input!r} in f"
            elif isinstance(e, NumTest):
                iv = e.interval
                parts = [f"{e.input!r} in f", f"f[{e.input!r}].__class__ is not bool"]
                if iv.low is not None:
                    parts.append(f"f[{e.input!r}] {'>=' if iv.low_closed else '>'} {iv.low!r}")
                if iv.high is not None:
                    parts.append(f"f[{e.input!r}] {'<=' if iv.high_closed else '<'} {iv.high!r}")
                test = " and ".join(parts)
            else:
                test = f"{e.input!r} in f and ({value_test(e)})"
            if positive:
                lits.append((atom_text(e, False), [e.input], test))
            else:
                known = "True" if isinstance(e, KnownTest) else f"{e.input!r} in f"
                lits.append((atom_text(e, True), [e.input], f"{known} and not ({test})"))
        elif isinstance(e, LetRef):
            lits.append((e.name if positive else f"not {e.name}", inputs_read(e, model),
                         f"lets[{let_pos[e.name]}] is {positive}"))
            walk(model.lets[e.name].expr, positive, lits)
        elif isinstance(e, Not):
            walk(e.item, not positive, lits)
        elif isinstance(e, And | Or):
            for item in e.items:
                walk(item, positive, lits)

    src = []
    for ri, r in enumerate(model.rules):
        lits: list[tuple[str, list[str], str]] = []
        walk(r.condition, True, lits)
        counts: dict[str, int] = {}
        for text, _, _ in lits:
            counts[text] = counts.get(text, 0) + 1
        flags = {text: f"s{k}" for k, text in enumerate(t for t, n in counts.items() if n > 1)}
        lines = [f"def b{ri}(f, lets):", "    out = []"]
        lines += [f"    {flag} = False" for flag in flags.values()]
        for text, names, cond in lits:
            vals = "".join(f"({n!r}, f.get({n!r})), " for n in names)
            flag = flags.get(text)
            if flag is None:
                lines.append(f"    if {cond}:")
                lines.append(f"        out.append(B({text!r}, ({vals})))")
            else:
                lines.append(f"    if not {flag} and ({cond}):")
                lines.append(f"        {flag} = True; out.append(B({text!r}, ({vals})))")
        lines.append("    return tuple(out)")
        src.append("\n".join(lines))
    namespace: dict[str, Any] = {"B": new_because, "any_value": _any_value}
    exec(compile("\n\n".join(src) + "\n", "<guidegraph because>", "exec"), namespace)
    return [namespace[f"b{ri}"] for ri in range(len(model.rules))]


def _any_value(v: Any, values: tuple[Any, ...]) -> bool:
    """``v`` is one of ``values`` with bools and ints kept apart (``True`` is not ``1``)."""
    return any(v == w and isinstance(v, bool) == isinstance(w, bool) for w in values)


def lets_named(model: Any, e: Expr, out: dict[str, None]) -> None:
    """Add to ``out`` the lets ``e`` names, directly or through other lets, in first-use order."""
    if isinstance(e, LetRef):
        if e.name not in out:
            out[e.name] = None
            lets_named(model, model.lets[e.name].expr, out)
    elif isinstance(e, Not):
        lets_named(model, e.item, out)
    elif isinstance(e, And | Or):
        for item in e.items:
            lets_named(model, item, out)


def rule_getters(g: Guideline) -> tuple[tuple[str, ...], list[Callable[[tuple[Any, ...]], Any] | None]]:
    """For the memo of recommendations on the partial path: the input names whose values (None when missing),
    followed by the let values, make a case's value row; and per rule a C-level getter of the part of that row
    its ``because`` depends on (the inputs its condition reads, the lets it names), or None for a rule that reads
    a number input (numbers rarely repeat: no memo)."""

    model = g.model
    names = tuple(model.inputs)
    pos = {n: i for i, n in enumerate(names)}
    let_pos = {n: len(names) + i for i, n in enumerate(model.lets)}
    out: list[Callable[[tuple[Any, ...]], Any] | None] = []
    for r in model.rules:
        reads = inputs_read(r.condition, model)
        if any(model.inputs[n].numeric for n in reads):
            out.append(None)
            continue
        lets: dict[str, None] = {}
        lets_named(model, r.condition, lets)
        positions = [pos[n] for n in reads] + [let_pos[n] for n in lets]
        out.append(itemgetter(*positions, 0) if positions else _constant)  # (a 1-tuple for one position)
    return names, out


def _constant(row: tuple[Any, ...]) -> Any:
    return ()


def rule_keys(g: Guideline, partial: bool = False,
              numbers: bool = True) -> list[Callable[[Mapping[str, Any], Any], Any] | None]:
    """Per rule, a generated function ``(facts, let values)`` giving the memo key of its recommendations: the
    rule index, the values (and, for numbers, types) of the inputs its condition reads and, with ``partial``
    (a missing input gives None; a let may then be unknown), the values of the lets it names. Without
    ``numbers``, rules reading a number input get None instead (no memo: numbers rarely repeat, so the memo
    would mostly miss, and overflow)."""
    model = g.model
    let_pos = {n: i for i, n in enumerate(model.lets)}

    def named_lets(e: Expr, out: dict[str, None]) -> None:
        if isinstance(e, LetRef):
            if e.name not in out:
                out[e.name] = None
                named_lets(model.lets[e.name].expr, out)
        elif isinstance(e, Not):
            named_lets(e.item, out)
        elif isinstance(e, And | Or):
            for item in e.items:
                named_lets(item, out)

    src = []
    plain: list[bool] = []
    for ri, r in enumerate(model.rules):
        reads = inputs_read(r.condition, model)
        plain.append(numbers or not any(model.inputs[name].numeric for name in reads))
        parts = [repr(ri)]
        for name in reads:
            value = f"f.get({name!r})" if partial else f"f[{name!r}]"
            parts.append(value)
            if model.inputs[name].numeric:
                parts.append(f"{value}.__class__")
        if partial:
            lets: dict[str, None] = {}
            named_lets(r.condition, lets)
            parts += [f"lets[{let_pos[name]}]" for name in lets]
        src.append(f"def k{ri}(f, lets):\n    return ({', '.join(parts)},)\n")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(src), "<guidegraph memo keys>", "exec"), namespace)
    return [namespace[f"k{ri}"] if plain[ri] else None for ri in range(len(model.rules))]
