"""One generated rule set, written out for every engine the peer benchmark compares.

A rule set has 12 inputs (6 enums ``e0..e5`` of four values, 6 numbers ``n0..n5`` in 0..100) and rules grouped
in sections of ten, each section guarded by a test on ``e0``/``e1`` the way a guideline's sections are guarded by
extent and site. Each rule tests one to three other inputs and recommends one action. The same rules are then
written as guidegraph rules text, as a zen-engine decision table (JDM, hit policy "collect", section guard
folded into each row), as rule-engine expressions, and as the plain Python a programmer would write by hand
(nested ``if``s per section). Every engine answers with the set of rules that fire, which the benchmark checks
equal before it counts any time.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

ENUMS = tuple(f"e{i}" for i in range(6))
NUMBERS = tuple(f"n{i}" for i in range(6))
VALUES = ("v0", "v1", "v2", "v3")
SECTION_SIZE = 10


@dataclass(frozen=True)
class Atom:
    input: str
    op: str  # "==", "in", ">", "<="
    value: str | tuple[str, ...] | int


@dataclass(frozen=True)
class GenRule:
    name: str
    section: int
    atoms: tuple[Atom, ...]
    action: str


@dataclass(frozen=True)
class RuleSet:
    n_rules: int
    guards: tuple[Atom, ...]  # one per section
    rules: tuple[GenRule, ...]
    n_actions: int


def generate(n_rules: int, seed: int = 0) -> RuleSet:
    rng = random.Random(seed)
    n_sections = max(1, (n_rules + SECTION_SIZE - 1) // SECTION_SIZE)
    guards = tuple(Atom(rng.choice(("e0", "e1")), "==", rng.choice(VALUES)) for _ in range(n_sections))
    n_actions = max(2, n_rules // 4)
    rules = []
    for k in range(n_rules):
        section = k // SECTION_SIZE
        pool = [x for x in (*ENUMS, *NUMBERS) if x != guards[section].input]
        atoms = []
        for name in sorted(rng.sample(pool, rng.randint(1, 3))):
            if name in NUMBERS:
                atoms.append(Atom(name, rng.choice((">", "<=")), rng.randint(1, 99)))
            elif rng.random() < 0.5:
                atoms.append(Atom(name, "==", rng.choice(VALUES)))
            else:
                atoms.append(Atom(name, "in", tuple(sorted(rng.sample(VALUES, 2)))))
        rules.append(GenRule(f"r{k}", section, tuple(atoms), f"a{rng.randrange(n_actions)}"))
    return RuleSet(n_rules, guards, tuple(rules), n_actions)


def cases(n: int, seed: int = 1) -> list[dict[str, str | int]]:
    """Random complete cases (every input known), integers for the numbers so every engine compares alike."""
    rng = random.Random(seed)
    out: list[dict[str, str | int]] = []
    for _ in range(n):
        case: dict[str, str | int] = {e: rng.choice(VALUES) for e in ENUMS}
        case.update({x: rng.randint(0, 100) for x in NUMBERS})
        out.append(case)
    return out


# --- guidegraph ---------------------------------------------------------------------------------------------

def _gg_atom(a: Atom) -> str:
    if a.op == "in":
        assert isinstance(a.value, tuple)
        return f"{a.input} in {{{', '.join(a.value)}}}"
    return f"{a.input} {a.op} {a.value}"


def to_guidegraph(rs: RuleSet) -> str:
    lines = ['guideline "Generated benchmark rule set" version "1"', ""]
    lines += [f"input {e}: {{{', '.join(VALUES)}}}" for e in ENUMS]
    lines += [f"input {x}: number in 0..100" for x in NUMBERS]
    lines += [f"action a{i}" for i in range(rs.n_actions)]
    for s, guard in enumerate(rs.guards):
        lines += ["", f"section s{s} when {_gg_atom(guard)}:"]
        for r in rs.rules:
            if r.section == s:
                cond = " and ".join(_gg_atom(a) for a in r.atoms)
                lines += [f"  rule {r.name}:", f"    when {cond}", f"    recommend {r.action}"]
    return "\n".join(lines) + "\n"


# --- rule-engine --------------------------------------------------------------------------------------------

def _re_atom(a: Atom) -> str:
    if a.op == "in":
        assert isinstance(a.value, tuple)
        return f"{a.input} in [{', '.join(repr(v) for v in a.value)}]"
    if a.op == "==":
        return f"{a.input} == {a.value!r}"
    return f"{a.input} {a.op} {a.value}"


def to_rule_engine(rs: RuleSet) -> list[tuple[str, str]]:
    """(rule name, expression) pairs; the section guard is part of each expression."""
    return [(r.name, " and ".join(_re_atom(a) for a in (rs.guards[r.section], *r.atoms))) for r in rs.rules]


# --- zen-engine (GoRules JDM decision table) ----------------------------------------------------------------

def _zen_cell(a: Atom) -> str:
    if a.op == "in":
        assert isinstance(a.value, tuple)
        return ", ".join(json.dumps(v) for v in a.value)
    if a.op == "==":
        return json.dumps(a.value)
    return f"{a.op} {a.value}"


def to_zen(rs: RuleSet) -> str:
    columns = [*ENUMS, *NUMBERS]
    inputs = [{"id": f"i_{c}", "name": c, "field": c} for c in columns]
    rows = []
    for r in rs.rules:
        row: dict[str, str] = {"_id": r.name, "o_rule": json.dumps(r.name)}
        cells = {a.input: _zen_cell(a) for a in (rs.guards[r.section], *r.atoms)}
        row.update({f"i_{c}": cells.get(c, "") for c in columns})
        rows.append(row)
    pos = {"x": 0, "y": 0}
    table = {"hitPolicy": "collect", "inputs": inputs,
             "outputs": [{"id": "o_rule", "name": "rule", "field": "rule"}], "rules": rows}
    graph = {"nodes": [{"id": "in", "type": "inputNode", "name": "Request", "position": pos},
                       {"id": "dt", "type": "decisionTableNode", "name": "rules", "position": pos, "content": table},
                       {"id": "out", "type": "outputNode", "name": "Response", "position": pos}],
             "edges": [{"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
                       {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"}]}
    return json.dumps(graph)


# --- hand-written Python (the floor) ------------------------------------------------------------------------

def _py_atom(a: Atom) -> str:
    if a.op == "in":
        return f"{a.input} in {a.value!r}"
    if a.op == "==":
        return f"{a.input} == {a.value!r}"
    return f"{a.input} {a.op} {a.value}"


def to_python(rs: RuleSet) -> str:
    """The function a programmer would write by hand: read the inputs once, one ``if`` per section and rule."""
    lines = ["def evaluate(c):", "    out = []"]
    lines += [f"    {x} = c[{x!r}]" for x in (*ENUMS, *NUMBERS)]
    for s, guard in enumerate(rs.guards):
        body = [r for r in rs.rules if r.section == s]
        if not body:
            continue
        lines.append(f"    if {_py_atom(guard)}:")
        for r in body:
            lines.append(f"        if {' and '.join(_py_atom(a) for a in r.atoms)}:")
            lines.append(f"            out.append({r.name!r})")
    lines.append("    return out")
    return "\n".join(lines) + "\n"
