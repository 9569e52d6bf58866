"""The CSV report of ``guidegraph run``: one row per recommendation, pending decision, rule set aside, conflict,
parameter clash, adjustment and broken ``never_together`` (the ``status`` column says which), and a ``none`` row
for a patient with none of these (:data:`CSV_COLUMNS`, documented in the README).

Why its own module: the DuckDB path (engine/sql/plan.py) formats each distinct plan with it, so its bytes are the
Python path's by construction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from engine.cases.validate import Case
from engine.core.model import Model
from engine.evaluate.result import Recommendation, Result

Pairs = Iterable[tuple[Case, Result]]

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
