"""A local HTTP server for the `http>` and `http_call>` tests: it answers by path and keeps
every request it got."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class WebServer:
    server: ThreadingHTTPServer
    requests: list[Seen] = field(default_factory=list)
    # path -> (status, content type or None, body): what to answer, set by each test
    routes: dict[str, tuple[int, str | None, bytes]] = field(default_factory=dict)
    # path -> statuses to answer first, one per request, before the route
    sequences: dict[str, list[int]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> WebServer:
    web: WebServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            seen = Seen(
                self.command,
                parts.path,
                parse_qsl(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            web.requests.append(seen)
            pending = web.sequences.get(parts.path)
            if pending:
                status, ctype, payload = pending.pop(0), "text/plain", b"busy"
            elif parts.path == "/echo":
                status, ctype = 200, "application/json"
                payload = json.dumps(
                    {
                        "method": seen.method,
                        "query": seen.query,
                        "body": body.decode("utf-8", "replace"),
                        "content_type": seen.headers.get("content-type"),
                    }
                ).encode()
            elif parts.path.startswith("/status/"):
                status = int(parts.path.rsplit("/", 1)[1])
                ctype, payload = "text/plain", f"error body {status}".encode()
            elif parts.path.startswith("/redirect"):
                status, ctype, payload = 302, "text/plain", b""
            elif parts.path in web.routes:
                status, ctype, payload = web.routes[parts.path]
            else:
                status, ctype, payload = 404, "text/plain", b"no such page"
            self.send_response(status)
            if ctype is not None:
                self.send_header("Content-Type", ctype)
            if parts.path.startswith("/redirect"):
                self.send_header("Location", "/echo?from=redirect")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    web = WebServer(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return web
