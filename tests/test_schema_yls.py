"""The generated schema as a third-party tool sees it: the real yaml-language-server (npm).

The server (pinned in tests/yls/package.json; install with `npm ci --prefix tests/yls`) runs as
a subprocess speaking LSP over stdio. The client below is the smallest JSON-RPC client that
works: a reader thread queues incoming messages, and every wait is a queue read with a
deadline — no sleeps. Sample files bind the schema with a `# yaml-language-server: $schema=`
modeline, as users would.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
YLS = ROOT / "tests" / "yls"
SERVER = YLS / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
SAMPLES = YLS / "samples"
SCHEMA_URI = (ROOT / "schemas" / "digdag.schema.json").as_uri()
TIMEOUT = 10.0
SETTINGS = {
    "yaml": {
        "validate": True,
        "completion": True,
        "hover": True,
        "schemaStore": {"enable": False},  # no network
        "customTags": ["!include scalar"],
    }
}

Message = dict[str, Any]


class LspClient:
    """JSON-RPC over a subprocess's stdio, answering the server's own requests."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.stdin: IO[bytes] = process.stdin
        self.inbox: queue.Queue[Message | None] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while line := stream.readline():
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line:
                self.inbox.put(None)  # the server exited
                return
            self.inbox.put(json.loads(stream.read(length)))

    def send(self, message: Message) -> None:
        """Write one message."""
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        """Send a notification."""
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        """Send a request and return its result."""
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        reply = self.wait_for(lambda m: m.get("id") == ident and "method" not in m)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply.get("result")

    def wait_for(self, wanted: Callable[[Message], bool]) -> Message:
        """Read messages until one satisfies `wanted`; answer server requests meanwhile."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                message = self.inbox.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise AssertionError("no answer from yaml-language-server in time") from None
            if message is None:
                raise AssertionError("yaml-language-server exited")
            if "method" in message and "id" in message:
                self.send({"id": message["id"], "result": self._answer(message)})
            elif wanted(message):
                return message

    @staticmethod
    def _answer(request: Message) -> Any:
        if request["method"] == "workspace/configuration":
            items = request["params"]["items"]
            return [SETTINGS.get(item.get("section", "")) for item in items]
        return None  # client/registerCapability, window/workDoneProgress/create, ...

    def diagnostics(self, uri: str, *, until_any: bool = False) -> list[Message]:
        """The next diagnostics published for `uri` (the next non-empty ones if asked)."""
        while True:
            note = self.wait_for(
                lambda m: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri
                )
            )
            found: list[Message] = note["params"]["diagnostics"]
            if found or not until_any:
                return found


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    node = shutil.which("node")
    if node is None or not SERVER.is_file():
        pytest.skip("yaml-language-server is not installed: npm ci --prefix tests/yls")
    log = tmp_path_factory.mktemp("yls") / "stderr.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [node, str(SERVER), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    lsp = LspClient(process)
    try:
        lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": CAPS})
        lsp.notify("initialized", {})
        lsp.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
        yield lsp
        lsp.request("shutdown", None)
        lsp.notify("exit", None)
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


CAPS = {
    "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
    "textDocument": {
        "completion": {"completionItem": {"snippetSupport": True}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "publishDiagnostics": {},
    },
}


def with_modeline(text: str) -> str:
    """Bind the workflow to the generated schema the way a user would."""
    return f"# yaml-language-server: $schema={SCHEMA_URI}\n{text}"


def open_doc(client: LspClient, name: str, text: str) -> str:
    """Open a document under a fresh URI; returns the URI."""
    uri = f"file:///digkit-yls-test/{name}"
    item = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
    client.notify("textDocument/didOpen", {"textDocument": item})
    return uri


def marked_lines(text: str) -> set[int]:
    """0-based numbers of the lines ending in `# error`."""
    return {n for n, line in enumerate(text.splitlines()) if line.rstrip().endswith("# error")}


def test_wrong_values_are_errors(client: LspClient) -> None:
    text = with_modeline((SAMPLES / "invalid.dig").read_text(encoding="utf-8"))
    uri = open_doc(client, "invalid.dig", text)
    found = client.diagnostics(uri, until_any=True)
    assert {d["range"]["start"]["line"] for d in found} == marked_lines(text)
    messages = {d["range"]["start"]["line"]: d["message"] for d in found}
    priority = next(n for n, line in enumerate(text.splitlines()) if "priority: high" in line)
    assert "integer" in messages[priority]


def test_valid_sample_has_no_diagnostics(client: LspClient) -> None:
    text = with_modeline((SAMPLES / "valid.dig").read_text(encoding="utf-8"))
    uri = open_doc(client, "valid.dig", text)
    assert client.diagnostics(uri) == []
    # The same document with one bad value is flagged: the schema was applied to it.
    bad = text + "+extra:\n  _parallel:\n    limit: x\n"
    change = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": bad}]}
    client.notify("textDocument/didChange", change)
    assert [d["range"]["start"]["line"] for d in client.diagnostics(uri, until_any=True)] == [
        len(text.splitlines()) + 2
    ]


def completion_labels(client: LspClient, uri: str, line: int, character: int) -> set[str]:
    """Labels offered at a position."""
    params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
    result = client.request("textDocument/completion", params)
    items = result["items"] if isinstance(result, dict) else result
    return {item["label"] for item in items}


def test_completion_offers_operators_and_directives(client: LspClient) -> None:
    uri = open_doc(client, "complete.dig", with_modeline("+step:\n  \n"))
    labels = completion_labels(client, uri, 2, 2)
    assert {"sh>", "td>", "py>", "echo>", "loop>", "_retry", "_parallel", "_error"} <= labels


def test_completion_offers_operator_params(client: LspClient) -> None:
    uri = open_doc(client, "params.dig", with_modeline("+q:\n  td>: queries/q.sql\n  \n"))
    labels = completion_labels(client, uri, 3, 2)
    assert {"database", "engine", "priority", "create_table", "store_last_results"} <= labels


def test_hover_shows_operator_docs(client: LspClient) -> None:
    uri = open_doc(client, "hover.dig", with_modeline("+q:\n  td>: queries/q.sql\n"))
    params = {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}}
    hover = client.request("textDocument/hover", params)
    assert "Treasure Data" in hover["contents"]["value"]
    assert "https://docs.digdag.io/operators/td.html" in hover["contents"]["value"]
