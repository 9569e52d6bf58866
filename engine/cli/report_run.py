"""The output of ``guidegraph run``: text for a clinician, JSON for programs, CSV for spreadsheets.

Each format is a generator of text chunks over ``(case, result)`` pairs, so a 100,000-patient cohort is written
as it is evaluated without holding every result in memory. :func:`engine.cli.support.write_output` sends the
chunks to a temporary file first and only then to stdout or to the ``-o`` path (an atomic rename), so nothing is
half-printed when something fails midway. All three formats are deterministic: same rules and cases, same bytes.

The CSV report keeps every patient: one row per recommendation, pending decision, rule set aside, conflict and
parameter clash (the ``status`` column says which), and a ``none`` row for a patient with none of these
(:data:`CSV_COLUMNS`, documented in the README).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from engine.cases.validate import Case
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


CSV_COLUMNS = ("case", "section", "action", "strength", "rule", "params", "evidence", "citations", "status",
               "detail")
"""The CSV report's columns. ``status`` is ``applies`` (a recommendation: the rule applies to the patient),
``pending`` (the rule's decision needs more data: ``detail`` names the inputs), ``overridden`` (set aside:
``detail`` names the rules that did it), ``conflict`` (``rule`` lists the rules for and against; ``strength`` is
empty), ``clash`` (one parameter given different values: ``params`` holds them rule by rule), ``adjusted`` (an
``adjust`` of the action's verdict: ``rule`` is the adjusting rule, ``params`` the values it sets, which replace
those of the action's ``applies`` rows; ``detail`` is empty when it is in force, ``needs: ...`` when the missing
inputs decide whether it is), ``never_together`` (a constraint broken: ``action`` lists the actions given
together, ``rule`` the rules giving them, ``detail`` the constraint's ``when``) or ``none`` (the patient has no
row of any other kind: no rule speaks about them)."""


def _extra_rows(head: str, result: Result, memo: dict[tuple[str, str, str, tuple[str, ...]], str]) -> Iterator[str]:
    """The rows of a patient besides its recommendations; ``memo`` keeps the text of pending and overridden rows
    after the case id (a cohort repeats the same few)."""
    for p in result.pending:
        key = ("p", p.rule, p.action, p.needs)
        text = memo.get(key)
        if text is None:
            text = memo[key] = _csv_row(("", "", p.action, p.strength.value, p.rule, "", "", "", "pending",
                                         "needs: " + ", ".join(p.needs)))
        yield head + text
    for o in result.overridden:
        key = ("o", o.rule, o.action, o.by)
        text = memo.get(key)
        if text is None:
            text = memo[key] = _csv_row(("", "", o.action, o.strength.value, o.rule, "", "", "", "overridden",
                                         "by: " + ", ".join(o.by)))
        yield head + text
    for c in result.conflicts:
        yield head + _csv_row(("", "", c.action, "", ", ".join((*c.positive, *c.negative)), "", "", "", "conflict",
                               f"for: {', '.join(c.positive)}; against: {', '.join(c.negative)}"))
    for k in result.clashes:
        yield head + _csv_row(("", "", k.action, "", ", ".join(rule for rule, _ in k.given),
                               "; ".join(f"{k.param}: {value} ({rule})" for rule, value in k.given), "", "",
                               "clash", f"{k.param} differs"))


def _adjusted_rows(head: str, result: Result) -> Iterator[str]:
    """A patient's ``adjusted`` rows, and a ``clash`` row for each parameter two adjustments in force set
    differently (guidelines with adjustments only: it reads the verdicts). Why in the CSV: its ``applies`` rows
    carry each rule's own values, so without these a reader of the CSV alone would see the unadjusted dose."""
    for v in result.actions:
        for a in v.adjusted or ():
            yield head + _csv_row(("", "", v.action, "" if v.strength is None else v.strength.value, a.rule,
                                   "; ".join(f"{n}: {x}" for n, x in a.params), "", "", "adjusted",
                                   "needs: " + ", ".join(a.needs) if a.needs else ""))
        for name in v.clashes:
            given = [(a.rule, x) for a in v.adjusted or () if not a.needs for n, x in a.params if n == name]
            if len(given) > 1:
                yield head + _csv_row(("", "", v.action, "", ", ".join(rule for rule, _ in given),
                                       "; ".join(f"{name}: {x} ({rule})" for rule, x in given), "", "", "clash",
                                       f"{name} differs"))


