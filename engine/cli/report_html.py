"""The HTML report of ``guidegraph report``: one self-contained page for people to read.

Per case: the verdicts (one per action), the actions the guideline leaves open for the patient, the missing data
that could still change something, the rules set aside, and the flowchart of each section the patient's decisions
come from with the patient's path highlighted (inline SVG laid out by ``dot``, cut into the pages ``render --page a4``
prints, so that every page's text is as large on screen as on paper, each "see p. N" connector a link to its
page); then the guideline's check findings,
the cases' rule coverage and the references. A table of contents links every case (anchors ``case-1``, ...), and a
print style sheet starts each case on a new page.

Security (the design's contract): every text that comes from the rules or the case files is escaped
(:func:`html.escape`), the page has no script, loads nothing (inline CSS, system fonts, inline SVG) and says so
with a Content-Security-Policy that forbids every fetch; the SVG that ``dot`` writes is checked for anything
active (:func:`inline_svg`) before it is inlined.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from dsl.diagnostics import Diagnostic
from engine.cases.coverage import Coverage
from engine.cases.validate import Case
from engine.cli.report_run import strength_text
from engine.cli.report_words import because_text
from engine.core.model import Model, choice_key
from engine.core.semantics import truth
from engine.core.values import fact_text
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result, Verdict
from engine.evaluate.verdicts import pending_groups, verdicts


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True, slots=True)
class Figure:
    """One section's flowchart: its title and its pages as inline SVG (:func:`inline_svg`), page ``n`` of the
    ``j``-th figure of case ``k`` shown with the id ``figure_anchor(k, j) + f"p{n}"``, which its connectors
    ("see p. n", drawn with ``href="#pn"``) link to."""

    title: str
    pages: tuple[str, ...]


def figure_anchor(k: int, j: int) -> str:
    """The prefix of the ids of case ``k``'s ``j``-th figure: each page's SVG ids start with it (several
    figures share one HTML page, so ``dot``'s ids must be made unique) and its pages are ``{prefix}p1``, ..."""
    return f"c{k}f{j}-"


@dataclass(frozen=True, slots=True)
class CaseReport:
    """One case of the page: its result, its figures and, for a case with ``expect:``, its unmet expectations
    (None: no expectations)."""

    case: Case
    result: Result
    figures: tuple[Figure, ...] = ()
    failures: tuple[str, ...] | None = None


def figure_sections(guideline: Guideline, case: Case, result: Result) -> list[str]:
    """The sections to draw for a case: those with a diagram, that the case may enter, and that decide something
    for it (a rule applies, is pending or set aside there, or a cover of it is not addressed)."""
    model = guideline.model
    rules = {r.name: r.section for r in model.rules}
    applied = [r.rule for r in result.recommendations] + [p.rule for p in result.pending] + [
        o.rule for o in result.overridden]
    touched = {rules.get(name) for name in applied}
    touched |= {n.section for n in result.not_addressed} | {n.section for n, _ in result.maybe_not_addressed}
    return [s.name for s in model.sections if s.name in guideline.roots and s.name in touched
            and truth(s.guard, model.lets, case.facts) is not False]


_ACTIVE = re.compile(r"<\s*(script|foreignObject|iframe|object|embed|image|use)\b|\son\w+\s*=|javascript:|"
                     r"\b(?:xlink:)?href\s*=\s*\"(?!#)", re.IGNORECASE)


class UnsafeSvg(ValueError):
    """The SVG holds something active (a script, an event handler, a link out): not inlined."""


def inline_svg(svg: str, prefix: str, links: str | None = None) -> str:
    """``dot``'s SVG document as an element to inline: the XML prolog dropped, every id prefixed with ``prefix``
    so that several figures (and pages) can share a page, and every in-page link (``href="#x"``: a connector's
    page) with ``links`` (default ``prefix``). Shown at its printed size (:data:`SCREEN_ZOOM`), never wider than
    the column. Raises :class:`UnsafeSvg`."""
    start = svg.find("<svg")
    if start < 0:
        raise UnsafeSvg("no <svg> element in dot's output")
    body = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL)
    if _ACTIVE.search(body):
        raise UnsafeSvg("the SVG holds an active element or attribute")
    body = re.sub(r'\bid="', f'id="{prefix}', body)
    body = re.sub(r'(href=")#', rf"\1#{prefix if links is None else links}", body)
    body = body.replace("url(#", f"url(#{prefix}")
    # the page's printed size in CSS pixels (the viewBox keeps its proportions; max-width: 100% in the CSS)
    size = re.match(r'<svg width="([\d.]+)pt" height="[\d.]+pt"', body)
    width = round(float(size.group(1)) * 4 / 3 * SCREEN_ZOOM) if size else 900
    rest = body[size.end():] if size else body.removeprefix("<svg")
    return f'<svg role="img" class="flow" style="width: {width}px"' + rest


