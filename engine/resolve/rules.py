"""Sections, rules, covers and todos: the second half of resolving, once inputs, lets and actions are known.

A rule's clauses may come in any order (the grammar accepts them so), so this is where "exactly one strength
or more", "at most one ``when``" and "at most one ``evidence``/``source``/``preference``" are enforced, and where
``cite`` numbers and ``overrides`` names are checked against what the file declares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from dsl import ast
from dsl.diagnostics import Note, did_you_mean
from dsl.span import Span
from engine.core import model
from engine.resolve.conditions import Conditions, conjoin
from engine.resolve.context import Context
from engine.resolve.declarations import resolve_args
from engine.resolve.text import number_text

_STRENGTHS = ", ".join(s.value for s in list(model.Strength)[:-1]) + f" or {list(model.Strength)[-1].value}"
_SINGLE = {ast.When: "when", ast.Evidence: "evidence", ast.Source: "source", ast.Preference: "preference"}


@dataclass
class Resolved:
    """What the sections of a file resolve to, plus the ``overrides`` names (checked once all rules exist)."""

    sections: list[model.Section] = field(default_factory=list)
    rules: list[model.Rule] = field(default_factory=list)
    covers: list[model.Cover] = field(default_factory=list)
    todos: list[model.Todo] = field(default_factory=list)
    overrides: dict[str, list[ast.Name]] = field(default_factory=dict)
    entry_overrides: dict[str, list[tuple[ast.Name, ast.Name]]] = field(default_factory=dict)
    """Per rule, its ``overrides RULE.ACTION`` targets (checked once all rules exist)."""
    entry_actions: dict[str, dict[str, Span]] = field(default_factory=dict)
    """Per rule, the actions it has entries on (where each entry is)."""
    rule_spans: dict[str, Span] = field(default_factory=dict)


def resolve_citations(cite: ast.Cite, references: dict[int, str], ctx: Context) -> list[int]:
    out: list[int] = []
    for n in cite.numbers:
        if not float(n.value).is_integer() or int(n.value) not in references:
            declared = ", ".join(str(k) for k in sorted(references))
            ctx.error("E160", f"reference {number_text(n)} is not declared", n.span,
                      help=f"declared references: {declared}" if declared
                      else f'declare it at the top level: reference {number_text(n)} "..."')
        elif int(n.value) not in out:
            out.append(int(n.value))
    return out


class SectionResolver:
    def __init__(self, conds: Conditions, actions: dict[str, model.Action], references: dict[int, str],
                 ctx: Context) -> None:
        self.conds = conds
        self.actions = actions
        self.references = references
        self.ctx = ctx
        self.out = Resolved()
        self._section_spans: dict[str, Span] = {}

    def section(self, s: ast.Section) -> None:
        name = s.name.name
        if name in self._section_spans:
            self.ctx.error("E105", f"section '{name}' is declared twice", s.name.span,
                           notes=[Note("first declared here", self._section_spans[name])])
        else:
            self._section_spans[name] = s.name.span
        guard = self.conds.convert(s.guard) if s.guard is not None else model.TRUE
        order, sequence = self.question_order(s)
        self.out.sections.append(model.Section(name, guard, s.label.value if s.label else None, s.span, order,
                                               sequence))
        for item in s.items:
            if isinstance(item, ast.Rule):
                self.rule(item, name, guard)
            elif isinstance(item, ast.Cover):
                self.cover(item, name, guard)
            elif isinstance(item, ast.Todo):
                self.out.todos.append(model.Todo(item.text.value, name, item.span))

    def question_order(self, s: ast.Section) -> tuple[tuple[str, ...], bool]:
        """The section's ``question_order``: names of inputs or derived values, each once (E152), at most one
        clause per section (E152)."""
        clauses = [i for i in s.items if isinstance(i, ast.QuestionOrder)]
        for extra in clauses[1:]:
            self.ctx.error("E152", f"section '{s.name.name}' has two question_order lines", extra.span,
                           notes=[Note("the first one is here", clauses[0].span)], help="merge them into one")
        if not clauses:
            return (), False
        seen: dict[str, Span] = {}
        for n in clauses[0].names:
            if self.conds.lookup(n.name) is None:
                known = [*self.conds.inputs, *self.conds.derived]
                self.ctx.error("E152", f"question_order names '{n.name}', which is not an input", n.span,
                               help=did_you_mean(n.name, known) or "name inputs (or classifications) the section's "
                                                                    "rules ask about")
            elif n.name in seen:
                self.ctx.error("E152", f"question_order names '{n.name}' twice", n.span,
                               notes=[Note("first here", seen[n.name])])
            else:
                seen[n.name] = n.span
        return tuple(seen), clauses[0].sequence

    def _action(self, n: ast.Name) -> model.Action | None:
        action = self.actions.get(n.name)
        if action is None:
            self.ctx.fatal("E103", f"unknown action '{n.name}'", n.span,
                           help=did_you_mean(n.name, self.actions) or f"declare it: action {n.name} \"...\"")
        return action

    def cover(self, c: ast.Cover, section: str, guard: model.Expr) -> None:
        action = self._action(c.action)
        when = self.conds.convert(c.cond) if c.cond is not None else model.TRUE
        if action is not None:
            self.out.covers.append(model.Cover(action.name, section, conjoin([guard, when]), c.span,
                                               c.note.value if c.note is not None else None))

    def rule(self, r: ast.Rule, section: str, guard: model.Expr) -> None:
        name = r.name.name
        if name in self.out.rule_spans:
            self.ctx.error("E105", f"rule '{name}' is declared twice", r.name.span,
                           notes=[Note("first declared here", self.out.rule_spans[name])])
            return
        self.out.rule_spans[name] = r.name.span
        ctx = self.ctx
        firsts: dict[type, ast.Clause] = {}
        when: model.Expr = model.TRUE
        entries: list[model.Entry] = []
        entry_spans: dict[str, Span] = {}
        citations: list[int] = []
        footnotes: list[str] = []
        values: dict[str, str] = {}
        preference: str | None = None
        overrides: list[ast.Name] = []
        entry_targets: list[tuple[ast.Name, ast.Name]] = []
        adjusts: list[model.Adjustment] = []
        adjust_spans: dict[str, Span] = {}
        for clause in r.clauses:
            kind = type(clause)
            if kind in _SINGLE:
                if kind in firsts:
                    report: Callable[..., None] = ctx.fatal if kind is ast.When else ctx.error
                    report("E144", f"rule '{name}' has two '{_SINGLE[kind]}' clauses", clause.span,
                           help="combine them into one" + (" with 'and'" if kind is ast.When else ""),
                           notes=[Note("the first one is here", firsts[kind].span)])
                    continue
                firsts[kind] = clause
            if isinstance(clause, ast.When):
                when = self.conds.convert(clause.cond)
            elif isinstance(clause, ast.Recommend):
                entry = self.entry(clause, name, entry_spans)
                if entry is not None:
                    entries.append(entry)
            elif isinstance(clause, ast.Choice):
                entries.extend(self.choice(clause, name, entry_spans))
            elif isinstance(clause, ast.Adjust):
                found = self.adjust(clause, name, adjust_spans)
                if found is not None:
                    adjusts.append(found)
            elif isinstance(clause, ast.Evidence):
                values["evidence"] = clause.text.value
            elif isinstance(clause, ast.Source):
                values["source"] = clause.text.value
            elif isinstance(clause, ast.Footnote):
                footnotes.append(clause.text.value)
            elif isinstance(clause, ast.Cite):
                citations.extend(c for c in resolve_citations(clause, self.references, ctx) if c not in citations)
            elif isinstance(clause, ast.Preference):
                preference = self.preference(clause)
            else:
                for target, action in clause.targets():
                    if action is None:
                        overrides.append(target)
                    else:
                        entry_targets.append((target, action))
        if not any(isinstance(c, ast.Recommend | ast.Choice | ast.Adjust) for c in r.clauses):
            ctx.fatal("E143", f"rule '{name}' has no strength; a rule needs a strength: {_STRENGTHS}", r.name.span,
                      help="add a line such as: recommend ACTION (or adjust ACTION(PARAM: VALUE))")
        for adjusted, span in adjust_spans.items():
            if adjusted in entry_spans:
                ctx.error("E142", f"rule '{name}' both gives and adjusts '{adjusted}'", span,
                          notes=[Note("it gives it here", entry_spans[adjusted])],
                          help="write the parameter values in the entry itself, or move the adjustment to a rule "
                               "of its own")
        self.out.overrides[name] = overrides
        self.out.entry_overrides[name] = entry_targets
        self.out.entry_actions[name] = entry_spans
        unique = list(dict.fromkeys(o.name for o in overrides))
        sets_aside = tuple(dict.fromkeys((t.name, a.name) for t, a in entry_targets))
        self.out.rules.append(model.Rule(
            name, section, conjoin([guard, when]), when, tuple(entries), r.label.value if r.label else None,
            values.get("evidence"), tuple(citations), values.get("source"), tuple(footnotes), preference,
            tuple(unique), r.span, sets_aside, tuple(adjusts)))

    def adjust(self, a: ast.Adjust, rule: str, seen: dict[str, Span]) -> model.Adjustment | None:
        """``adjust ACTION(PARAM: VALUE, ...)``: the arguments checked as an entry's are."""
        action = self._action(a.action)
        if action is None:
            return None
        if action.name in seen:
            self.ctx.error("E142", f"rule '{rule}' adjusts '{action.name}' twice", a.span,
                           help="give all the parameters in one adjust line",
                           notes=[Note("first here", seen[action.name])])
            return None
        seen[action.name] = a.span
        params = resolve_args(a, action, self.ctx)
        return model.Adjustment(action.name, params, a.span) if params else None

    def choice(self, c: ast.Choice, rule: str, seen: dict[str, Span]) -> list[model.Entry]:
        """The entries of ``STRENGTH one_of(...)`` / ``any_of(...)``: one per alternative, each tagged with the choice's
        actions (an :class:`~engine.core.model.AnyOf` for ``any_of``)."""
        names = [a.action.name for a in c.alternatives]
        if not model.Strength(c.strength).positive:
            self.ctx.error("E149", f"a choice set cannot be negative ({c.strength} {c.kind})", c.span,
                           help=f"write one '{c.strength} ACTION' line per action")
            return []
        if len(set(names)) < 2:
            self.ctx.error("E149", "a choice set needs at least two different actions", c.span,
                           help=f"write '{c.strength} {names[0]}', or name the other alternatives")
            return []
        entries = [self.entry(a, rule, seen) for a in c.alternatives]
        actions = model.AnyOf(names) if c.kind == "any_of" else tuple(names)
        return [replace(e, one_of=actions) for e in entries if e is not None]

    def entry(self, rec: ast.Recommend, rule: str, seen: dict[str, Span]) -> model.Entry | None:
        try:
            strength = model.Strength(rec.strength)
        except ValueError:
            self.ctx.fatal("E143", f"unknown strength '{rec.strength}'; a rule needs a strength: {_STRENGTHS}",
                           rec.span, help=did_you_mean(rec.strength, [s.value for s in model.Strength]))
            return None
        action = self._action(rec.action)
        if action is None:
            return None
        if action.name in seen:
            self.ctx.error("E142", f"rule '{rule}' speaks about '{action.name}' twice", rec.span,
                           help="give each action one strength per rule; split the rule if the conditions differ",
                           notes=[Note("first here", seen[action.name])])
            return None
        seen[action.name] = rec.span
        if rec.prevails and not strength.advises_against:
            kind = "the weak negative" if not strength.positive else "a positive entry"
            self.ctx.error("E146", f"'prevails' on {kind} ({strength.value} {action.name})", rec.span,
                           help="only a strong negative entry (not_recommended, never) takes precedence over the "
                                "positive entries on its action; remove 'prevails'")
        own: dict[type, ast.Evidence | ast.Preference] = {}
        for attr in rec.attrs:
            if type(attr) in own:
                self.ctx.error("E144", f"the entry on '{action.name}' has two '{_SINGLE[type(attr)]}' attributes",
                               attr.span, notes=[Note("the first one is here", own[type(attr)].span)],
                               help="keep one")
                continue
            own[type(attr)] = attr
        evidence = own.get(ast.Evidence)
        preference = own.get(ast.Preference)
        return model.Entry(action.name, strength, resolve_args(rec, action, self.ctx), rec.span,
                           rec.prevails and strength.advises_against,
                           evidence.text.value if isinstance(evidence, ast.Evidence) else None,
                           self.preference(preference) if isinstance(preference, ast.Preference) else None)

    def preference(self, p: ast.Preference) -> str | None:
        if p.value.name in model.PREFERENCES:
            return p.value.name
        self.ctx.error("E141", f"unknown preference '{p.value.name}'", p.value.span,
                       help=did_you_mean(p.value.name, model.PREFERENCES)
                       or f"use one of: {', '.join(model.PREFERENCES)}")
        return None
