"""A minimal JSON-RPC client for a language server on stdio (benchmarks and protocol tests).

It frames messages by hand, so it can also send what a well-behaved client never would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]


class StdioClient:
    """Starts `command` (default: this Python's `-m diglsp`) and talks JSON-RPC to it."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "diglsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: list[Message] = []
        self.cond = threading.Condition()
        self._next_id = 1000
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
        """Send one framed message body, whatever it holds."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message: Message) -> None:
        """Send a JSON-RPC 2.0 message."""
        self.send_raw(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def notify(self, method: str, params: Any) -> None:
        """Send a notification."""
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 30) -> Message:
        """Send a request and wait for its response message."""
        self._next_id += 1
        request_id = self._next_id
        self.send({"id": request_id, "method": method, "params": params})
        return self.response(request_id, timeout)

    def wait(self, predicate: Callable[[Message], bool], timeout: float = 30) -> Message:
        """The first message received so far or later that matches `predicate`."""
        with self.cond:
            found = self.cond.wait_for(
                lambda: any(predicate(m) for m in self.messages), timeout=timeout
            )
            if not found:
                raise TimeoutError(f"no matching message within {timeout} s")
            return next(m for m in self.messages if predicate(m))

    def response(self, request_id: int, timeout: float = 30) -> Message:
        """The response to request `request_id`."""
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    def diagnostics(self, uri: str, version: int, timeout: float = 30) -> Message:
        """The `publishDiagnostics` notification for `uri` at `version`."""
        return self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            timeout,
        )

    def initialize(self, root_uri: str | None = None, options: Any = None) -> Message:
        """The initialize handshake."""
        params = {
            "processId": None,
            "rootUri": root_uri,
            "capabilities": {},
            "initializationOptions": options,
        }
        result = self.request("initialize", params)
        self.notify("initialized", {})
        return result

    def close(self) -> None:
        """Shut the server down and wait for it to exit."""
        if self.proc.poll() is None:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
