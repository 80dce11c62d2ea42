"""The server survives what a buggy client or a broken pipe sends: raw JSON-RPC over stdio."""

from __future__ import annotations

from typing import Any

import pytest

from diglsp.stdio_client import StdioClient as RawClient

FORMAT_OPTIONS = {"tabSize": 2, "insertSpaces": True}


@pytest.fixture
def raw():
    client = RawClient()
    assert "capabilities" in client.initialize()["result"]
    yield client
    client.close()


def _open(raw: RawClient, uri: str, text: Any) -> None:
    raw.send(
        {
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "digdag", "version": 1, "text": text}
            },
        }
    )


def _still_answers(raw: RawClient, request_id: int) -> None:
    uri = f"untitled:check-{request_id}"
    _open(raw, uri, "+a:\n  shh>: x\n")
    published = raw.wait(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    )
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["unknown-operator"]
    raw.send(
        {
            "id": request_id,
            "method": "textDocument/formatting",
            "params": {"textDocument": {"uri": uri}, "options": FORMAT_OPTIONS},
        }
    )
    assert "error" not in raw.response(request_id)


def test_malformed_json_and_unknown_methods(raw: RawClient) -> None:
    raw.send_raw(b"{this is not json")
    raw.send_raw(b'{"jsonrpc": "2.0", "id": 5, "method": ')
    raw.send({"id": 6, "method": "digdag/noSuchMethod", "params": {}})
    assert raw.response(6)["error"]["code"] == -32601  # method not found
    raw.send({"method": "digdag/noSuchNotification", "params": {}})
    _still_answers(raw, 7)
    assert raw.proc.poll() is None


def test_ill_typed_params(raw: RawClient) -> None:
    raw.send({"id": 10, "method": "textDocument/hover", "params": {"textDocument": 42}})
    assert "error" in raw.response(10)
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": None}})
    _open(raw, "file:///nonexistent/dir/x.dig", None)  # text missing: invalid
    raw.send(
        {
            "id": 11,
            "method": "textDocument/rangeFormatting",
            "params": {
                "textDocument": {"uri": "file:///never/opened.dig"},
                "range": {
                    "start": {"line": 99, "character": 0},
                    "end": {"line": 99, "character": 9},
                },
                "options": FORMAT_OPTIONS,
            },
        }
    )
    assert "error" not in raw.response(11)
    _still_answers(raw, 12)


def test_requests_on_garbage_documents(raw: RawClient) -> None:
    uri = "file:///tmp/diglsp-garbage/junk.dig"
    _open(raw, uri, "\x00\x07\ufeff: [ {{\n\t- !!binary |\n  @@@\n" * 200)
    methods = [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/documentSymbol",
        "textDocument/foldingRange",
        "textDocument/semanticTokens/full",
        "textDocument/documentLink",
        "textDocument/formatting",
        "textDocument/codeAction",
        "textDocument/inlayHint",
    ]
    position = {"line": 3, "character": 2}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 500, "character": 0}}
    extra: dict[str, dict[str, Any]] = {
        "textDocument/references": {"position": position, "context": {"includeDeclaration": True}},
        "textDocument/formatting": {"options": {"tabSize": 2, "insertSpaces": True}},
        "textDocument/codeAction": {"range": whole, "context": {"diagnostics": []}},
        "textDocument/inlayHint": {"range": whole},
    }
    for n, method in enumerate(methods, start=100):
        params = {"textDocument": {"uri": uri}, **extra.get(method, {"position": position})}
        if method in ("textDocument/documentSymbol", "textDocument/foldingRange"):
            params = {"textDocument": {"uri": uri}}
        if method in ("textDocument/semanticTokens/full", "textDocument/documentLink"):
            params = {"textDocument": {"uri": uri}}
        raw.send({"id": n, "method": method, "params": params})
        reply = raw.response(n)
        assert "error" not in reply, (method, reply)
    _still_answers(raw, 200)
