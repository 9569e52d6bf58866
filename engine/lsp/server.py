"""The Language Server Protocol side of ``guidegraph lsp`` (pygls 2, stdio).

Diagnostics: on open, change and save the document is parsed and resolved at once (milliseconds) and those
diagnostics are published; when it resolves, the checker passes of ``guidegraph check`` run after a pause in
typing (``CHECK_DELAY`` seconds; at once on open and save), off the event loop, and their findings are published
with the rest, each with its example patient in the message and its notes as related information. A result that
arrives after a newer edit is dropped.

Everything else (hover, definition, references, rename, completion, formatting, outline, the did-you-mean quick
fix) is answered from the last version of the document that parsed (:mod:`engine.lsp.features`). Hover on a rule
adds where it applies, from the last version that resolved: the background checker pass computes it for every
rule on the same compilation, and a hover that comes first computes its rule off the event loop; both are cached
per document version. Code actions also add a missing ``cite`` and save a finding's example patient as a case
file (:mod:`engine.lsp.actions`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from dsl import ast
from dsl.diagnostics import Diagnostic
from dsl.format import fmt_text
from dsl.parse_errors import KEYWORDS
from dsl.span import Span
from engine.lsp.actions import case_file, cite_choices, cite_insertion, rule_at
from engine.lsp.features import Analysis, analyse, checks_and_regions, complete, hover, parse_prefix, region_of
from engine.lsp.index import Index, Key

CHECK_DELAY = 0.4
"""Seconds without an edit before the checker passes run on a changed document."""

_SEVERITY = {"error": t.DiagnosticSeverity.Error, "warning": t.DiagnosticSeverity.Warning,
             "note": t.DiagnosticSeverity.Information}
_KINDS = {"keyword": t.CompletionItemKind.Keyword, "input": t.CompletionItemKind.Variable,
          "let": t.CompletionItemKind.Constant, "action": t.CompletionItemKind.Function,
          "rule": t.CompletionItemKind.Reference, "value": t.CompletionItemKind.EnumMember,
          "param": t.CompletionItemKind.Property}
_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class _State:
    analysis: Analysis
    version: int | None
    good: Analysis | None = None  # the last analysis that parsed
    pending: asyncio.Task[None] | None = field(default=None, repr=False)
    resolved: _State | None = None  # the last state (this one or an earlier version) whose document resolved
    regions: dict[str, str] = field(default_factory=dict)  # rule -> where it applies (features.rule_region)


class RulesServer(LanguageServer):
    def __init__(self, version: str) -> None:
        super().__init__("guidegraph", version, text_document_sync_kind=t.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, _State] = {}

    # -- positions ------------------------------------------------------------------------------------------------

    def range(self, doc: TextDocument, span: Span | None) -> t.Range:
        if span is None or span.line < 1:
            return t.Range(t.Position(0, 0), t.Position(0, 0))
        lines = doc.lines
        codec = doc.position_codec
        start = codec.position_to_client_units(lines, t.Position(span.line - 1, max(span.column - 1, 0)))
        end = codec.position_to_client_units(lines, t.Position(span.end_line - 1, max(span.end_column - 1, 0)))
        return t.Range(start, end)

    def key_at(self, uri: str, position: t.Position) -> Key | None:
        """The symbol under the cursor: from the current index when the document parses, else by its name in the
        last index that parsed."""
        state = self.docs.get(uri)
        if state is None:
            return None
        doc = self.workspace.get_text_document(uri)
        if state.analysis.index is not None:
            occ = state.analysis.index.at(doc.offset_at_position(position))
            return occ.key if occ else None
        word = doc.word_at_position(position)
        index = state.good.index if state.good else None
        for kind in ("let", "input", "action", "rule", "section"):
            if index is not None and (kind, word) in index.symbols:
                return (kind, word)
        return None

    # -- diagnostics ----------------------------------------------------------------------------------------------

    def to_lsp(self, doc: TextDocument, d: Diagnostic) -> t.Diagnostic:
        message = d.message
        if d.help:
            message += f"\nhelp: {d.help}"
        if d.witness is not None:
            patient = yaml.safe_dump(dict(d.witness), sort_keys=False, allow_unicode=True, default_flow_style=False)
            message += "\nexample patient (paste into a case file):\n" + patient.rstrip()
        related = [t.DiagnosticRelatedInformation(t.Location(doc.uri, self.range(doc, n.span)), n.message)
                   for n in d.notes if n.span is not None]
        notes = [n.message for n in d.notes if n.span is None]
        if notes:
            message += "".join(f"\nnote: {n}" for n in notes)
        data = {k: v for k, v in (("help", d.help), ("witness", d.witness)) if v}
        return t.Diagnostic(range=self.range(doc, d.span), message=message, severity=_SEVERITY[d.severity],
                            code=d.code, source="guidegraph", related_information=related or None,
                            data=data or None)

    def publish(self, uri: str, diagnostics: list[Diagnostic], version: int | None) -> None:
        doc = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[self.to_lsp(doc, d) for d in diagnostics]))

    def refresh(self, uri: str, delay: float) -> None:
        """Analyse the document now, publish, and schedule its checks ``delay`` seconds later."""
        doc = self.workspace.get_text_document(uri)
        analysis = analyse(doc.source, to_fs_path(uri) or uri)
        state = self.docs.get(uri)
        if state is not None and state.pending is not None:
            state.pending.cancel()
        good = analysis if analysis.tree is not None else (state.good if state else None)
        resolved = state.resolved if state else None
        state = self.docs[uri] = _State(analysis, doc.version, good)
        state.resolved = state if analysis.model is not None else resolved
        self.publish(uri, analysis.diagnostics, doc.version)
        if analysis.model is not None:
            state.pending = asyncio.get_running_loop().create_task(self._check_later(uri, state, delay))

    async def region(self, uri: str, rule: str) -> str | None:
        """Where ``rule`` applies in the last version of the document that resolved: from the cache the
        background checks fill, else computed now off the event loop (and cached for that version)."""
        state = self.docs.get(uri)
        resolved = state.resolved if state else None
        if resolved is None or resolved.analysis.model is None:
            return None
        if rule not in resolved.regions:
            got = await asyncio.get_running_loop().run_in_executor(None, region_of, resolved.analysis.model, rule)
            if got is None:
                return None
            resolved.regions[rule] = got
        return resolved.regions[rule]

    async def _check_later(self, uri: str, state: _State, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        model = state.analysis.model
        assert model is not None
        found, regions = await asyncio.get_running_loop().run_in_executor(None, checks_and_regions, model)
        state.regions.update(regions)
        if self.docs.get(uri) is state:  # no newer version meanwhile
            self.publish(uri, [*state.analysis.diagnostics, *found], state.version)


def _symbols(text_doc: TextDocument, server: RulesServer, tree: ast.File) -> list[t.DocumentSymbol]:
    out = []
    for s in tree.decls:
        if not isinstance(s, ast.Section):
            continue
        rules = [t.DocumentSymbol(name=r.name.name, detail=r.label.value if r.label else None,
                                  kind=t.SymbolKind.Function, range=server.range(text_doc, r.span),
                                  selection_range=server.range(text_doc, r.name.span))
                 for r in s.items if isinstance(r, ast.Rule)]
        out.append(t.DocumentSymbol(name=s.name.name, detail=s.label.value if s.label else None,
                                    kind=t.SymbolKind.Namespace, range=server.range(text_doc, s.span),
                                    selection_range=server.range(text_doc, s.name.span), children=rules))
    return out


def create(version: str) -> RulesServer:
    """The server with every feature registered (not started: ``create(v).start_io()``)."""
    server = RulesServer(version)

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: RulesServer, params: t.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri, 0)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: RulesServer, params: t.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri, CHECK_DELAY)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: RulesServer, params: t.DidSaveTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri, 0)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: RulesServer, params: t.DidCloseTextDocumentParams) -> None:
        state = ls.docs.pop(params.text_document.uri, None)
        if state is not None and state.pending is not None:
            state.pending.cancel()
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                        diagnostics=[]))

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: RulesServer, params: t.HoverParams) -> t.Hover | None:
        uri = params.text_document.uri
        key = ls.key_at(uri, params.position)
        state = ls.docs.get(uri)
        good = state.good if state else None
        if key is None or good is None or good.index is None:
            return None
        md = hover(good.text, good.index, key)
        if md and key[0] == "rule":
            region = await ls.region(uri, key[1])
            if region:
                head, sep, rest = md.partition("\n\n```")
                md = f"{head}: {region}{sep}{rest}"
        return t.Hover(t.MarkupContent(t.MarkupKind.Markdown, md)) if md else None

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: RulesServer, params: t.DefinitionParams) -> t.Location | None:
        uri = params.text_document.uri
        key, index = ls.key_at(uri, params.position), _index(ls, uri)
        if key is None or index is None or key not in index.symbols:
            return None
        return t.Location(uri, ls.range(ls.workspace.get_text_document(uri), index.symbols[key].span))

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls: RulesServer, params: t.ReferenceParams) -> list[t.Location] | None:
        uri = params.text_document.uri
        key, index = ls.key_at(uri, params.position), _index(ls, uri)
        if key is None or index is None:
            return None
        doc = ls.workspace.get_text_document(uri)
        return [t.Location(uri, ls.range(doc, o.span))
                for o in index.uses(key, declaration=params.context.include_declaration)]

    @server.feature(t.TEXT_DOCUMENT_RENAME)
    def on_rename(ls: RulesServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
        uri = params.text_document.uri
        state = ls.docs.get(uri)
        index = state.analysis.index if state else None  # only a document that parses now is renamed
        key = ls.key_at(uri, params.position)
        if key is None or index is None or key[0] == "reference":
            return None
        if not _NAME.fullmatch(params.new_name) or params.new_name in KEYWORDS:
            raise ValueError(f"'{params.new_name}' is not a name (letters, digits and _, not a keyword)")
        doc = ls.workspace.get_text_document(uri)
        edits = [t.TextEdit(ls.range(doc, o.span), params.new_name) for o in index.uses(key)]
        return t.WorkspaceEdit(changes={uri: edits})

    @server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[" ", "(", "{", ","]))
    def on_completion(ls: RulesServer, params: t.CompletionParams) -> t.CompletionList:
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        offset = doc.offset_at_position(params.position)
        source = doc.source
        state = ls.docs.get(uri)
        tree = state.good.tree if state and state.good else None
        if tree is None:
            tree = parse_prefix(source[:offset])
        line = source[:offset].rsplit("\n", 1)[-1]
        items = [t.CompletionItem(c.label, kind=_KINDS.get(c.kind), detail=c.detail or None)
                 for c in complete(line, tree)]
        return t.CompletionList(is_incomplete=False, items=items)

    @server.feature(t.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls: RulesServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        source = doc.source
        formatted, _ = fmt_text(source, to_fs_path(doc.uri) or doc.uri)
        if formatted is None:
            return None  # syntax errors: nothing to format (the diagnostics say why)
        if formatted == source:
            return []
        lines = source.split("\n")
        end = doc.position_codec.position_to_client_units(lines, t.Position(len(lines) - 1, len(lines[-1])))
        return [t.TextEdit(t.Range(t.Position(0, 0), end), formatted)]

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: RulesServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
        state = ls.docs.get(params.text_document.uri)
        if state is None or state.analysis.tree is None:
            return []
        return _symbols(ls.workspace.get_text_document(params.text_document.uri), ls, state.analysis.tree)

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix,
                                                           t.CodeActionKind.RefactorRewrite]))
    def on_code_action(ls: RulesServer, params: t.CodeActionParams) -> list[t.CodeAction]:
        uri = params.text_document.uri
        out = []
        for d in params.context.diagnostics:
            data: Any = d.data
            m = _DID_YOU_MEAN.search(data.get("help") or "") if isinstance(data, dict) else None
            if m:
                out.append(t.CodeAction(title=f"Replace with '{m.group(1)}'", kind=t.CodeActionKind.QuickFix,
                                        diagnostics=[d], is_preferred=True,
                                        edit=t.WorkspaceEdit(changes={uri: [t.TextEdit(d.range, m.group(1))]})))
            path = to_fs_path(uri)
            if isinstance(data, dict) and isinstance(data.get("witness"), dict) and path:
                out.append(_case_file_action(d, data["witness"], Path(path)))
        state = ls.docs.get(uri)
        tree = state.analysis.tree if state else None
        rule = rule_at(tree, params.range.start.line + 1) if tree else None
        only = params.context.only
        wanted = not only or any(t.CodeActionKind.RefactorRewrite.value.startswith(k) for k in only)
        if tree is not None and rule is not None and wanted:
            out.extend(_cite_actions(ls, uri, tree, rule.name.name))
        return out

    return server


def _case_file_action(d: t.Diagnostic, witness: dict[str, Any], rules_file: Path) -> t.CodeAction:
    """Create ``cases/<id>.yaml`` next to the rules file holding the finding's example patient."""
    path, text = case_file(witness, rules_file, str(d.code or ""))
    target = from_fs_path(str(path)) or path.as_uri()
    start = t.Position(0, 0)
    edit = t.WorkspaceEdit(document_changes=[
        t.CreateFile(uri=target, options=t.CreateFileOptions(overwrite=False, ignore_if_exists=False)),
        t.TextDocumentEdit(text_document=t.OptionalVersionedTextDocumentIdentifier(uri=target, version=None),
                           edits=[t.TextEdit(t.Range(start, start), text)])])
    return t.CodeAction(title=f"Save the example patient as {path.parent.name}/{path.name}",
                        kind=t.CodeActionKind.QuickFix, diagnostics=[d], edit=edit)


def _cite_actions(ls: RulesServer, uri: str, tree: ast.File, rule: str) -> list[t.CodeAction]:
    """``Add 'cite N'`` for a rule without a cite (engine.lsp.actions)."""
    at = cite_insertion(tree, rule)
    if at is None:
        return []
    doc = ls.workspace.get_text_document(uri)
    pos = ls.range(doc, Span(doc.uri, at.line, at.column, at.line, at.column)).start
    return [t.CodeAction(title=f"Add 'cite {c.numbers}' to rule '{rule}' ({c.why})",
                         kind=t.CodeActionKind.RefactorRewrite, is_preferred=c.preferred or None,
                         edit=t.WorkspaceEdit(changes={uri: [t.TextEdit(t.Range(pos, pos),
                                                                        f"{at.text}{c.numbers}{at.after}")]}))
            for c in cite_choices(tree, rule)]


def _index(ls: RulesServer, uri: str) -> Index | None:
    state = ls.docs.get(uri)
    if state is None:
        return None
    return state.analysis.index or (state.good.index if state.good else None)

