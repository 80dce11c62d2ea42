"""The server survives what a buggy client or a broken pipe sends: raw JSON-RPC over stdio."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

FORMAT_OPTIONS = {"tabSize": 2, "insertSpaces": True}


class RawClient:
    """Speaks JSON-RPC framing by hand, so tests can send anything."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "diglsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            with self.cond:
                self.messages.append(json.loads(body))
                self.cond.notify_all()

    def send_raw(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def wait(self, predicate, timeout: float = 20) -> dict[str, Any]:
        with self.cond:
            ok = self.cond.wait_for(
                lambda: any(predicate(m) for m in self.messages), timeout=timeout
            )
            assert ok, f"no matching message; got {self.messages}"
            return next(m for m in self.messages if predicate(m))

    def response(self, request_id: int) -> dict[str, Any]:
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m)

    def close(self) -> None:
        self.send({"id": 999, "method": "shutdown"})
        self.response(999)
        self.send({"method": "exit"})
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def raw():
    client = RawClient()
    client.send(
        {"id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}}
    )
    assert "capabilities" in client.response(1)["result"]
    client.send({"method": "initialized", "params": {}})
    yield client
    if client.proc.poll() is None:
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
        assert "error" not in reply or reply["error"]["code"] == -32601, (method, reply)
    _still_answers(raw, 200)