SCREEN_ZOOM = 1.0
"""How much larger than printed a page is shown on screen (1 pt is 4/3 CSS px): at 1 a box's 11 pt text reads at
15 px, the page's own body size, and its smallest (8 pt footnotes) at 11 px. Pages are cut for a printed width
(17 cm, 640 px), so every page fits the column at full size and none is blown up or shrunk to fit."""


CSS = """
:root { --ink: #1d2733; --muted: #5b6673; --rule: #d8dde3; --bg: #ffffff; --soft: #f5f7f9; --path: #d35400; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); }
header.page { padding: 20px 32px 12px; border-bottom: 3px solid var(--ink); }
header.page h1 { margin: 0 0 4px; font-size: 24px; }
header.page p { margin: 0; color: var(--muted); }
.layout { display: grid; grid-template-columns: 260px 1fr; }
nav.toc { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 16px 16px 24px 24px;
  border-right: 1px solid var(--rule); background: var(--soft); font-size: 13px; }
nav.toc h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 8px 0; }
nav.toc ol { margin: 0; padding-left: 20px; }
nav.toc li { margin: 2px 0; }
nav.toc a { color: var(--ink); text-decoration: none; word-break: break-word; }
nav.toc a:hover { text-decoration: underline; }
nav.toc .counts { color: var(--muted); }
main { padding: 8px 32px 48px; min-width: 0; }
section.case, section.part { border-bottom: 1px solid var(--rule); padding: 16px 0 24px; }
h2 { font-size: 20px; margin: 8px 0 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.desc { margin: 0 0 6px; }
.facts { color: var(--muted); font-size: 13px; margin: 0; }
.facts code, td code, li code { font-size: 12px; background: var(--soft); padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--rule); }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.badge { display: inline-block; min-width: 11.5em; white-space: nowrap; padding: 2px 8px; border-radius: 4px;
  font-size: 12px; font-weight: 700; letter-spacing: .03em; color: #fff; text-align: center; }
.s-must .badge, .s-recommend .badge { background: #1e7d45; }
.s-consider .badge { background: #2c6fbb; }
.s-may_omit .badge { background: #8a6d3b; }
.s-not_recommended .badge { background: #c0661a; }
.s-never .badge { background: #b3261e; }
.s-conflict .badge { background: #6a1b9a; }
.params { margin: 2px 0; }
ul.choice { margin: 2px 0 4px; padding-left: 1.2em; }
div.choice { font-weight: 600; }
.tags { color: var(--muted); font-size: 13px; }
.why { font-size: 13px; color: var(--muted); margin-top: 2px; }
ul.notes { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
.clash { color: #b3261e; font-weight: 600; }
.open li { margin-bottom: 4px; }
.fail { color: #b3261e; font-weight: 600; }
.pass { color: #1e7d45; font-weight: 600; }
figure { margin: 8px 0 16px; }
figcaption { font-size: 13px; color: var(--muted); margin-bottom: 4px; }
figcaption .key { color: var(--path); font-weight: 700; }
svg.flow { max-width: 100%; height: auto; display: block; }
figure.page { margin: 4px 0 20px; scroll-margin-top: 8px; }
figure.page:target figcaption { background: #fff3e6; }
.pages { color: var(--muted); font-size: 13px; margin: 0 0 4px; }
.pages a { color: var(--ink); }
.sev-error { color: #b3261e; font-weight: 600; }
.sev-warning { color: #c0661a; font-weight: 600; }
.sev-note { color: var(--muted); font-weight: 600; }
.none { color: var(--muted); font-style: italic; }
@media (max-width: 900px) { .layout { display: block; } nav.toc { position: static; max-height: none;
  border-right: 0; } }
@media print {
  body { font-size: 11pt; }
  .layout { display: block; }
  nav.toc { position: static; max-height: none; border: 0; background: none; break-after: page; }
  section.case, section.part { break-before: page; border: 0; }
  tr, li, figure { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _label(model: Model, action: str) -> str:
    decl = model.actions.get(action)
    return esc(decl.label if decl is not None and decl.label else action)


def _action(model: Model, action: str) -> str:
    return f"<b>{_label(model, action)}</b> <code>{esc(action)}</code>"


def _refs(citations: Iterable[int]) -> str:
    nums = [f'<a href="#ref-{n}">{n}</a>' for n in citations]
    return ("ref " if len(nums) == 1 else "refs ") + ", ".join(nums) if nums else ""


def _choice_row(model: Model, alts: Sequence[Verdict], result: Result) -> str:
    """A choice set as one row, as the text report and the figures show it: "one of" (or "one or more of") and
    the alternatives given, each with its parameters; then the evidence and why, as for one verdict."""
    first = alts[0]
    words = "one or more of" if first.one_of is not None and choice_key(first.one_of) == "any_of" else "one of"
    items = "".join(
        f"<li>{_action(model, w.action)}"
        + ("".join(f'<div class="params">{esc(n)}: {esc(model.vocabulary.param(w.action, n, x))}</div>'
                   for n, x in w.params)) + "</li>" for w in alts)
    merged = dataclasses.replace(first, evidence=tuple(dict.fromkeys(e for w in alts for e in w.evidence)),
                                 citations=tuple(dict.fromkeys(c for w in alts for c in w.citations)))
    return _verdict_row(model, merged, result, f'<div class="choice">{words}:</div><ul class="choice">{items}</ul>')


def _verdict_row(model: Model, v: Verdict, result: Result, head: str | None = None) -> str:
    kind = "conflict" if v.conflict or v.strength is None else v.strength.value
    badge = "CONFLICT" if kind == "conflict" else strength_text(v.strength) if v.strength else ""
    parts = [_action(model, v.action) if head is None else head]
    params = [] if head is not None else [
        f"{esc(name)}: {esc(model.vocabulary.param(v.action, name, value))}" for name, value in v.params]
    for c in result.clashes:
        if c.action == v.action and c.param in v.clashes:
            given = " | ".join(f"{esc(value)} ({esc(rule)})" for rule, value in c.given)
            params.append(f'<span class="clash">{esc(c.param)}: {given} (clash)</span>')
    if params:
        parts.append(f'<div class="params">{"; ".join(params)}</div>')
    tags = [esc(e) for e in v.evidence] + ([esc(v.preference.replace("_", " "))] if v.preference else [])
    if v.citations:
        tags.append(_refs(v.citations))
    if tags:
        parts.append(f'<div class="tags">{"; ".join(tags)}</div>')
    why = []
    if v.conflict:
        why.append("rules of both polarities apply: " + "; ".join(
            f"{esc(strength_text(b.strength))} by <code>{esc(b.rule)}</code>" for b in v.rules))
    if v.because:
        why.append("because " + "; ".join(esc(because_text(model, b)) for b in v.because))
    rules = "; ".join(f"{esc(b.label)} (<code>{esc(b.rule)}</code>)" if b.label else f"<code>{esc(b.rule)}</code>"
                      for b in v.rules)
    why.append(("rule: " if len(v.rules) == 1 else "rules: ") + rules)
    for a in v.adjusted or ():  # adjustments: the values above are theirs where in force
        label = model.rule(a.rule).label
        by = f"{esc(label)} (<code>{esc(a.rule)}</code>)" if label else f"<code>{esc(a.rule)}</code>"
        values = ", ".join(f"{esc(n)}: {esc(model.vocabulary.param(v.action, n, x))}" for n, x in a.params)
        why.append(f"adjusted by {by}: {values}" if not a.needs else
                   f"may be adjusted by {by} ({values}): enter {esc(', '.join(a.needs))} to decide")
    parts.append("".join(f'<div class="why">{w}</div>' for w in why))
    if v.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in v.notes) + "</ul>")
    return (f'<tr class="verdict s-{kind}" data-action="{esc(v.action)}"><td><span class="badge">{esc(badge)}'
            f'</span></td><td>{"".join(parts)}</td></tr>')




def _facts(model: Model, case: Case) -> str:
    words = model.vocabulary  # the case's names as a case file writes them; a value with a label in its words
    shown = [f"<code>{esc(name)} = {esc(words.label(name, case.facts[name]) or fact_text(case.facts[name]))}</code>"
             for name in model.inputs if name in case.facts]
    return f'<p class="facts">Facts: {" ".join(shown) if shown else "none given"}</p>'


def case_section(model: Model, k: int, item: CaseReport) -> Iterator[str]:
    case, result = item.case, item.result
    actions = result.actions or verdicts(model, result)
    yield f'<section class="case" id="case-{k}" data-case="{esc(case.id)}">\n'
    yield f'<h2>Case <span class="case-id">{esc(case.id)}</span></h2>\n'
    if case.description:
        yield f'<p class="desc">{esc(case.description.strip())}</p>\n'
    yield _facts(model, case) + "\n"
    if item.failures is not None:
        yield ('<p class="pass">Expectations: all met</p>\n' if not item.failures else
               '<p class="fail">Expectations not met:</p><ul>' +
               "".join(f"<li>{esc(f)}</li>" for f in item.failures) + "</ul>\n")
    yield "<h3>Verdicts</h3>\n"
    if actions:
        yield '<table class="verdicts"><tbody>\n'
        for v in actions:
            if v.one_of is None:
                yield _verdict_row(model, v, result) + "\n"
            elif v.action == v.one_of[0]:  # a choice set: one row, at its first alternative given
                yield _choice_row(model, [w for w in actions if w.one_of == v.one_of], result) + "\n"
        yield "</tbody></table>\n"
    else:
        yield '<p class="none">No recommendation applies.</p>\n'
    if result.not_addressed or result.maybe_not_addressed:
        yield '<h3>Not addressed by the guideline</h3>\n<ul class="open not-addressed">\n'
        for n in result.not_addressed:
            yield f"<li>{_action(model, n.action)}" + (f": {esc(n.cover)}" if n.cover else "") + "</li>\n"
        for n, needs in result.maybe_not_addressed:
            yield (f"<li>{_action(model, n.action)}, depending on {esc(', '.join(needs))}"
                   + (f": {esc(n.cover)}" if n.cover else "") + "</li>\n")
        yield "</ul>\n"
    groups = pending_groups(model, result, actions)
    if groups:
        yield '<h3>Data that would change the answer</h3>\n<ul class="open pending">\n'
        for needs, pend in groups:
            names = ", ".join(f"<b>{esc(n)}</b>" for n in needs)
            items = ", ".join(f"{esc(strength_text(p.strength))} {_label(model, p.action)}" for p in pend)
            yield f"<li>Enter {names} to decide {len(pend)} item{'s' if len(pend) != 1 else ''}: {items}</li>\n"
        yield "</ul>\n"
    if result.overridden:
        yield '<h3>Set aside</h3>\n<ul class="open">\n'
        for o in result.overridden:
            by = ", ".join(f"<code>{esc(b)}</code>" for b in o.by)
            yield (f"<li>{esc(strength_text(o.strength))} {_label(model, o.action)} (<code>{esc(o.rule)}</code>): "
                   f"set aside by {by}</li>\n")
        yield "</ul>\n"
    if item.figures:
        yield f'<h3 id="case-{k}-flowchart">Flowchart</h3>\n'
        for j, fig in enumerate(item.figures, 1):
            yield from _figure(k, j, fig)
    yield "</section>\n"


def _figure(k: int, j: int, fig: Figure) -> Iterator[str]:
    """A section's pages, each a ``<figure>`` its connectors link to; a figure of several pages lists them."""
    anchor = figure_anchor(k, j)
    key = '<span class="key">the patient\'s path</span> is drawn in orange, the rest in grey'
    total = len(fig.pages)
    if total > 1:
        links = ", ".join(f'<a href="#{anchor}p{n}">p. {n}</a>' for n in range(1, total + 1))
        yield (f'<p class="pages">{esc(fig.title)}: {total} pages ({links}); a &ldquo;see p. N&rdquo; box leads '
               "to its page.</p>\n")
    for n, svg in enumerate(fig.pages, 1):
        caption = f"{esc(fig.title)}" + (f", p. {n} of {total}" if total > 1 else "") + f": {key}."
        yield f'<figure class="page" id="{anchor}p{n}"><figcaption>{caption}</figcaption>\n{svg}\n</figure>\n'


