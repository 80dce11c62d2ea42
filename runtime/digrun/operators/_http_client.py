"""The HTTP transport of `http>` and `http_call>`: Digdag's redirects (at most 8; 303, and
301/302 after a POST, continue as GET), proxies (the `proxy` param, else `http_proxy` /
`https_proxy` honouring `no_proxy`), TLS verification (`insecure`) and timeout."""

from __future__ import annotations

import http.client
import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from digrun.operator import JSON, ConfigError
from digrun.operators._support import get_bool, get_int, get_str, nested

MAX_REDIRECTS = 8
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Request:
    """A request ready to send."""

    method: str
    uri: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    uri_is_secret: bool = False


@dataclass
class Response:
    """What came back."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (UTF-8 by default)."""
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")


class Client:
    """Sends requests with Digdag's redirect, proxy, TLS and timeout settings."""

    def __init__(self, params: Mapping[str, JSON]) -> None:
        self.timeout = float(get_int(params, "timeout", 30))
        self.follow_redirects = bool(get_bool(params, "follow_redirects", True))
        self.insecure = bool(get_bool(params, "insecure", False))
        proxy = nested(params, "proxy")
        self.proxy: tuple[str, int, bool] | None = None
        if get_bool(proxy, "enabled", False):
            self.proxy = (
                str(get_str(proxy, "host")),
                int(get_int(proxy, "port")),
                bool(get_bool(proxy, "tls", False)),
            )

    def _connection(
        self, parts: urllib.parse.SplitResult
    ) -> tuple[http.client.HTTPConnection, str]:
        """A connection for the URI and the request target to send on it."""
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ConfigError(f"unsupported URI scheme `{parts.scheme}`: use http or https")
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        context = ssl.create_default_context()
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        proxy = self.proxy or self._env_proxy(scheme, host)
        if proxy is None:
            if scheme == "https":
                return http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=context
                ), target
            return http.client.HTTPConnection(host, port, timeout=self.timeout), target
        proxy_host, proxy_port, proxy_tls = proxy
        if scheme == "https":  # a CONNECT tunnel through the proxy
            tunnel = http.client.HTTPSConnection(
                proxy_host, proxy_port, timeout=self.timeout, context=context
            )
            tunnel.set_tunnel(host, port)
            return tunnel, target
        absolute = urllib.parse.urlunsplit(parts._replace(fragment=""))
        if proxy_tls:
            return http.client.HTTPSConnection(
                proxy_host, proxy_port, timeout=self.timeout, context=context
            ), absolute
        return http.client.HTTPConnection(proxy_host, proxy_port, timeout=self.timeout), absolute

    @staticmethod
    def _env_proxy(scheme: str, host: str) -> tuple[str, int, bool] | None:
        url = urllib.request.getproxies().get(scheme)
        if not url or urllib.request.proxy_bypass(host):
            return None
        parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        tls = parts.scheme == "https"
        return parts.hostname or "", parts.port or (443 if tls else 80), tls

    def send(self, request: Request) -> Response:
        """Send, following redirects; raises OSError/HTTPException for transport failures."""
        method, uri, body = request.method, request.uri, request.body
        headers = list(request.headers)
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(uri)
            conn, target = self._connection(parts)
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                if body is not None:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                raw = conn.getresponse()
                response = Response(raw.status, raw.reason, raw.headers, raw.read())
            finally:
                conn.close()
            location = response.headers.get("Location")
            if not (self.follow_redirects and response.status in REDIRECTS and location):
                return response
            uri = urllib.parse.urljoin(uri, location)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method = "GET" if method != "HEAD" else method
                body = None
                headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
        return response
