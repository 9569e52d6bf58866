"""Every name of a rules file, where it is declared and where it is used: what hover, go to definition, find
references, rename and document symbols need. Built from the syntax tree alone (no resolution), so it exists as
soon as the file parses, even when it has semantic errors.

A symbol is keyed by ``(kind, name)``: kinds are ``input``, ``let``, ``action``, ``rule``, ``section``,
``reference`` (a numbered reference, ``cite`` names it), ``param`` (``action.param``) and ``value`` (an enum
value, ``input.value``). A bare name in a condition is a ``let`` when one is declared with that name, otherwise
an input (the resolver's own order).

    >>> from dsl.parser import parse
    >>> text = 'guideline "T"\\ninput g: {a, b}\\nlet hi = g == b\\nsection s:\\n rule r:\\n  when hi\\n  must x\\n'
    >>> index = build(parse(text, "f")[0])
    >>> [o.key for o in index.uses(("input", "g"))]
    [('input', 'g'), ('input', 'g')]
    >>> index.at(text.index("hi\\n  must")).key, index.at(text.index("b\\nsection")).key
    (('let', 'hi'), ('value', 'g.b'))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dsl import ast
from dsl.span import Span

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One name as written: its symbol's key, where it is, and whether this is the declaration."""

    key: Key
    span: Span
    declaration: bool = False


@dataclass(frozen=True, slots=True)
class Symbol:
    key: Key
    span: Span  # the name in the declaration
    node: object  # the declaring syntax node (ast.Input, ast.Let, ast.Rule...)
    parent: object | None = None  # the section of a rule, the input of an enum value, the action of a parameter


