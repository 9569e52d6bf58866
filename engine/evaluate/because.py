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
from typing import Any, assert_never

from engine.core.model import And, Atom, Const, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, ValueTest
from engine.core.semantics import atom_truth
from engine.core.values import is_member
from engine.core.walk import inputs_read, lets_named
from engine.evaluate.result import Because, FactValue, new_because


def atom_text(a: Atom, negated: bool) -> str:
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


def shown(model: Model, name: str) -> tuple[str, ...]:
    """The inputs whose values a "because" line shows for a test of ``name``: the input itself, a number let or
    score by its own (named) value, any other derived value by the inputs it is computed from."""
    d = model.derived.get(name)
    if d is None or (d.how in ("score", "formula") and name.isidentifier()):
        return (name,)
    return d.reads


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
        match e:
            case ValueTest() | NumTest() | KnownTest():
                if atom_truth(e, facts) is positive:
                    add(atom_text(e, not positive), shown(model, e.input))
            case LetRef(name):
                if lets.get(name) is positive:
                    add(name if positive else f"not {name}", model.reads_of(inputs_read(e, model)))
                walk(model.lets[name].expr, positive)
            case Not(item):
                walk(item, not positive)
            case And(items) | Or(items):
                for item in items:
                    walk(item, positive)
            case Const():
                pass
            case _:
                assert_never(e)

    walk(expr, True)
    return tuple(out)


def because_functions(model: Model) -> list[Callable[[Mapping[str, Any], tuple[bool | None, ...]], Any]]:
    """Per rule, generated code computing ``engine.evaluate.walk.because`` (same literals, same order, same values)
    from the facts and the tuple of let values, without walking the condition tree. A literal whose text occurs
    only once in the rule needs no "already listed" check; repeated texts get a flag each."""
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

    def atom_test(e: Atom) -> str:
        match e:
            case KnownTest():
                return f"{e.input!r} in f"
            case NumTest(interval=iv):
                parts = [f"{e.input!r} in f", f"f[{e.input!r}].__class__ is not bool"]
                if iv.low is not None:
                    parts.append(f"f[{e.input!r}] {'>=' if iv.low_closed else '>'} {iv.low!r}")
                if iv.high is not None:
                    parts.append(f"f[{e.input!r}] {'<=' if iv.high_closed else '<'} {iv.high!r}")
                return " and ".join(parts)
            case ValueTest():
                return f"{e.input!r} in f and ({value_test(e)})"
            case _:
                assert_never(e)

    def walk(e: Expr, positive: bool, lits: list[tuple[str, list[str], str]]) -> None:
        match e:
            case ValueTest() | NumTest() | KnownTest():
                test = atom_test(e)
                names = list(shown(model, e.input))
                if positive:
                    lits.append((atom_text(e, False), names, test))
                else:
                    known = "True" if isinstance(e, KnownTest) else f"{e.input!r} in f"
                    lits.append((atom_text(e, True), names, f"{known} and not ({test})"))
            case LetRef(name):
                lits.append((name if positive else f"not {name}", model.reads_of(inputs_read(e, model)),
                             f"lets[{let_pos[name]}] is {positive}"))
                walk(model.lets[name].expr, positive, lits)
            case Not(item):
                walk(item, not positive, lits)
            case And(items) | Or(items):
                for item in items:
                    walk(item, positive, lits)
            case Const():
                pass
            case _:
                assert_never(e)

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
    return is_member(v, values)


def rule_getters(model: Model) -> tuple[tuple[str, ...], list[Callable[[tuple[Any, ...]], Any] | None]]:
    """For the memo of recommendations on the partial path: the input names whose values (None when missing),
    followed by the let values, make a case's value row; and per rule a C-level getter of the part of that row
    its ``because`` depends on (the inputs its condition reads, the lets it names), or None for a rule that reads
    a number input (numbers rarely repeat: no memo)."""
    names = (*model.inputs, *model.derived)
    pos = {n: i for i, n in enumerate(names)}
    let_pos = {n: len(names) + i for i, n in enumerate(model.lets)}
    out: list[Callable[[tuple[Any, ...]], Any] | None] = []
    for r in model.rules:
        reads = inputs_read(r.condition, model)
        reads += [x for n in reads if n in model.derived for x in shown(model, n)]  # the values "because" shows
        reads = list(dict.fromkeys(reads))
        if any(model.input_of(n).numeric for n in reads):
            out.append(None)
            continue
        positions = [pos[n] for n in reads] + [let_pos[n] for n in lets_named(r.condition, model)]
        out.append(itemgetter(*positions, 0) if positions else _constant)  # (a 1-tuple for one position)
    return names, out


def _constant(row: tuple[Any, ...]) -> Any:
    return ()


def rule_keys(model: Model, partial: bool = False,
              numbers: bool = True) -> list[Callable[[Mapping[str, Any], Any], Any] | None]:
    """Per rule, a generated function ``(facts, let values)`` giving the memo key of its recommendations: the
    rule index, the values (and, for numbers, types) of the inputs its condition reads and, with ``partial``
    (a missing input gives None; a let may then be unknown), the values of the lets it names. Without
    ``numbers``, rules reading a number input get None instead (no memo: numbers rarely repeat, so the memo
    would mostly miss, and overflow)."""
    let_pos = {n: i for i, n in enumerate(model.lets)}

    src = []
    plain: list[bool] = []
    for ri, r in enumerate(model.rules):
        reads = inputs_read(r.condition, model)
        reads = list(dict.fromkeys([*reads, *(x for n in reads if n in model.derived for x in shown(model, n))]))
        plain.append(numbers or not any(model.input_of(name).numeric for name in reads))
        parts = [repr(ri)]
        for name in reads:
            value = f"f.get({name!r})" if partial else f"f[{name!r}]"
            parts.append(value)
            if model.input_of(name).numeric:
                parts.append(f"{value}.__class__")
        if partial:
            parts += [f"lets[{let_pos[name]}]" for name in lets_named(r.condition, model)]
        src.append(f"def k{ri}(f, lets):\n    return ({', '.join(parts)},)\n")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(src), "<guidegraph memo keys>", "exec"), namespace)
    return [namespace[f"k{ri}"] if plain[ri] else None for ri in range(len(model.rules))]
