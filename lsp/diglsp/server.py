"""The pygls server: wires LSP requests to the feature functions, debounces diagnostics.

Run it with `diglsp` or `python -m diglsp` (stdio). Every handler is guarded: an error of ours
is logged (window/logMessage) and answered with an empty result, and errors outside requests
(malformed JSON-RPC, a failing notification) never stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from diglang.files import is_dig_file, walk_tree
from diglang.perf import collect_frozen, gc_paused, keep_survivors_frozen
from diglsp import convert, lint
from diglsp.settings import Settings
from diglsp.workspace import Snapshot, Workspace

__version__ = "0.1.0"
log = logging.getLogger("diglsp")

LINT_WORKSPACE = "diglsp.lintWorkspace"
# Quiet time after which the frozen heap is collected (for the rare cycles among old trees).
IDLE_COLLECT_SECONDS = 5.0
F = TypeVar("F", bound=Callable[..., Any])


class _Answered:
    """A message already answered: pygls' dispatcher skips it (not JSON-RPC 2.0)."""

    jsonrpc = "answered"


_ANSWERED = _Answered()


class _Protocol(LanguageServerProtocol):
    """Answers a request whose params cannot be read with an error (pygls drops it)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not (isinstance(data, dict) and "id" in data and "method" in data):
                raise
            error = types.ResponseError(
                code=exc.code, message=f"invalid params for `{data['method']}`"
            )
            self._send_response(data["id"], error=error)
            return _ANSWERED


class DigdagLanguageServer(LanguageServer):
    """The Digdag language server."""

    def __init__(self) -> None:
        super().__init__("diglsp", __version__, protocol_cls=_Protocol)
        self.ws = Workspace()
        self.settings = Settings()
        self.pending: dict[str, asyncio.Task[None]] = {}
        self._config_errors: set[str] = set()
        self.ws.on_config_error = self._config_error
        self._idle: asyncio.TimerHandle | None = None
        self._burying = False

    # -- errors -------------------------------------------------------------------------
    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log an error outside a request; never shut down (pygls' default does)."""
        self.log_error(f"diglsp: internal error ({getattr(source, '__name__', source)})", error)

    def log_error(self, what: str, error: BaseException) -> None:
        """Send a traceback to the client's log."""
        detail = "".join(traceback.format_exception(error)).rstrip()
        log.error("%s\n%s", what, detail)
        with contextlib.suppress(Exception):  # no client connection (tests, shutdown)
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Error, message=f"{what}\n{detail}")
            )

    def _config_error(self, message: str) -> None:
        if message in self._config_errors:
            return
        self._config_errors.add(message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )

    # -- diagnostics ----------------------------------------------------------------------
    def schedule_lint(self, uri: str, delay: float) -> None:
        """Lint `uri` after `delay` seconds, replacing a lint already waiting for it."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        self.pending.pop(uri, None)
        self.publish(uri)

    def publish(self, uri: str) -> None:
        """Lint an open document now and publish its diagnostics."""
        snap = self.ws.snapshot(uri)
        if snap is None:
            return
        self.publish_snapshot(snap)

    def publish_snapshot(self, snap: Snapshot) -> list[types.Diagnostic]:
        """Lint a snapshot and publish the result (nothing on a bug of ours)."""
        try:
            with gc_paused():
                found = lint.lint(snap)
                diagnostics = lint.to_lsp(snap, found)
        except Exception as exc:
            self.log_error(f"diglsp: linting {snap.uri} failed", exc)
            return []
        state = self.ws.open.get(snap.uri)
        if state is not None:
            state.diagnostics = found
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=snap.uri, version=snap.version, diagnostics=diagnostics
            )
        )
        self.worked()
        self.bury_soon()
        return diagnostics

    def worked(self) -> None:
        """Something was computed: collect the frozen heap once the server has been idle a
        while (see `diglang.perf.keep_survivors_frozen`)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server's loop (tests)
            return
        if self._idle is not None:
            self._idle.cancel()
        self._idle = loop.call_later(IDLE_COLLECT_SECONDS, self._collect)

    def _collect(self) -> None:
        self._idle = None
        while self.ws.graveyard.free(budget=1.0):
            pass
        collect_frozen()

    def bury_soon(self) -> None:
        """Free replaced snapshots in small slices, between the messages to come."""
        if self._burying or not self.ws.graveyard:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server's loop (tests)
            return
        self._burying = True
        loop.call_soon(self._bury)

    def _bury(self) -> None:
        if self.ws.graveyard.free():
            asyncio.get_running_loop().call_soon(self._bury)
        else:
            self._burying = False

    def changed(self, uri: str) -> None:
        """`uri` changed: lint it soon, and the other open documents a bit later."""
        delay = self.settings.debounce_ms / 1000
        self.schedule_lint(uri, delay)
        for other in self.ws.open:
            if other != uri:
                self.schedule_lint(other, max(0.3, 4 * delay))

    def relint_all(self) -> None:
        """Lint every open document again (config or files changed)."""
        for uri in self.ws.open:
            self.schedule_lint(uri, self.settings.debounce_ms / 1000)

    def apply_settings(self, data: object) -> None:
        """Take new client settings."""
        self.settings = Settings.parse(data)
        self.ws.set_overrides(self.settings.overrides())

    def lint_workspace(self) -> dict[str, int]:
        """Lint every `.dig` file of the workspace folders and publish all diagnostics."""
        files = errors = warnings = 0
        for folder in self.ws.folders:
            for directory, names in walk_tree(folder):
                for name in names:
                    if not is_dig_file(name):
                        continue
                    snap = self.ws.file_snapshot(os.path.join(directory, name))
                    published = self.publish_snapshot(snap)
                    files += 1
                    errors += sum(
                        1 for d in published if d.severity == types.DiagnosticSeverity.Error
                    )
                    warnings += sum(
                        1 for d in published if d.severity == types.DiagnosticSeverity.Warning
                    )
        return {"files": files, "errors": errors, "warnings": warnings}


