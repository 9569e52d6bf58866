"""Random guidelines as rules TEXT, for benchmarks and differential tests.

The generated files look like real guidelines rather than noise, because the checker's cost depends on the
shape of the rules, not only on their number:

- number inputs reuse a few thresholds each (real guidelines say "> 5 cm" many times, not 5.01, 5.02, ...);
- rules are grouped in sections guarded by one input, each section speaking about a handful of actions and
  splitting its patients on a few inputs of its own (its "stratifiers"), with the odd test of any other input;
- about a third of the rules are exceptions: the parent rule's condition plus one more test, opposite polarity,
  and an ``overrides`` of the parent and of most of the section's other rules it contradicts (the Catala-style
  default logic the language is built for); the rest conflict, as in a draft guideline;
- a few ``let``s, ``assume``s, ``cover``s, ``todo``s, ``is known`` tests and a parameterised follow-up action.

``generate(n_rules, n_inputs, seed)`` is deterministic for its arguments. Usable as a script:
``python bench/gen_rules.py 1000 > /tmp/g.rules``.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field

SECTION_SIZE = 12
"""Rules per section: sections are what keeps each decision diagram small as the guideline grows."""

STRATIFIERS = 3
"""Inputs a section's rules mostly test (a real section splits its patients on a few questions)."""


@dataclass
class _Input:
    name: str
    kind: str  # "number" | "integer" | "enum" | "bool"
    values: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    thresholds: tuple[int, ...] = ()


@dataclass
class _Rule:
    name: str
    atoms: list[str]
    action: str
    positive: bool
    overrides: list[str] = field(default_factory=list)


def _inputs(rng: random.Random, n: int) -> list[_Input]:
    out: list[_Input] = []
    for i in range(n):
        kind = ("number", "enum", "bool", "enum", "integer")[i % 5]
        if kind in ("number", "integer"):
            high = rng.choice((10, 20, 100, 120))
            ts = tuple(sorted(rng.sample(range(1, high), 3)))
            out.append(_Input(f"x{i}", kind, low=0, high=high, thresholds=ts))
        elif kind == "enum":
            k = rng.randint(2, 5)
            out.append(_Input(f"x{i}", kind, values=tuple(f"v{j}" for j in range(k))))
        else:
            out.append(_Input(f"x{i}", kind))
    return out


def _atom(rng: random.Random, inp: _Input) -> str:
    """One test on one input, in the surface syntax."""
    if inp.kind in ("number", "integer"):
        t = rng.choice(inp.thresholds)
        r = rng.random()
        if r < 0.15:
            a, b = sorted(rng.sample(inp.thresholds, 2))
            return f"{inp.name} in {a}..{b}"
        return f"{inp.name} {rng.choice(('>', '<=', '>=', '<'))} {t}"
    if inp.kind == "bool":
        return f"{inp.name} == {rng.choice(('true', 'false'))}"
    k = rng.randint(1, max(1, len(inp.values) - 1))
    vals = sorted(rng.sample(inp.values, k))
    if len(vals) == 1:
        return f"{inp.name} {rng.choice(('==', '!='))} {vals[0]}"
    return f"{inp.name} in {{{', '.join(vals)}}}"


def _decl(inp: _Input) -> str:
    if inp.kind == "number":
        return f"input {inp.name}: number u{inp.name} in {inp.low}..{inp.high}"
    if inp.kind == "integer":
        return f"input {inp.name}: integer in {inp.low}..{inp.high}"
    if inp.kind == "bool":
        return f"input {inp.name}: bool"
    return f"input {inp.name}: {{{', '.join(inp.values)}}}"


def _strength(rng: random.Random, positive: bool) -> str:
    return rng.choice(("recommend", "recommend", "consider", "must")) if positive else \
        rng.choice(("not_recommended", "never"))