def _counts(item: CaseReport) -> str:
    res = item.result
    parts = [f"{len(res.actions)} action{'s' if len(res.actions) != 1 else ''}"]
    if res.not_addressed:
        parts.append(f"{len(res.not_addressed)} not addressed")
    if res.conflicts or res.clashes:
        parts.append("conflict" if res.conflicts else "clash")
    if item.failures:
        parts.append("expectations not met")
    return ", ".join(parts)


def page(guideline: Guideline, items: Sequence[CaseReport], findings: Sequence[Diagnostic], cov: Coverage,
         rules_file: str) -> Iterator[str]:
    """The whole page, in chunks."""
    model = guideline.model
    title = model.title + (f" (version {model.version})" if model.version else "")
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           f"<title>{esc(title)}: report</title>\n<style>{CSS}</style>\n</head>\n<body>\n")
    yield (f'<header class="page"><h1>{esc(title)}</h1><p>{len(items)} case{"s" if len(items) != 1 else ""} '
           f"evaluated against <code>{esc(rules_file)}</code>. Verdicts come first, one per action; "
           "&ldquo;not addressed&rdquo; means the guideline is silent, not that the action is not indicated."
           "</p></header>\n")
    yield '<div class="layout">\n<nav class="toc" aria-label="Contents"><h2>Cases</h2><ol>\n'
    for k, item in enumerate(items, 1):
        yield (f'<li><a href="#case-{k}">{esc(item.case.id)}</a> <span class="counts">({esc(_counts(item))})'
               "</span></li>\n")
    yield ('</ol><h2>Guideline</h2><ol><li><a href="#checks">Check findings</a></li>'
           '<li><a href="#coverage">Test coverage</a></li><li><a href="#references">References</a></li></ol>'
           "</nav>\n<main>\n")
    for k, item in enumerate(items, 1):
        yield from case_section(model, k, item)
    yield from _guideline_parts(model, findings, cov)
    yield "</main>\n</div>\n</body>\n</html>\n"