server = DigdagLanguageServer()


def guarded(default: Any = None) -> Callable[[F], F]:
    """Answer `default` (and log) when a handler fails, instead of an error response."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(ls: DigdagLanguageServer, params: Any) -> Any:
            ls.worked()
            try:
                with gc_paused():  # requests allocate much and free little: see diglang.perf
                    return handler(ls, params)
            except Exception as exc:
                ls.log_error(f"diglsp: {handler.__name__} failed", exc)
                return default() if callable(default) else default

        return run  # type: ignore[return-value]

    return wrap


# -- lifecycle ---------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: DigdagLanguageServer, params: types.InitializeParams) -> None:
    folders = [convert.path_of(f.uri) for f in params.workspace_folders or []]
    if not folders and params.root_uri:
        folders = [convert.path_of(params.root_uri)]
    elif not folders and params.root_path:
        folders = [params.root_path]
    ls.ws.set_folders([f for f in folders if f])
    ls.apply_settings(params.initialization_options)


@server.feature(types.INITIALIZED)
def initialized(ls: DigdagLanguageServer, params: types.InitializedParams) -> None:
    caps = ls.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    watchers = [
        types.FileSystemWatcher(glob_pattern="**/*.{dig,yml,yaml,toml}"),
        types.FileSystemWatcher(
            glob_pattern="**/*", kind=types.WatchKind.Create | types.WatchKind.Delete
        ),
    ]
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
    registration = types.Registration(
        id="diglsp-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    ls.client_register_capability(types.RegistrationParams(registrations=[registration]))


# -- document sync -----------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: DigdagLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.ws.set_text(doc.uri, doc.text, doc.version)
    ls.schedule_lint(doc.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: DigdagLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    ls.ws.set_text(uri, text, params.text_document.version)
    ls.changed(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: DigdagLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()
    ls.ws.close(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    ls.relint_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded()
def did_change_watched_files(
    ls: DigdagLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    for change in params.changes:
        path = convert.path_of(change.uri)
        if path is not None:
            listing = change.type != types.FileChangeType.Changed
            ls.ws.file_changed(path, created_or_deleted=listing)
    ls.relint_all()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded()
def did_change_configuration(
    ls: DigdagLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    if params.settings is not None:
        ls.apply_settings(params.settings)
    ls.relint_all()
    caps = ls.client_capabilities.workspace
    hints = caps.inlay_hint if caps is not None else None
    if hints is not None and hints.refresh_support:
        ls.workspace_inlay_hint_refresh(None)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded()
def did_change_folders(
    ls: DigdagLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    removed = {convert.path_of(f.uri) for f in params.event.removed}
    folders = [f for f in ls.ws.folders if f not in removed]
    for added in params.event.added:
        path = convert.path_of(added.uri)
        if path is not None and path not in folders:
            folders.append(path)
    ls.ws.set_folders(folders)
    ls.relint_all()


@server.command(LINT_WORKSPACE)
def lint_workspace_command(ls: DigdagLanguageServer, *args: Any) -> dict[str, int]:
    try:
        return ls.lint_workspace()
    except Exception as exc:
        ls.log_error("diglsp: linting the workspace failed", exc)
        return {"files": 0, "errors": 0, "warnings": 0}


def main(argv: list[str] | None = None) -> int:
    """`diglsp`: serve the Language Server Protocol on stdio."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--version", "-V"):
        print(f"diglsp {__version__}")
        return 0
    if args and args[0] in ("--help", "-h"):
        print("usage: diglsp [--stdio]\n\nThe Digdag language server; speaks LSP on stdio.")
        return 0
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    warm_up()
    server.start_io()
    return 0


def warm_up() -> None:
    """Load what the first request would (rules, schemas, the expression parser), then move
    everything alive to the collector's permanent generation: a long-lived server's heap is
    mostly caches, which the cyclic collector would otherwise walk again and again."""
    from diglang.expr.parse import parse_expression
    from diglang.rules import RULES
    from diglang.schemas import builtin_variables, load_directives, load_operators

    parse_expression("a + 1")
    load_operators()
    load_directives()
    builtin_variables()
    log.debug("%d rules loaded", len(RULES))
    gc.collect()
    gc.freeze()
    keep_survivors_frozen()
    # Young collections every 10,000 allocations instead of 700: the server's garbage is
    # almost never cyclic, and each collection walks the young objects for nothing
    # (bench/lsp_latency.py, 10,000 lines: diagnostics p50 206 -> 192 ms).
    gc.set_threshold(10_000, 50, 100)


# The request handlers register themselves on `server` when imported.
from diglsp import requests  # noqa: E402, F401

__all__ = ["DigdagLanguageServer", "Settings", "main", "server"]
