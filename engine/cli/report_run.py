"""The output of ``guidegraph run``: text for a clinician, JSON for programs, CSV for spreadsheets.

Each format is a generator of text chunks over ``(case, result)`` pairs, so a 100,000-patient cohort is written
as it is evaluated without holding every result in memory. :func:`engine.cli.support.write_output` sends the
chunks to a temporary file first and only then to stdout or to the ``-o`` path (an atomic rename), so nothing is
half-printed when something fails midway. All three formats are deterministic: same rules and cases, same bytes.

The CSV report keeps every patient (engine/cli/report_csv.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from engine.cases.validate import Case
from engine.cli.report_csv import csv_report
from engine.cli.report_words import _computed, _input_ref, because_text
from engine.core.model import Model, ParamValue, Strength, choice_key
from engine.evaluate.result import Pending, Recommendation, Result, Verdict
from engine.evaluate.verdicts import pending_groups, verdicts

Pairs = Iterable[tuple[Case, Result]]


def params_text(params: tuple[tuple[str, ParamValue], ...], model: Model | None = None, action: str = "") -> str:
    """``dose: 400 mg/day, timing: Early``: with ``model``, units in their display forms and labelled values."""
    if model is None:
        return ", ".join(f"{name}: {value}" for name, value in params)
    return ", ".join(f"{name}: {model.vocabulary.param(action, name, value)}" for name, value in params)


def strength_text(strength: Strength) -> str:
    return strength.value.replace("_", " ").upper()


def action_text(model: Model, action: str) -> str:
    """``Radiation therapy (radiotherapy)``: the label a clinician reads, and the id a test file uses."""
    decl = model.actions.get(action)
    return f"{decl.label} ({action})" if decl is not None and decl.label else action


def _refs(citations: tuple[int, ...]) -> str:
    nums = ", ".join(str(c) for c in citations)
    return f"ref {nums}" if len(citations) == 1 else f"refs {nums}"


def recommendation_line(model: Model, rec: Recommendation) -> str:
    line = f"{strength_text(rec.strength)} {action_text(model, rec.action)}"
    if rec.params:
        line += f" -- {params_text(rec.params, model, rec.action)}"
    tags = [t for t in (rec.evidence, rec.preference and rec.preference.replace("_", " "),
                        _refs(rec.citations) if rec.citations else None) if t]
    return line + (f"  [{'; '.join(tags)}]" if tags else "")


def _strongest_first(recs: Iterable[Recommendation]) -> list[Recommendation]:
    return sorted(recs, key=lambda r: (r.strength.rank, not r.strength.positive))




def _tags(evidence: Iterable[str], preference: str | None, citations: tuple[int, ...]) -> str:
    tags = [*evidence, *([preference.replace("_", " ")] if preference else []),
            *([_refs(citations)] if citations else [])]
    return f"  [{'; '.join(tags)}]" if tags else ""


def verdict_lines(model: Model, v: Verdict, result: Result) -> Iterator[str]:
    """One verdict: its line (strength, action, merged parameters, clashing parameters, tags), then why: the
    rules behind it by label, the conditions that held as the author wrote them, the notes."""
    if v.conflict:
        sides = "; ".join(f"{strength_text(b.strength)} by {b.rule}" for b in v.rules)
        head = f"CONFLICT {action_text(model, v.action)}: {sides}"
    else:
        assert v.strength is not None
        head = f"{strength_text(v.strength)} {action_text(model, v.action)}"
        shown = [f"{name}: {model.vocabulary.param(v.action, name, value)}" for name, value in v.params]
        for c in result.clashes:
            if c.action == v.action and c.param in v.clashes:
                # the clashing values in the author's words too (labels, unit forms), as every other value here
                shown.append(f"{c.param}: " + " | ".join(
                    f"{model.vocabulary.param(v.action, c.param, value)} ({rule})" for rule, value in c.given)
                    + " [CLASH]")
        for name in v.clashes:  # two adjustments in force that disagree
            given = [(a.rule, x) for a in v.adjusted or () if not a.needs for n, x in a.params if n == name]
            if len(given) > 1:
                shown.append(f"{name}: " + " | ".join(
                    f"{model.vocabulary.param(v.action, name, value)} ({rule})" for rule, value in given) + " [CLASH]")
        if shown:
            head += " -- " + ", ".join(shown)
    yield f"  {head}{_tags(v.evidence, v.preference, v.citations)}\n"
    if v.because:
        yield f"      because {'; '.join(because_text(model, b) for b in v.because)}\n"
    rules = "; ".join(f"{b.label} ({b.rule})" if b.label else b.rule for b in v.rules)
    yield f"      {'rule' if len(v.rules) == 1 else 'rules'}: {rules}\n"
    for a in v.adjusted or ():
        values = ", ".join(f"{name}: {model.vocabulary.param(v.action, name, value)}" for name, value in a.params)
        label = model.rule(a.rule).label
        by = f"{label} ({a.rule})" if label else a.rule
        yield (f"      adjusted by {by}: {values}\n" if not a.needs else
               f"      may be adjusted by {by} ({values}): enter {', '.join(a.needs)} to decide\n")
    for note in v.notes:
        yield f"      note: {note}\n"


def choice_lines(model: Model, alts: list[Verdict], result: Result) -> Iterator[str]:
    """A choice set as one item: ``RECOMMEND one of: A, B (dose: 5 mg), C`` (``one or more of`` for an ``any_of``),
    then why, as for one verdict."""
    first = alts[0]
    assert first.strength is not None
    shown = [(model.actions[w.action].label if w.action in model.actions else None) or w.action for w in alts]
    items = [s + (f" ({params_text(w.params, model, w.action)})" if w.params else "")
             for s, w in zip(shown, alts, strict=True)]
    evidence = dict.fromkeys(e for w in alts for e in w.evidence)
    cites = tuple(dict.fromkeys(c for w in alts for c in w.citations))
    tags = _tags(evidence, next((w.preference for w in alts if w.preference), None), cites)
    words = "one or more of" if first.one_of is not None and choice_key(first.one_of) == "any_of" else "one of"
    yield f"  {strength_text(first.strength)} {words}: {', '.join(items)}{tags}\n"
    lines = list(verdict_lines(model, first, result))
    yield from lines[1:]


def _items(model: Model, pend: Iterable[Pending]) -> str:
    return ", ".join(f"{strength_text(p.strength)} {action_text(model, p.action)}" for p in pend)


def _trace(model: Model, result: Result) -> Iterator[str]:
    """The full trace of ``--explain``: every rule that applies, section by section, with the literals that held
    (lets expanded), its notes and the source sentence it encodes; then the lets that hold."""
    labels = {s.name: s.label or s.name for s in model.sections}
    by_section: dict[str, list[Recommendation]] = {}
    for rec in result.recommendations:
        by_section.setdefault(rec.section, []).append(rec)
    if by_section:
        yield "  Trace (rule by rule):\n"
    order = [s.name for s in model.sections] + sorted(set(by_section) - set(labels))
    for section in order:
        if section not in by_section:
            continue
        yield f"    {labels.get(section, section)}\n"
        for rec in _strongest_first(by_section[section]):
            yield f"      {recommendation_line(model, rec)}\n"
            yield f"        rule {rec.rule}" + (", because:\n" if rec.because else "\n")
            for b in rec.because:
                yield f"          - {because_text(model, b)}\n"
            for note in rec.footnotes:
                yield f"        note: {note}\n"
            if rec.source:
                yield f"        source: \"{rec.source}\"\n"
    true_lets = [name for name, value in result.lets if value is True]
    if true_lets:
        shown = [f"{model.lets[n].label} ({n})" if n in model.lets and model.lets[n].label else n
                 for n in true_lets]
        yield f"  True: {'; '.join(shown)}\n"


def text_case(model: Model, case: Case, result: Result, explain: bool = False) -> Iterator[str]:
    """One case as a clinician reads it: one line per action first (:func:`verdict_lines`), then what the
    guideline leaves open for the patient, the missing data that could still change something (grouped by
    input), the rules set aside, conflicts and clashes. ``explain`` adds the full trace (:func:`_trace`)."""
    head = f"Case {case.id}" + (f": {case.description.strip()}" if case.description else "")
    yield head + "\n"
    if result.values:  # what the guideline computed from the facts: "Stroke risk: high"
        shown = [f"{(model.input_of(n).label or n)}: {_computed(model, n, v)}" for n, v in result.values]
        yield f"  Computed: {'; '.join(shown)}\n"
    actions = result.actions or verdicts(model, result)
    if not actions:
        yield "  No recommendation applies.\n"
    for v in actions:
        if v.one_of is None:
            yield from verdict_lines(model, v, result)
        elif v.action == v.one_of[0]:  # a choice set: one item, at its first alternative given
            yield from choice_lines(model, [w for w in actions if w.one_of == v.one_of], result)
    if result.not_addressed:
        yield "  Not addressed by the guideline:\n"
        for n in result.not_addressed:
            yield f"    {action_text(model, n.action)}" + (f": {n.cover}" if n.cover else "") + "\n"
    for n, needs in result.maybe_not_addressed:
        yield (f"  Not addressed by the guideline, depending on {', '.join(needs)}: "
               f"{action_text(model, n.action)}\n")
    groups = pending_groups(model, result, actions)
    if groups:
        yield "  Pending (more data needed):\n"
        for needs, pend in groups:
            count = len(pend)
            items = f"{count} item{'s' if count != 1 else ''}"
            enter = ", ".join(_input_ref(model, n) for n in needs)
            yield f"    Enter {enter} to decide {items}: {_items(model, pend)}\n"
    if result.overridden:
        yield "  Set aside:\n"
        for o in result.overridden:
            yield (f"    {strength_text(o.strength)} {action_text(model, o.action)} (rule {o.rule}) "
                   f"-- set aside by {', '.join(o.by)}\n")
    if result.conflicts:
        yield "  Conflicts:\n"
        for c in result.conflicts:
            yield (f"    {action_text(model, c.action)}: for ({', '.join(c.positive)}) against "
                   f"({', '.join(c.negative)})\n")
    for t in result.never_together:
        given = " and ".join(action_text(model, a) for a in t.actions)
        yield (f"  NEVER TOGETHER: {given} are {'both' if len(t.actions) == 2 else 'all'} recommended "
               f"(rules {', '.join(t.rules)})" + (f", when {t.when}" if t.when else "") + "\n")
    found = result.clashes
    if found:
        yield "  Clashes (one action, different parameters):\n"
        for k in found:
            values = "; ".join(f"{model.vocabulary.param(k.action, k.param, value)} (rule {rule})"
                               for rule, value in k.given)
            yield f"    {action_text(model, k.action)}: {k.param}: {values}\n"
    if explain:
        yield from _trace(model, result)


def text_report(model: Model, pairs: Pairs, explain: bool = False) -> Iterator[str]:
    """Every case, then the references its ``[ref N]`` tags point to (``explain``: see :func:`text_case`)."""
    first = True
    cited: set[int] = set()
    for case, result in pairs:
        if not first:
            yield "\n"
        first = False
        for rec in result.recommendations:
            cited.update(rec.citations)
        yield from text_case(model, case, result, explain)
    if cited:
        yield "\nReferences:\n"
        for n in sorted(cited):
            yield f"  [{n}] {model.references.get(n, '(not listed in the rules file)')}\n"


def json_report(model: Model, pairs: Pairs) -> Iterator[str]:
    """Exactly ``json.dumps({"guideline": title, "results": [...]}, indent=2, sort_keys=True)``, streamed."""
    yield "{\n" + f'  "guideline": {json.dumps(model.title)},\n' + '  "results": ['
    first = True
    for _, result in pairs:
        body = json.dumps(result.to_dict(), indent=2, sort_keys=True).replace("\n", "\n    ")
        yield ("\n    " if first else ",\n    ") + body
        first = False
    yield ("]" if first else "\n  ]") + "\n}\n"


FORMATS: dict[str, Callable[[Model, Pairs], Iterator[str]]] = {
    "text": text_report, "json": json_report, "csv": csv_report}


class Progress:
    """A one-line progress bar on a terminal stream; silent unless the stream is a TTY and the job is big."""

    def __init__(self, total: int, stream: IO[str] | Any = None, minimum: int = 2000, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.width, self.done, self._shown = total, width, 0, -1
        self.active = total >= minimum and bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self, n: int = 1) -> None:
        self.done += n
        if not self.active:
            return
        percent = 100 * self.done // self.total
        if percent != self._shown:
            self._shown = percent
            filled = self.width * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% "
                              f"{self.done}/{self.total} cases")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()
