"""What the language server answers, as plain Python over the text, the syntax tree and the index: diagnostics,
hover text, completion candidates. :mod:`engine.lsp.server` only converts positions and wraps these in protocol
types.

    >>> tree = parse_prefix('guideline "T"\\ninput g "Grade": {a, b}\\n\\nsection s:\\n  rule r:\\n    when g ')
    >>> [c.label for c in complete("    when g == ", tree)]
    ['a', 'b']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsl import ast
from dsl.diagnostics import Diagnostic, has_errors
from dsl.parse_errors import KEYWORDS
from dsl.parser import parse
from engine.core.model import Model
from engine.lsp.index import Index, Key, build

if TYPE_CHECKING:
    from engine.compile.guideline import CompiledGuideline

STRENGTHS = ("must", "recommend", "consider", "may_omit", "not_recommended", "never")
PREFERENCES = ("preferred", "other", "certain_circumstances")


@dataclass
class Analysis:
    """One version of a document: its tree and index (None when it does not parse), its model (None when it does
    not resolve) and the diagnostics of parsing and resolution."""

    text: str
    tree: ast.File | None
    index: Index | None
    model: Model | None
    diagnostics: list[Diagnostic]


def analyse(text: str, path: str) -> Analysis:
    """Parse and resolve ``text``: fast enough to run on every keystroke (the checks are separate: :func:`checks`)."""
    from engine.resolve.resolver import resolve

    tree, diagnostics = parse(text, path)
    if tree is None or has_errors(diagnostics):
        return Analysis(text, None, None, None, diagnostics)
    model, semantic = resolve(tree, path)
    diagnostics = [*diagnostics, *semantic]
    return Analysis(text, tree, build(tree), None if has_errors(semantic) else model, diagnostics)


def checks(model: Model) -> list[Diagnostic]:
    """The checker passes of ``guidegraph check`` (conflicts, gaps, dead rules...) on a model that resolved."""
    return checks_and_regions(model)[0]


def checks_and_regions(model: Model) -> tuple[list[Diagnostic], dict[str, str]]:
    """The checker findings and :func:`rule_region` of every rule, on one compilation (the server's background
    pass: hover then reads the regions from a cache)."""
    from engine.checks import CHECKS
    from engine.compile.compiler import GraphTooLarge, compile

    try:
        compiled = compile(model)
    except GraphTooLarge as e:
        return [e.diagnostic()], {}
    found = [d for check in CHECKS for d in check(compiled)]
    return found, {r.name: rule_region(compiled, i) for i, r in enumerate(model.rules)}


def region_of(model: Model, rule: str) -> str | None:
    """:func:`rule_region` of the rule named ``rule`` (None when there is none or the guideline is too large)."""
    from engine.compile.compiler import GraphTooLarge, compile

    ri = next((i for i, r in enumerate(model.rules) if r.name == rule), None)
    if ri is None:
        return None
    try:
        return rule_region(compile(model), ri)
    except GraphTooLarge:
        return None


def rule_region(compiled: CompiledGuideline, ri: int) -> str:
    """Markdown: the patients for whom rule ``ri`` applies (its condition, section guard included, decided true
    among the patients the assumptions allow), in the rules language's condition syntax, and where it is set
    aside by an overriding rule. The same exact description as the checker's findings
    (:func:`engine.checks.regions.region_text`)."""
    from engine.checks.regions import region_text
    from engine.checks.space import space

    sp = space(compiled)
    m = sp.m
    applies = sp.applies(ri)
    if applies == m.FALSE:
        return "applies to no patient"
    if m.and_(sp.allowed, m.not_(applies)) == m.FALSE:
        out = "applies to every patient"
    else:
        out = f"applies when `{region_text(compiled, m, applies, sp.allowed)[0]}`"
    aside = m.and_(applies, m.not_(sp.active(ri)))
    if sp.over.get(ri) and aside != m.FALSE:
        out += f"; set aside by an overriding rule when `{region_text(compiled, m, aside, sp.allowed)[0]}`"
    return out


# ---------------------------------------------------------------------------------------------------------------
# Hover


def _src(text: str, node: object) -> str:
    span = getattr(node, "span", None)
    return text[span.start:span.end] if span is not None and span.end > span.start else ""


def _head(text: str, node: object) -> str:
    """The first line of a declaration (a section's or rule's header)."""
    return _src(text, node).split("\n", 1)[0]


def _label(label: ast.String | None) -> str:
    return f"**{label.value}**\n\n" if label is not None else ""


def _type(t: ast.InputType) -> str:
    if isinstance(t, ast.BoolType):
        return "bool (true or false)"
    if isinstance(t, ast.EnumType):
        return f"one of {len(t.values)} values"
    if isinstance(t, ast.SetType):
        return f"a set of some of {len(t.values.values)} values"
    kind = "integer" if t.integer else "number"
    unit = f" in {t.unit}" if t.unit else ""
    rng = f", from {t.range.low.text or t.range.low.value} to {t.range.high.text or t.range.high.value}" if t.range \
        else ""
    return f"{kind}{unit}{rng}"


def hover(text: str, index: Index, key: Key) -> str | None:
    """Markdown for the symbol ``key``: its declaration as written, its label and what kind of thing it is."""
    sym = index.symbols.get(key)
    if sym is None:
        return None
    kind, name = key
    node = sym.node
    block = "```guidegraph\n{}\n```"
    if isinstance(node, ast.Input) and kind == "input":
        return f"{_label(node.label)}input `{name}`: {_type(node.type)}\n\n" + block.format(_src(text, node))
    if isinstance(node, ast.Input):  # an enum value
        value = name.split(".", 1)[1]
        return (f"value `{value}` of input `{node.name.name}`"
                f"{f' ({node.label.value})' if node.label else ''}\n\n" + block.format(_src(text, node)))
    if isinstance(node, ast.Let):
        return f"{_label(node.label)}let `{name}`\n\n" + block.format(_src(text, node))
    if isinstance(node, ast.Action):
        modality = node.modality.name if node.modality else "other"
        return f"{_label(node.label)}action `{name}`, modality {modality}\n\n" + block.format(_src(text, node))
    if isinstance(node, ast.ParamDecl) and isinstance(sym.parent, ast.Action):
        return f"parameter `{node.name.name}` of action `{sym.parent.name.name}`\n\n" + block.format(
            _src(text, node))
    if isinstance(node, ast.Rule):
        section = sym.parent.name.name if isinstance(sym.parent, ast.Section) else "?"
        return f"{_label(node.label)}rule `{name}` in section `{section}`\n\n" + block.format(_src(text, node))
    if isinstance(node, ast.Section):
        rules = sum(isinstance(i, ast.Rule) for i in node.items)
        return f"{_label(node.label)}section `{name}`: {rules} rules\n\n" + block.format(_head(text, node))
    if isinstance(node, ast.Reference):
        return f"reference {name}: {node.text.value}"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Completion


@dataclass(frozen=True, slots=True)
class Candidate:
    label: str
    kind: str  # keyword, input, let, action, rule, section, value, param
    detail: str = ""


_VALUE_AFTER = re.compile(r"([A-Za-z_]\w*)\s*(?:==|!=)\s*\w*$")
_IN_SET = re.compile(r"([A-Za-z_]\w*)\s+in\s*\{[^}]*$")
_OVERRIDES = re.compile(r"\boverrides\s+(?:\w+\s*,\s*)*\w*$")
_STRENGTH = re.compile(r"\b(?:must|recommend|consider|may_omit|not_recommended|never|cover|adjust)\s+\w*$")
_ARGS = re.compile(r"\b([A-Za-z_]\w*)\((?:[^()]*,)?\s*\w*$")
_PREFERENCE = re.compile(r"\bpreference\s+\w*$")


def _enum_values(tree: ast.File | None, name: str) -> list[Candidate] | None:
    for d in tree.decls if tree else ():
        if isinstance(d, ast.Input) and d.name.name == name:
            if isinstance(d.type, ast.EnumType):
                return [Candidate(v.name if isinstance(v, ast.Name) else (v.text or str(v.value)), "value",
                                  f"{name}") for v in d.type.values]
            if isinstance(d.type, ast.BoolType):
                return [Candidate("true", "value", name), Candidate("false", "value", name)]
    return None


def complete(line: str, tree: ast.File | None) -> list[Candidate]:
    """The candidates at a cursor after ``line`` (the text of the line up to the cursor), given a tree of the file
    (the last that parsed: the line being typed rarely does; None gives keywords only)."""
    decls = tree.decls if tree else ()
    for pattern in (_VALUE_AFTER, _IN_SET):
        m = pattern.search(line)
        if m:
            values = _enum_values(tree, m.group(1))
            if values is not None:
                return values
    if _OVERRIDES.search(line):
        return [Candidate(i.name.name, "rule", s.name.name) for s in decls if isinstance(s, ast.Section)
                for i in s.items if isinstance(i, ast.Rule)]
    if _STRENGTH.search(line):
        return [Candidate(a.name.name, "action", a.label.value if a.label else "") for a in decls
                if isinstance(a, ast.Action)]
    if _PREFERENCE.search(line):
        return [Candidate(p, "keyword") for p in PREFERENCES]
    m = _ARGS.search(line)
    if m:
        for a in decls:
            if isinstance(a, ast.Action) and a.name.name == m.group(1):
                return [Candidate(p.name.name, "param", a.name.name) for p in a.params]
    out = [Candidate(k, "keyword") for k in sorted(KEYWORDS)]
    for d in decls:
        if isinstance(d, ast.Input | ast.Let):
            out.append(Candidate(d.name.name, "input" if isinstance(d, ast.Input) else "let",
                                 d.label.value if d.label else ""))
    return out


def parse_prefix(text: str) -> ast.File | None:
    """The declarations of the longest prefix of ``text`` made of whole lines before the last blank line that
    parses: typing breaks the current declaration, not the ones above it."""
    cut = text.rfind("\n\n")
    while cut > 0:
        tree, diagnostics = parse(text[:cut + 1], "<completion>")
        if tree is not None and not has_errors(diagnostics):
            return tree
        cut = text.rfind("\n\n", 0, cut)
    return None
