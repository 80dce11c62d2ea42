"""Shared helpers for end-to-end tests: the server as a subprocess, driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Iterator, Sequence
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from diglsp.convert import uri_of
from diglsp.workspace import Snapshot, snapshot_of

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "diglsp"])
TIMEOUT = 20.0


async def start(client: LanguageClient, root: Path, options: dict | None = None) -> None:
    """Initialize a session with `root` as the workspace folder (VS Code's capabilities)."""
    client.published = []  # every publishDiagnostics, in order
    client.arrived = asyncio.Event()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations = [*getattr(client, "registrations", []), *params.registrations]

    features = client.protocol.fm.features
    default = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params: types.PublishDiagnosticsParams) -> None:
        default(params)
        client.published.append(params)
        client.arrived.set()

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish

    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=uri_of(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(str(root)), name=root.name)],
            initialization_options=options or {"lint": {"debounceMs": 10}},
        )
    )


def published(
    client: LanguageClient, uri: str, version: int | None = None
) -> Awaitable[Sequence[types.Diagnostic]]:
    """The next diagnostics published for `uri` from now on (of `version`, when given).

    Call it before sending what triggers them: notifications are recorded as they arrive, so
    none can slip by between two waits.
    """
    seen = len(client.published)

    async def wait() -> Sequence[types.Diagnostic]:
        index = seen
        while True:
            while index < len(client.published):
                params = client.published[index]
                index += 1
                if params.uri == uri and (version is None or params.version == version):
                    return params.diagnostics
            client.arrived.clear()
            await asyncio.wait_for(client.arrived.wait(), TIMEOUT)

    return wait()


async def open_doc(
    client: LanguageClient, path: Path, text: str, version: int = 1
) -> Sequence[types.Diagnostic]:
    """Open `path` with `text` and wait for its diagnostics."""
    uri = uri_of(str(path))
    waiting = published(client, uri, version)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="digdag", version=version, text=text
            )
        )
    )
    return await waiting


async def change_doc(
    client: LanguageClient,
    path: Path,
    version: int,
    changes: list[types.TextDocumentContentChangeEvent],
) -> Sequence[types.Diagnostic]:
    """Send a change and wait for the diagnostics of that version."""
    uri = uri_of(str(path))
    waiting = published(client, uri, version)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=changes,
        )
    )
    return await waiting


def close_doc(client: LanguageClient, path: Path) -> None:
    """Close a document."""
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(str(path)))
        )
    )


def pos(text: str, needle: str, delta: int = 0) -> types.Position:
    """The LSP position of the first `needle` in `text` (plus `delta` characters; ASCII)."""
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def replace(text: str, needle: str, new: str) -> tuple[str, types.TextDocumentContentChangePartial]:
    """The text with the first `needle` replaced, and the incremental change that does it."""
    start = pos(text, needle)
    end = pos(text, needle, len(needle))
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=start, end=end), text=new
    )
    return text.replace(needle, new, 1), change


def corpus_snapshots(every: int = 1) -> Iterator[Snapshot]:
    """A snapshot of every `every`-th corpus `.dig` file that is UTF-8 text (the test is
    skipped when the corpus is absent)."""
    from conftest import corpus_files, require_corpus

    require_corpus()
    for path in corpus_files()[::every]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        yield snapshot_of(text, str(path))


NAVIGATION = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "navigation"


def copy_navigation_project(into: Path) -> Path:
    """A fresh copy of the multi-file fixture project (tests edit and rename in it)."""
    dest = into / "nav"
    shutil.copytree(NAVIGATION, dest)
    return dest