def generate(n_rules: int, n_inputs: int = 12, seed: int = 0) -> str:
    """A guideline with ``n_rules`` rules over ``n_inputs`` inputs (at least 2), as rules text."""
    rng = random.Random(seed)
    n_inputs = max(2, n_inputs)
    inputs = _inputs(rng, n_inputs)
    n_actions = max(2, n_rules // 10)  # each action is spoken about in a few sections, as in real guidelines
    actions = [f"a{i}" for i in range(n_actions)]
    lines = [f'guideline "Generated {n_rules} rules, {n_inputs} inputs, seed {seed}" version "1"', ""]
    lines += [_decl(i) for i in inputs]
    lines.append("action follow(every: months) \"Follow-up\" modality surveillance")
    lines += [f'action {a} "Action {a}" modality other' for a in actions]
    actions.append("follow")
    enums = [i for i in inputs if i.kind in ("enum", "bool")]
    if len(enums) >= 2 and n_rules >= 4:
        a, b = enums[0], enums[1]
        lines.append(f"assume {_atom(rng, a)} implies {_atom(rng, b)}")
    lets: list[str] = []
    for j in range(min(3, n_rules // 5)):
        name = f"l{j}"
        lines.append(f"let {name} = {_atom(rng, rng.choice(inputs))} and {_atom(rng, rng.choice(inputs))}")
        lets.append(name)
    known_candidates = [i for i in inputs if i.kind in ("number", "integer")]
    n_sections = max(1, (n_rules + SECTION_SIZE - 1) // SECTION_SIZE)
    count = 0
    for s in range(n_sections):
        size = min(SECTION_SIZE, n_rules - count)
        guard_input = inputs[s % n_inputs] if n_sections > 1 else None
        guard = f" when {_atom(rng, guard_input)}" if guard_input else ""
        lines += ["", f'section s{s} "Section {s}"{guard}:']
        local_actions = rng.sample(actions, min(len(actions), 3))
        default = {a: rng.random() < 0.85 for a in local_actions}  # the polarity of a section's plain rules
        strat = rng.sample(inputs, min(STRATIFIERS, n_inputs))

        def some_input(strat: list[_Input] = strat) -> _Input:
            return rng.choice(inputs) if rng.random() < 0.15 else rng.choice(strat)

        rules: list[_Rule] = []
        for _ in range(size):
            name = f"r{count}"
            count += 1
            if rules and rng.random() < 0.35:
                parent = rng.choice(rules)
                extra = _atom(rng, some_input())
                # an exception sets aside its parent and, usually, the section's other rules it contradicts
                others = [r.name for r in rules if r.action == parent.action and r.positive == parent.positive
                          and r is not parent and rng.random() < 0.8]
                rule = _Rule(name, [*parent.atoms, extra], parent.action, not parent.positive,
                             [parent.name, *others[:3]])
            else:
                atoms = [_atom(rng, some_input()) for _ in range(rng.randint(1, 2))]
                r = rng.random()
                if lets and r < 0.1:
                    atoms[0] = rng.choice(lets)
                elif known_candidates and r < 0.15:
                    atoms[0] = f"{rng.choice(known_candidates).name} is {rng.choice(('known', 'unknown'))}"
                elif r < 0.3 and len(atoms) > 1:
                    atoms = [f"({atoms[0]} or {atoms[1]})"]
                action = rng.choice(local_actions)
                rule = _Rule(name, atoms, action, default[action] if rng.random() < 0.9 else not default[action])
            rules.append(rule)
            lines.append(f"  rule {name}:")
            lines.append(f"    when {' and '.join(rule.atoms)}")
            lines.append(f"    {_strength(rng, rule.positive)} {rule.action}{_params(rng, rule.action)}")
            if rule.overrides:
                lines.append(f"    overrides {', '.join(rule.overrides)}")
        for a in local_actions[: rng.randint(0, 2)]:
            cond = f" when {_atom(rng, rng.choice(strat))}" if rng.random() < 0.5 else ""
            lines.append(f"  cover {a}{cond}")
        if rng.random() < 0.2:
            lines.append(f'  todo "Open question {s}"')
    return "\n".join(lines) + "\n"


def _params(rng: random.Random, action: str) -> str:
    if action != "follow":
        return ""
    lo = rng.choice((3, 6, 12))
    return f"(every: {lo} months)" if rng.random() < 0.5 else f"(every: {lo}..{lo + 1} months)"


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.stdout.write(generate(*args) if args else generate(100))