def _guideline_parts(model: Model, findings: Sequence[Diagnostic], cov: Coverage) -> Iterator[str]:
    yield '<section class="part" id="checks"><h2>Check findings</h2>\n'
    if findings:
        yield "<table><thead><tr><th>Code</th><th>Finding</th><th>Line</th></tr></thead><tbody>\n"
        for d in findings:
            line = d.span.line if d.span else ""
            yield (f'<tr><td class="sev-{esc(d.severity)}">{esc(d.code)} {esc(d.severity)}</td>'
                   f"<td>{esc(d.message)}" + (f'<div class="why">{esc(d.help)}</div>' if d.help else "")
                   + f"</td><td>{esc(line)}</td></tr>\n")
        yield "</tbody></table>\n"
    else:
        yield '<p class="none">No findings.</p>\n'
    yield "</section>\n"
    yield '<section class="part" id="coverage"><h2>Test coverage</h2>\n'
    yield (f"<p>{len(cov.fired)} of {len(cov.rules)} rules apply to at least one of these cases "
           f"({cov.percent:.0f}%); {len(cov.leaves) - len(cov.unreached)} of {len(cov.leaves)} flowchart leaves "
           "are reached.</p>\n")
    if cov.uncovered:
        yield ("<p>Rules no case exercises:</p><ul>" + "".join(f"<li><code>{esc(r)}</code></li>"
                                                               for r in cov.uncovered) + "</ul>\n")
    yield "</section>\n"
    yield '<section class="part" id="references"><h2>References</h2>\n<ol class="refs">\n'
    for n, text in sorted(model.references.items()):
        yield f'<li id="ref-{n}" value="{n}">{esc(text)}</li>\n'
    yield "</ol>\n</section>\n"
