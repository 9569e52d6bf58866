"""The forms of an audit: a text table, JSON (:meth:`engine.audit.tally.Audit.to_dict`) and one HTML page.

Why "received" beside the counts: the question an auditor asks ("what share of the patients this rule applies to
received the action?") is ``given / (given + not_given)``; patients whose cell was not recorded are left out of
that share, not counted as untreated. It is shown in text and HTML only: JSON keeps the counts it is made from.

Discordant rows can be many: text and HTML list the first ``limit`` of them and say how many more there are
(``--limit 0`` lists all); JSON always lists all.

The HTML page is self-contained, as ``guidegraph report``'s is: every text from the rules or the cohort is escaped,
no script, nothing loaded (a Content-Security-Policy that forbids every fetch).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Sequence

from engine.audit.tally import Audit

RULE_HEAD = ("rule", "action", "strength", "active", "given", "not given", "not recorded", "received",
             "concordant", "discordant", "pending")
ACTION_HEAD = ("action", "column", "active", "positive", "negative", "conflict", "given", "not given",
               "not recorded", "received", "concordant", "discordant", "pending")
ROW_HEAD = ("row", "case", "rule", "action", "strength", "column")


def received(c: dict[str, int]) -> str:
    recorded = c["given"] + c["not_given"]
    return f"{100 * c['given'] / recorded:.1f}%" if recorded else "-"


def _n(v: int) -> str:
    return f"{v:,}"


def rule_rows(audit: Audit) -> list[tuple[str, ...]]:
    return [(r, a, s, _n(c["active"]), _n(c["given"]), _n(c["not_given"]), _n(c["not_recorded"]), received(c),
             _n(c["concordant"]), _n(c["discordant"]), _n(c["pending"])) for (r, a, s), c in audit.rules.items()]


def action_rows(audit: Audit) -> list[tuple[str, ...]]:
    columns = {g.action: g.column for g in audit.given}
    return [(a, columns[a], *(_n(c[k]) for k in ("active", "positive", "negative", "conflict", "given",
                                                  "not_given", "not_recorded")), received(c),
             _n(c["concordant"]), _n(c["discordant"]), _n(c["pending"])) for a, c in audit.actions.items()]


def discordant_rows(audit: Audit, limit: int) -> list[tuple[str, ...]]:
    shown = audit.discordant if limit <= 0 else audit.discordant[:limit]
    return [(str(d.row), d.case, d.rule, d.action, d.strength, d.column) for d in shown]


def summary(audit: Audit) -> str:
    skipped = f" ({audit.skipped:,} rows skipped: see the errors above)" if audit.skipped else ""
    given = ", ".join(f"{g.column} -> {g.action}" for g in audit.given)
    return f"{audit.patients:,} patients audited{skipped}; given columns: {given}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> Iterator[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i >= numeric_from else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip() + "\n"

    yield line(head)
    yield line(["-" * w for w in widths])
    for r in rows:
        yield line(r)


def more(audit: Audit, limit: int) -> int:
    return max(0, len(audit.discordant) - limit) if limit > 0 else 0


def text_report(audit: Audit, limit: int = 100) -> Iterator[str]:
    yield f"Concordance audit: {audit.model.title}\n{summary(audit)}\n"
    if audit.not_audited:
        yield f"Not audited (no given column): {', '.join(audit.not_audited)}\n"
    yield "\nBy action (the final verdict per patient)\n"
    yield from _table(ACTION_HEAD, action_rows(audit), 2)
    yield "\nBy rule (each entry of a rule on an audited action)\n"
    yield from _table(RULE_HEAD, rule_rows(audit), 3)
    n = len(audit.discordant)
    yield (f"\nDiscordant rows: {n:,}, {audit.discordant_patients:,} patients (given an action an active rule "
           "advises against; one row per rule)\n")
    if n:
        yield from _table(ROW_HEAD, discordant_rows(audit, limit), 99)
        if more(audit, limit):
            yield f"... and {more(audit, limit):,} more (--limit 0 lists them all; --format json always does)\n"


def json_report(audit: Audit) -> Iterator[str]:
    yield json.dumps(audit.to_dict(), indent=2, sort_keys=True) + "\n"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


CSS = """body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p{margin:4px 0}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
th{background:#f3f5f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.bad{background:#ffebe9;color:#82071e;font-weight:600}.muted{color:#57606a}
.pos{color:#0a6b2b}.neg{color:#a40e26}code{font-size:13px}"""


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int, bad: int = -1) -> str:
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>")
        for i, c in enumerate(r):
            cls = "n" if i >= numeric_from else ""
            if i == bad and c not in ("0", "-"):
                cls += " bad"
            out.append(f'<td class="{cls.strip()}">{esc(c)}</td>' if cls else f"<td>{esc(c)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>\n")
    return "".join(out)


def html_report(audit: Audit, cohort: str, limit: int = 100) -> Iterator[str]:
    model = audit.model
    title = model.title + (f" (version {model.version})" if model.version else "")
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           f"<title>{esc(title)}: concordance audit</title>\n<style>{CSS}</style>\n</head>\n<body>\n")
    yield f"<h1>Concordance audit: {esc(title)}</h1>\n<p>Cohort <code>{esc(cohort)}</code>: {esc(summary(audit))}</p>\n"
    if audit.not_audited:
        yield f'<p class="muted">Not audited (no given column): {esc(", ".join(audit.not_audited))}</p>\n'
    yield ('<p class="muted">Received: given / (given + not given); a cell left empty is not recorded, which is '
           "not counted as not given. Concordant: a positive strength (must, recommend, consider) and given; "
           "discordant: a strong negative (not_recommended, never) and given; a weak negative (may_omit) given is "
           "neither.</p>\n")
    yield "<h2>By action (the final verdict per patient)</h2>\n"
    yield _html_table(ACTION_HEAD, action_rows(audit), 2, bad=11)
    yield "<h2>By rule</h2>\n"
    yield _html_table(RULE_HEAD, rule_rows(audit), 3, bad=9)
    n = len(audit.discordant)
    yield f"<h2>Discordant rows ({n:,}; {audit.discordant_patients:,} patients)</h2>\n"
    if n:
        yield _html_table(ROW_HEAD, discordant_rows(audit, limit), 99)
        if more(audit, limit):
            yield (f'<p class="muted">... and {more(audit, limit):,} more, not listed here (--limit 0 lists them '
                   "all; --format json always does).</p>\n")
    else:
        yield '<p class="muted">None.</p>\n'
    yield "</body>\n</html>\n"