def _together_rows(head: str, result: Result) -> list[str]:
    """A patient's ``never_together`` rows: each constraint broken, with the actions given and the rules that give
    them (guidelines with constraints only: it reads the verdicts and the facts)."""
    return [head + _csv_row(("", "", ", ".join(t.actions), "", ", ".join(t.rules), "", "", "", "never_together",
                             f"when: {t.when}" if t.when else "")) for t in result.never_together]


def adjust_clashes(result: Result) -> bool:
    """Whether two adjustments in force set one parameter of a verdict differently (a finding, like a clash)."""
    return any(len([1 for a in v.adjusted or () if not a.needs for n, _ in a.params if n == name]) > 1
               for v in result.actions for name in v.clashes)


def csv_report(model: Model, pairs: Pairs) -> Iterator[str]:
    """One row per (case, recommendation), then the case's pending, overridden, conflict and clash rows, then its
    adjusted rows (guidelines with adjustments), or one ``none`` row (see :data:`CSV_COLUMNS`).

    Everything in a recommendation row but the case id is fixed by the rule entry, so it is formatted once per
    entry (looked up by rule and action, then checked field by field) and each row is the case id joined to that
    text; the bytes are exactly those of ``csv.writer`` writing every row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    out: list[str] = [buf.getvalue()]
    size = 0
    static: dict[tuple[str, str], list[tuple[Recommendation, str]]] = {}
    memo: dict[tuple[str, str, str, tuple[str, ...]], str] = {}

    def tail(rec: Recommendation) -> str:
        """The row after the case id, from ``,`` to the line end."""
        known = static.setdefault((rec.rule, rec.action), [])
        for seen, text in known:
            if (seen.strength is rec.strength and (seen.params is rec.params or seen.params == rec.params)
                    and seen.evidence == rec.evidence
                    and seen.citations == rec.citations and seen.section == rec.section):
                return text
        text = _csv_row(("", rec.section, rec.action, rec.strength.value, rec.rule,
                         "; ".join(f"{n}: {v}" for n, v in rec.params), rec.evidence or "",
                         ", ".join(str(c) for c in rec.citations), "applies", ""))
        known.append((rec, text))
        return text

    for case, result in pairs:
        recs = result.recommendations
        cid = case.id
        head = cid if cid and not _CSV_SPECIAL.intersection(cid) else _csv_row((cid, ""))[:-2]
        for rec in recs:
            text = None
            for seen, t in static.get((rec.rule, rec.action), ()):  # (the strength's hash is Python code: slow)
                if (seen.strength is rec.strength and seen.params is rec.params and seen.evidence == rec.evidence
                        and seen.citations == rec.citations and seen.section == rec.section):
                    text = t
                    break
            if text is None:
                text = tail(rec)
            out.append(head)
            out.append(text)
            size += len(text)
        adjusted = list(_adjusted_rows(head, result)) if model.adjustments else []
        if model.together:
            adjusted += _together_rows(head, result)
        if result.pending or result.overridden or result.conflicts or len(recs) > 1:
            for row in _extra_rows(head, result, memo):
                out.append(row)
                size += len(row)
        elif not recs and not adjusted:
            out.append(head + _NONE_ROW)
        for row in adjusted:
            out.append(row)
            size += len(row)
        if size > 1 << 16:
            yield "".join(out)
            out.clear()
            size = 0
    yield "".join(out)


_CSV_SPECIAL = frozenset(',"\r\n')
"""Characters that make ``csv.writer`` quote a field (with our delimiter, quote character and line end)."""


def _csv_row(cells: tuple[str, ...]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


_NONE_ROW = ",,,,,,,,none,\n"
"""The row of a patient with nothing to report, after the case id."""

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
