"""Requests about one open document: each handler gets the document's snapshot, is guarded
(an error of ours is logged and answered with an empty result) and calls a feature function."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidRequest

from diglang.perf import gc_paused
from diglsp import (
    actions,
    completion,
    convert,
    formatting,
    hover,
    inlay,
    links,
    lint,
    navigation,
    semantic,
    symbols,
)
from diglsp.server import DigdagLanguageServer, guarded, server
from diglsp.workspace import Snapshot

Handler = Callable[[DigdagLanguageServer, Snapshot, Any], Any]


def on_document(
    method: str, options: Any = None, default: Any = None
) -> Callable[[Handler], Handler]:
    """Register a request about one open document: the handler gets its snapshot, and is
    guarded; `default` (a value or a factory) answers when the document is not open."""

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(ls: DigdagLanguageServer, params: Any) -> Any:
            snap = ls.ws.snapshot(params.text_document.uri)
            if snap is None:
                return default() if callable(default) else default
            return handler(ls, snap, params)

        server.feature(method, options)(guarded(default)(run))
        return handler

    return register


def _offset(snap: Snapshot, params: Any) -> int:
    return snap.offset(params.position)


@on_document(types.TEXT_DOCUMENT_FORMATTING, default=list)
def document_formatting(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.DocumentFormattingParams
) -> list[types.TextEdit]:
    return formatting.format_document(snap, params.options.tab_size)


@on_document(types.TEXT_DOCUMENT_RANGE_FORMATTING, default=list)
def range_formatting(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.DocumentRangeFormattingParams
) -> list[types.TextEdit]:
    span = convert.to_span(snap.source, params.range)
    return formatting.format_range(snap, span, params.options.tab_size)


@on_document(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL], resolve_provider=False
    ),
    default=list,
)
def code_action(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.CodeActionParams
) -> list[types.CodeAction]:
    state = ls.ws.open[snap.uri]
    if ls.pending.get(snap.uri) is not None:  # the stored diagnostics are for older text
        state.diagnostics = lint.lint(snap)
    span = convert.to_span(snap.source, params.range)
    return actions.code_actions(snap, span, state.diagnostics, params.context.only)


@on_document(types.TEXT_DOCUMENT_DEFINITION, default=list)
def definition(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.DefinitionParams
) -> list[types.Location]:
    return navigation.definition(snap, _offset(snap, params))


@on_document(types.TEXT_DOCUMENT_REFERENCES, default=list)
def references(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.ReferenceParams
) -> list[types.Location]:
    offset = _offset(snap, params)
    return navigation.references(snap, offset, params.context.include_declaration)


@on_document(types.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.PrepareRenameParams
) -> types.PrepareRenameResult | None:
    return navigation.prepare_rename(snap, _offset(snap, params))


@server.feature(types.TEXT_DOCUMENT_RENAME)
def rename(ls: DigdagLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    snap = ls.ws.snapshot(params.text_document.uri)
    if snap is None:
        return None
    try:
        with gc_paused():
            return navigation.rename(snap, _offset(snap, params), params.new_name)
    except ValueError as exc:  # a name the user should change: answered as an error message
        raise JsonRpcInvalidRequest(str(exc)) from None
    except Exception as exc:
        ls.log_error("diglsp: rename failed", exc)
        return None


@on_document(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, default=list)
def document_symbol(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol]:
    return symbols.document_symbols(snap)


@server.feature(types.WORKSPACE_SYMBOL)
@guarded(list)
def workspace_symbol(
    ls: DigdagLanguageServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    return symbols.workspace_symbols(ls.ws.all_projects(), params.query)


@on_document(types.TEXT_DOCUMENT_FOLDING_RANGE, default=list)
def folding_range(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.FoldingRangeParams
) -> list[types.FoldingRange]:
    return symbols.folding_ranges(snap)


@on_document(types.TEXT_DOCUMENT_DOCUMENT_LINK, default=list)
def document_link(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.DocumentLinkParams
) -> list[types.DocumentLink]:
    return links.document_links(snap)


@on_document(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=completion.TRIGGER_CHARACTERS),
)
def complete(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.CompletionParams
) -> types.CompletionList | None:
    offset = _offset(snap, params)
    context = params.context
    trigger = context.trigger_character if context is not None else None
    if not completion.should_complete(snap, offset, trigger):
        return None
    return completion.complete(snap, offset)


@on_document(types.TEXT_DOCUMENT_HOVER)
def on_hover(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.HoverParams
) -> types.Hover | None:
    return hover.hover(snap, _offset(snap, params))


@on_document(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, semantic.LEGEND)
def semantic_tokens_full(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.SemanticTokensParams
) -> types.SemanticTokens:
    return semantic.semantic_tokens(snap)


@on_document(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, semantic.LEGEND)
def semantic_tokens_range(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.SemanticTokensRangeParams
) -> types.SemanticTokens:
    return semantic.semantic_tokens(snap, convert.to_span(snap.source, params.range))


@on_document(types.TEXT_DOCUMENT_INLAY_HINT, default=list)
def inlay_hint(
    ls: DigdagLanguageServer, snap: Snapshot, params: types.InlayHintParams
) -> list[types.InlayHint]:
    return inlay.inlay_hints(
        snap,
        convert.to_span(snap.source, params.range),
        schedule=ls.settings.schedule_hints,
        values=ls.settings.value_hints,
    )