@dataclass
class Index:
    symbols: dict[Key, Symbol] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence under the character ``offset`` (its end included, where a cursor after a word is)."""
        for o in self.occurrences:
            if o.span.start <= offset <= o.span.end:
                return o
        return None

    def uses(self, key: Key, *, declaration: bool = True) -> list[Occurrence]:
        """Every occurrence of ``key`` in file order, the declaration included unless ``declaration`` is False."""
        return sorted((o for o in self.occurrences if o.key == key and (declaration or not o.declaration)),
                      key=lambda o: o.span.start)

    def names(self, kind: str) -> list[str]:
        return [k[1] for k in self.symbols if k[0] == kind]


def build(tree: ast.File) -> Index:
    """The index of a parsed file."""
    index = Index()
    enums: dict[str, set[str]] = {}
    lets = {d.name.name for d in tree.decls if isinstance(d, ast.Let | ast.Classify)}
    inputs = {d.name.name for d in tree.decls if isinstance(d, ast.Input)}

    def declare(kind: str, name: ast.Name, node: object, parent: object | None = None) -> None:
        key = (kind, name.name)
        index.symbols.setdefault(key, Symbol(key, name.span, node, parent))
        index.occurrences.append(Occurrence(key, name.span, True))

    def use(key: Key, span: Span) -> None:
        index.occurrences.append(Occurrence(key, span))

    for decl in tree.decls:
        if isinstance(decl, ast.Input):
            declare("input", decl.name, decl)
            if isinstance(decl.type, ast.EnumType):
                enums[decl.name.name] = set()
                for v in decl.type.values:
                    text = v.name if isinstance(v, ast.Name) else (v.text or str(v.value))
                    enums[decl.name.name].add(text)
                    key = ("value", f"{decl.name.name}.{text}")
                    index.symbols.setdefault(key, Symbol(key, v.span, decl, decl))
                    index.occurrences.append(Occurrence(key, v.span, True))
        elif isinstance(decl, ast.Let):
            declare("let", decl.name, decl)
        elif isinstance(decl, ast.Classify):  # a derived category: a let whose values are its branches'
            declare("let", decl.name, decl)
            enums[decl.name.name] = set()
            for v in [b.value for b in decl.branches] + ([decl.otherwise] if decl.otherwise else []):
                key = ("value", f"{decl.name.name}.{v.name}")
                enums[decl.name.name].add(v.name)
                index.symbols.setdefault(key, Symbol(key, v.span, decl, decl))
                index.occurrences.append(Occurrence(key, v.span, True))
        elif isinstance(decl, ast.Action):
            declare("action", decl.name, decl)
            for p in decl.params:
                key = ("param", f"{decl.name.name}.{p.name.name}")
                index.symbols.setdefault(key, Symbol(key, p.name.span, p, decl))
                index.occurrences.append(Occurrence(key, p.name.span, True))
        elif isinstance(decl, ast.Reference):
            key = ("reference", decl.number.text or str(decl.number.value))
            index.symbols.setdefault(key, Symbol(key, decl.number.span, decl))
            index.occurrences.append(Occurrence(key, decl.number.span, True))
        elif isinstance(decl, ast.Section):
            declare("section", decl.name, decl)
            for item in decl.items:
                if isinstance(item, ast.Rule):
                    declare("rule", item.name, item, decl)

    def subject(name: ast.Name) -> Key:
        return ("let" if name.name in lets else "input", name.name)

    def cond(c: ast.Cond | None) -> None:
        for kind, name, span in _names_in(c):
            if kind == "subject":
                use(subject(ast.Name(name, span)), span)
            else:  # an enum value compared with an input: "input.value"
                subject_name, value = name.split("\x00")
                if value in enums.get(subject_name, ()):
                    use(("value", f"{subject_name}.{value}"), span)
                elif value in inputs or value in lets:  # sbp > dbp: a relation between two numbers
                    use(subject(ast.Name(value, span)), span)

    for decl in tree.decls:
        if isinstance(decl, ast.Let | ast.Assume):
            cond(decl.cond)
        elif isinstance(decl, ast.Classify):
            for b in decl.branches:
                cond(b.cond)
        elif isinstance(decl, ast.Together):
            for a in decl.actions:
                use(("action", a.name), a.span)
            cond(decl.cond)
        elif isinstance(decl, ast.Section):
            cond(decl.guard)
            for item in decl.items:
                if isinstance(item, ast.Cover):
                    use(("action", item.action.name), item.action.span)
                    cond(item.cond)
                elif isinstance(item, ast.Rule):
                    _rule(item, use, cond)
                elif isinstance(item, ast.QuestionOrder):
                    for n in item.names:
                        use(subject(n), n.span)
    index.occurrences.sort(key=lambda o: o.span.start)
    return index


def _rule(rule: ast.Rule, use: Callable[[Key, Span], None], cond: Callable[[ast.Cond | None], None]) -> None:
    for clause in rule.clauses:
        if isinstance(clause, ast.When):
            cond(clause.cond)
        elif isinstance(clause, ast.Recommend | ast.Choice | ast.Adjust):
            for rec in clause.alternatives if isinstance(clause, ast.Choice) else (clause,):
                use(("action", rec.action.name), rec.action.span)
                for arg in rec.args:
                    use(("param", f"{rec.action.name}.{arg.name.name}"), arg.name.span)
        elif isinstance(clause, ast.Overrides):
            for r in clause.rules:
                use(("rule", r.name), r.span)
            for a in getattr(clause, "actions", ()):  # ``overrides rule.action``
                if isinstance(a, ast.Name):
                    use(("action", a.name), a.span)
        elif isinstance(clause, ast.Cite):
            for n in clause.numbers:
                use(("reference", n.text or str(n.value)), n.span)


def _names_in(c: ast.Cond | None) -> Iterator[tuple[str, str, Span]]:
    """The names a condition uses: ``("subject", name, span)`` for inputs and lets, ``("value", "subject\\0value",
    span)`` for values compared with a subject."""
    if c is None or isinstance(c, ast.Bool):
        return
    if isinstance(c, ast.Name):
        yield "subject", c.name, c.span
    elif isinstance(c, ast.Compare | ast.InSet | ast.InRange | ast.IsKnown):
        yield "subject", c.subject.name, c.subject.span
        values = c.values if isinstance(c, ast.InSet) else (c.value,) if isinstance(c, ast.Compare) else ()
        for v in values:
            if isinstance(v, ast.Name | ast.Number):
                text = v.name if isinstance(v, ast.Name) else (v.text or str(v.value))
                yield "value", f"{c.subject.name}\x00{text}", v.span
    elif isinstance(c, ast.And | ast.Or):
        for item in c.items:
            yield from _names_in(item)
    elif isinstance(c, ast.Not | ast.Paren):
        yield from _names_in(c.item)
    elif isinstance(c, ast.Implies | ast.Relation | ast.Arith):
        yield from _names_in(c.left)
        yield from _names_in(c.right)
    elif isinstance(c, ast.Neg):
        yield from _names_in(c.item)
    elif isinstance(c, ast.Between):
        yield from _names_in(c.subject)
    elif isinstance(c, ast.Member | ast.CountSet):
        yield "subject", c.subject.name, c.subject.span
    elif isinstance(c, ast.Call | ast.Count | ast.AtLeast):
        for item in c.args if isinstance(c, ast.Call) else c.items:
            yield from _names_in(item)
    elif isinstance(c, ast.Points):
        for p in c.items:
            yield from _names_in(p.cond)
