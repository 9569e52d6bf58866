"""The code actions of ``guidegraph lsp`` beyond the did-you-mean fix, as plain Python over the syntax tree: what
:mod:`engine.lsp.server` wraps in protocol types.

**Add a missing cite.** On a rule without ``cite``, one action per reference number, in the order an author
most likely wants them: first the numbers the other rules of the same section cite, the most cited first (rules of
one section usually encode one passage of the source, so they share its references; the first is the preferred
action), then the other declared references in number order, titled with their text. Nothing is offered when the
file declares no reference (a ``cite`` of an undeclared number is error E160). The ``cite`` line goes where
authors write it: before the rule's ``source``, ``footnote``, ``preference`` or ``overrides`` clause, else after
its last clause, indented like its clauses.

    >>> from dsl.parser import parse
    >>> text = ('guideline "T"\\nreference 1 "A"\\nreference 2 "B"\\ninput x: bool\\naction a\\nsection s:\\n'
    ...         '  rule r1:\\n    must a\\n    cite 2\\n  rule r2:\\n    when x\\n    must a\\n')
    >>> tree = parse(text, "f")[0]
    >>> [(c.numbers, c.why) for c in cite_choices(tree, "r2")]
    [('2', "cited by 1 rule of section 's'"), ('1', 'reference 1: A')]
    >>> insertion = cite_insertion(tree, "r2")
    >>> (insertion.line, insertion.column, insertion.text)
    (12, 11, '\\n    cite ')

**Paste an example patient as a case file.** A checker finding with an example patient (W202 gap, W201
conflict, W204 set aside...) offers to create ``cases/<id>.yaml`` next to the rules file holding the case exactly
as ``guidegraph check`` prints it (a case file may hold one case mapping), with a first comment saying where it
came from. An existing file is never overwritten: ``<id>-2.yaml``, ``<id>-3.yaml``... are tried.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsl import ast


@dataclass(frozen=True, slots=True)
class CiteChoice:
    numbers: str  # what follows ``cite``
    why: str  # why it is offered, for the action's title
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class Insertion:
    """Insert ``text`` then the numbers at 1-based ``line``, ``column``."""

    line: int
    column: int
    text: str
    after: str = ""  # what follows the numbers


def _number(n: ast.Number) -> str:
    return n.text or str(n.value)


def find_rule(tree: ast.File, name: str) -> tuple[ast.Section, ast.Rule] | None:
    for s in tree.decls:
        if isinstance(s, ast.Section):
            for r in s.items:
                if isinstance(r, ast.Rule) and r.name.name == name:
                    return s, r
    return None


def rule_at(tree: ast.File, line: int) -> ast.Rule | None:
    """The rule whose text holds the 1-based ``line``."""
    for s in tree.decls:
        if isinstance(s, ast.Section):
            for r in s.items:
                if isinstance(r, ast.Rule) and r.span.line <= line <= r.span.end_line:
                    return r
    return None


def cite_choices(tree: ast.File, rule: str) -> list[CiteChoice]:
    """What ``rule`` may cite, when it cites nothing (see the module docstring); [] when it already cites."""
    found = find_rule(tree, rule)
    if found is None or any(isinstance(c, ast.Cite) for c in found[1].clauses):
        return []
    section, _ = found
    declared = {_number(d.number): d.text.value for d in tree.decls if isinstance(d, ast.Reference)}
    counts: Counter[str] = Counter()
    for r in section.items:
        if isinstance(r, ast.Rule):
            counts.update({_number(n) for c in r.clauses if isinstance(c, ast.Cite) for n in c.numbers})
    out: list[CiteChoice] = []
    for number, n in sorted(counts.items(), key=lambda kv: (-kv[1], _order(kv[0]))):
        if number in declared:
            out.append(CiteChoice(number, f"cited by {n} rule{'s' if n != 1 else ''} of section "
                                          f"'{section.name.name}'", not out))
    for number in sorted(declared, key=_order):
        if number not in counts:
            out.append(CiteChoice(number, f"reference {number}: {declared[number]}"))
    return out


def _order(number: str) -> tuple[float, str]:
    try:
        return float(number), number
    except ValueError:
        return float("inf"), number


def cite_insertion(tree: ast.File, rule: str) -> Insertion | None:
    """Where the ``cite`` line of ``rule`` goes (see the module docstring)."""
    found = find_rule(tree, rule)
    if found is None or not found[1].clauses:
        return None
    clauses = found[1].clauses
    indent = " " * (clauses[0].span.column - 1)
    for c in clauses:
        if isinstance(c, ast.Source | ast.Footnote | ast.Preference | ast.Overrides):
            return Insertion(c.span.line, 1, f"{indent}cite ", "\n")
    last = max(clauses, key=lambda c: (c.span.end_line, c.span.end_column))
    return Insertion(last.span.end_line, last.span.end_column, f"\n{indent}cite ")


def case_file(witness: Mapping[str, Any], rules_file: Path, code: str) -> tuple[Path, str]:
    """The new case file for an example patient of finding ``code`` and its text (see the module docstring)."""
    import yaml

    folder = rules_file.parent / "cases"
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(witness.get("id") or "example"))
    path = folder / f"{stem}.yaml"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.yaml"
        n += 1
    body = yaml.safe_dump(dict(witness), sort_keys=False, allow_unicode=True, default_flow_style=False)
    head = (f"# The example patient of {code} in {rules_file.name} (guidegraph check). Add what the guideline "
            "should recommend\n# under 'expect:' to make it a test case.\n")
    return path, head + str(body)
