"""The output of ``guidegraph run``: text for a clinician, JSON for programs, CSV for spreadsheets.

Each format is a generator of text chunks over ``(case, result)`` pairs, so a 100,000-patient cohort is written
as it is evaluated without holding every result in memory. :func:`write_output` sends the chunks to a temporary
file first and only then to stdout or to the ``-o`` path (an atomic rename), so nothing is half-printed when
something fails midway. All three formats are deterministic: same rules and cases, same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from engine.cases.validate import Case
from engine.core.model import Model, ParamValue, Strength
from engine.evaluate.result import Recommendation, Result
from engine.fileio.atomic import write_text

Pairs = Iterable[tuple[Case, Result]]


def params_text(params: tuple[tuple[str, ParamValue], ...]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in params)


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
        line += f" -- {params_text(rec.params)}"
    tags = [t for t in (rec.evidence, rec.preference and rec.preference.replace("_", " "),
                        _refs(rec.citations) if rec.citations else None) if t]
    return line + (f"  [{'; '.join(tags)}]" if tags else "")


def _strongest_first(recs: Iterable[Recommendation]) -> list[Recommendation]:
    return sorted(recs, key=lambda r: (r.strength.rank, not r.strength.positive))


def text_case(model: Model, case: Case, result: Result) -> Iterator[str]:
    """One case as a clinician reads it."""
    head = f"Case {case.id}" + (f": {case.description.strip()}" if case.description else "")
    yield head + "\n"
    labels = {s.name: s.label or s.name for s in model.sections}
    by_section: dict[str, list[Recommendation]] = {}
    for rec in result.recommendations:
        by_section.setdefault(rec.section, []).append(rec)
    if not by_section:
        yield "  No recommendation applies.\n"
    order = [s.name for s in model.sections] + sorted(set(by_section) - set(labels))
    for section in order:
        if section not in by_section:
            continue
        yield f"  {labels.get(section, section)}\n"
        for rec in _strongest_first(by_section[section]):
            yield f"    {recommendation_line(model, rec)}\n"
            yield f"      rule {rec.rule}" + (", because:\n" if rec.because else "\n")
            for b in rec.because:
                yield f"        - {b}\n"
    if result.overridden:
        yield "  Set aside:\n"
        for o in result.overridden:
            yield (f"    {strength_text(o.strength)} {action_text(model, o.action)} (rule {o.rule}) "
                   f"-- set aside by {', '.join(o.by)}\n")
    if result.pending:
        yield "  Pending (more data needed):\n"
        for p in result.pending:
            yield (f"    {strength_text(p.strength)} {action_text(model, p.action)} (rule {p.rule}) "
                   f"-- needs: {', '.join(p.needs)}\n")
    if result.conflicts:
        yield "  Conflicts:\n"
        for c in result.conflicts:
            yield (f"    {action_text(model, c.action)}: for ({', '.join(c.positive)}) against "
                   f"({', '.join(c.negative)})\n")
    true_lets = [name for name, value in result.lets if value is True]
    if true_lets:
        shown = [f"{model.lets[n].label} ({n})" if n in model.lets and model.lets[n].label else n
                 for n in true_lets]
        yield f"  True: {'; '.join(shown)}\n"


def text_report(model: Model, pairs: Pairs) -> Iterator[str]:
    first = True
    for case, result in pairs:
        if not first:
            yield "\n"
        first = False
        yield from text_case(model, case, result)


def json_report(model: Model, pairs: Pairs) -> Iterator[str]:
    """Exactly ``json.dumps({"guideline": title, "results": [...]}, indent=2, sort_keys=True)``, streamed."""
    yield "{\n" + f'  "guideline": {json.dumps(model.title)},\n' + '  "results": ['
    first = True
    for _, result in pairs:
        body = json.dumps(result.to_dict(), indent=2, sort_keys=True).replace("\n", "\n    ")
        yield ("\n    " if first else ",\n    ") + body
        first = False
    yield ("]" if first else "\n  ]") + "\n}\n"


CSV_COLUMNS = ("case", "section", "action", "strength", "rule", "params", "evidence", "citations")


def csv_report(model: Model, pairs: Pairs) -> Iterator[str]:
    """One row per (case, recommendation).

    Everything in a row but the case id is fixed by the rule entry, so it is formatted once per entry (looked up
    by rule and action, then checked field by field) and each row is the case id joined to that text;
    the bytes are exactly those of ``csv.writer`` writing every row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    out: list[str] = [buf.getvalue()]
    size = 0
    static: dict[tuple[str, str], list[tuple[Recommendation, str]]] = {}

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
                         ", ".join(str(c) for c in rec.citations)))
        known.append((rec, text))
        return text

    for case, result in pairs:
        recs = result.recommendations
        if not recs:
            continue
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


FORMATS: dict[str, Callable[[Model, Pairs], Iterator[str]]] = {
    "text": text_report, "json": json_report, "csv": csv_report}


def write_output(chunks: Iterable[str], out: str | None) -> None:
    """Write everything to ``out`` in one step (:func:`engine.fileio.atomic.write_text`), or to stdout only once it is
    all produced (spooled in a temporary file), so a failure half-way prints nothing."""
    if out:
        write_text(out, chunks)
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as f:
        for chunk in chunks:
            f.write(chunk)
        f.seek(0)
        sys.stdout.flush()
        shutil.copyfileobj(f, sys.stdout)
        sys.stdout.flush()


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
