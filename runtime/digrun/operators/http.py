"""`http>`: send an HTTP request.

```yaml
+notify:
  http>: https://api.example.com/hooks/${session_date}
  method: POST                       # default GET
  content: {status: done, n: 3}      # objects/arrays are sent as JSON by default
  content_format: json               # text | json | form
  headers:
    - Authorization: Bearer ${secret:api.token}
  query: {debug: true}               # or a query string: "a=1&b=2"
  store_content: true                # keep the body in ${http.last_content}
```

As Digdag's `HttpOperatorFactory`:

* params: `method` (upper-cased), `content`, `content_format`, `content_type`, `headers`
  (a list of single-entry maps), `query` (map or string), `store_content`, `retry`
  (default true for GET, HEAD, OPTIONS and TRACE), `timeout` (seconds, default 30),
  `follow_redirects` (default true, at most 8), `insecure` (skip TLS verification),
  `proxy: {enabled, host, port, tls}`; all also from `_export: {http: {...}}`.
* body: a scalar is sent as text with content type `plain/text` (sic), an object or an
  array as JSON (`application/json`); `form` sends an object URL-encoded; other
  combinations fail with `Invalid content format for strings: 'form'`.
* secrets: `${secret:key}` in the URI, headers, query and content; the secret `http.uri`
  replaces the URI, `http.authorization` is sent as the `Authorization` header, else
  `http.user`/`http.password` as basic authentication. A URI holding secrets is logged
  as `https://***`.
* stores `http.last_status` (always) and `http.last_content` (with `store_content`; a
  body over 64 KiB fails with `Response content too large: N > 65536`); both keys are
  reset first so an older value never leaks.
* 2xx and 3xx succeed. 4xx fails at once with `HTTP 4XX Client Error: GET <uri> - 404 Not
  Found: <start of the body>`, except 408 and 429, which are retried. 5xx
  (`HTTP 5XX Server Error: ...`), other statuses and connection errors are retried when
  `retry` is true, else fail. A retry is a `Poll` after 1, 2, 4 ... 30 seconds, without
  limit, as in Digdag.

Differences: proxies from the environment (`http_proxy`, `https_proxy`) honour
`no_proxy`; the user agent is `digrun`.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http import HTTPStatus

from digrun.operator import (
    JSON,
    ConfigError,
    OperatorContext,
    Poll,
    TaskError,
    TaskResult,
)
from digrun.operators._http_client import Client, Request, Response
from digrun.operators._support import (
    contains_secrets,
    format_secrets,
    get_bool,
    get_str,
    json_text,
    json_type,
    with_defaults,
)

MAX_STORED_CONTENT = 64 * 1024
ERROR_BODY_CHARS = 200
RETRY_MIN_SECONDS = 1
RETRY_MAX_SECONDS = 30
USER_AGENT = "digrun"


class Retryable(Exception):
    """A failure Digdag retries by polling (when the request may be retried)."""


def java_length(text: str) -> int:
    """`String.length()` in Java: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def reason_phrase(status: int) -> str:
    """The standard reason phrase of a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def safe_uri(request: Request) -> str:
    """The URI for logs and messages: no user info; `scheme://***` when it holds secrets."""
    parts = urllib.parse.urlsplit(request.uri)
    if request.uri_is_secret:
        return f"{parts.scheme}://***"
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_secrets(ctx: OperatorContext, value: JSON) -> JSON:
    """`${secret:...}` replaced in every string (and key) of a JSON value."""
    if isinstance(value, Mapping):
        return {format_secrets(ctx, k): resolve_secrets(ctx, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_secrets(ctx, item) for item in value]
    if isinstance(value, str):
        return format_secrets(ctx, value)
    return value


def as_text(value: JSON) -> str:
    """Jackson's `asText()` of a scalar."""
    return value if isinstance(value, str) else json_text(value)


def content_body(ctx: OperatorContext, params: Mapping[str, JSON]) -> tuple[bytes, str] | None:
    """The request body and its content type, from `content`, `content_format`, `content_type`."""
    content = params.get("content")
    if content is None:
        return None
    fmt = params.get("content_format")
    fmt = str(get_str(params, "content_format")).lower() if fmt is not None else None
    content_type = get_str(params, "content_type", None)
    node_type = json_type(content)

    def invalid(chosen: str) -> ConfigError:
        return ConfigError(f"Invalid content format for {node_type}s: '{chosen}'")

    if isinstance(content, Mapping | list):
        chosen = fmt or "json"
        if chosen == "json":
            text = json_text(resolve_secrets(ctx, content))
            return text.encode(), content_type or "application/json"
        if chosen == "form" and isinstance(content, Mapping):
            fields = []
            for key, value in resolve_secrets(ctx, content).items():
                if isinstance(value, Mapping | list):
                    raise ConfigError(f"Invalid form content field value: {json_text(value)}")
                fields.append((key, as_text(value)))
            return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        raise invalid(chosen)
    chosen = fmt or "text"
    resolved = resolve_secrets(ctx, content)
    if chosen == "text":
        return as_text(resolved).encode(), content_type or "plain/text"
    if chosen == "json":
        return json_text(resolved).encode(), content_type or "application/json"
    raise invalid(chosen)


def request_headers(ctx: OperatorContext, params: Mapping[str, JSON]) -> list[tuple[str, str]]:
    """The `headers` param: a list of single-entry maps (`Invalid header: ...`)."""
    entries = params.get("headers")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(
            f"Expected array for key 'headers' but got {json_text(entries)} ({json_type(entries)})"
        )
    headers = []
    for entry in entries:
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise ConfigError(f"Invalid header: {json_text(entry)}")
        ((name, value),) = entry.items()
        headers.append((format_secrets(ctx, name), format_secrets(ctx, as_text(value))))
    return headers


def query_pairs(ctx: OperatorContext, params: Mapping[str, JSON]) -> list[tuple[str, str]]:
    """The `query` param: a map, or a query string decoded into its pairs."""
    query = params.get("query")
    if query is None:
        return []
    if isinstance(query, Mapping):
        source = query
    elif isinstance(query, str):
        try:
            parsed = json.loads(query)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            text = format_secrets(ctx, query)
            return urllib.parse.parse_qsl(text, keep_blank_values=True)
        source = parsed
    else:
        raise ConfigError(f"Parameter 'query' must be an object: {json_text(query)}")
    return [
        (format_secrets(ctx, k), format_secrets(ctx, str(get_str(source, k, "")))) for k in source
    ]


def with_query(uri: str, pairs: list[tuple[str, str]]) -> str:
    """`uri` with `pairs` appended to its query string."""
    if not pairs:
        return uri
    parts = urllib.parse.urlsplit(uri)
    extra = urllib.parse.urlencode(pairs)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urllib.parse.urlunsplit(parts._replace(query=query))


def default_retry(method: str) -> bool:
    """Digdag retries idempotent reads by default."""
    return method in ("GET", "HEAD", "OPTIONS", "TRACE")


def build_request(ctx: OperatorContext, params: Mapping[str, JSON], uri: str) -> Request:
    """The request of an `http>`/`http_call>` task whose (secret-free) URI is `uri`."""
    method = str(get_str(params, "method", "GET")).upper()
    request = Request(method, with_query(uri, query_pairs(ctx, params)))
    request.headers.append(("User-Agent", USER_AGENT))
    authorization = ctx.secrets.get("http.authorization")
    user = ctx.secrets.get("http.user")
    if authorization is not None:
        request.headers.append(("Authorization", authorization))
    elif user is not None:
        password = ctx.secrets.get("http.password") or ""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.headers.append(("Authorization", f"Basic {token}"))
    content = content_body(ctx, params)
    user_headers = request_headers(ctx, params)
    if content is not None:
        request.body = content[0]
        if not any(name.lower() == "content-type" for name, _ in user_headers):
            request.headers.append(("Content-Type", content[1]))
    request.headers.extend(user_headers)
    return request


def request_status(request: Request, response: Response) -> str:
    """`GET <uri> - 404 Not Found: <start of the body>`."""
    body = response.text()[:ERROR_BODY_CHARS]
    return (
        f"{request.method} {safe_uri(request)} - {response.status} "
        f"{reason_phrase(response.status)}: {body}"
    )


def execute(ctx: OperatorContext, params: Mapping[str, JSON], request: Request) -> Response:
    """Send `request` once; map the outcome to success, `TaskError` or a retry `Poll`."""
    retry = bool(get_bool(params, "retry", default_retry(request.method)))
    client = Client(params)
    ctx.log(f"Sending HTTP request: {request.method} {safe_uri(request)}")
    try:
        try:
            response = client.send(request)
        except (OSError, http.client.HTTPException) as error:
            message = f"{type(error).__name__}: {error}"
            ctx.log(f"Exception without response: {request.method} {safe_uri(request)}: {message}")
            if not retry:
                raise TaskError(message) from None
            raise Retryable(message) from None
        ctx.log(f"Received HTTP response: {request.method} {safe_uri(request)}: {response.status}")
        status = response.status
        if 200 <= status < 400:
            return response
        if 400 <= status < 500:
            if status in (408, 429):
                raise Retryable("Failed HTTP request: " + request_status(request, response))
            raise TaskError("HTTP 4XX Client Error: " + request_status(request, response))
        prefix = "HTTP 5XX Server Error: " if status < 600 else "Unexpected HTTP status: "
        if not retry:
            raise TaskError(prefix + request_status(request, response))
        raise Retryable(prefix + request_status(request, response))
    except Retryable as error:
        state = dict(ctx.state)
        retry_state = dict(state.get("request") or {})
        iteration = int(retry_state.get("retry", 0))
        retry_state["retry"] = iteration + 1
        state["request"] = retry_state
        interval = min(RETRY_MIN_SECONDS * 2**iteration, RETRY_MAX_SECONDS)
        ctx.log(f"HTTP request failed: {error}: retrying in {interval} seconds")
        raise Poll(interval, state) from None


def request_uri(ctx: OperatorContext, params: Mapping[str, JSON]) -> tuple[str, bool]:
    """The command URI with its secrets resolved, and whether it held any."""
    command = str(get_str(params, "_command"))
    return format_secrets(ctx, command), contains_secrets(command)


class HttpOperator:
    """`http>`: the command is the URI."""

    name = "http"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Send the request and store its status (and body)."""
        params = with_defaults(ctx, "http")
        secret_uri = ctx.secrets.get("http.uri")
        if secret_uri is not None:
            uri, uri_is_secret = secret_uri, True
        else:
            uri, uri_is_secret = request_uri(ctx, params)
        store_content = bool(get_bool(params, "store_content", False))
        request = build_request(ctx, params, uri)
        request.uri_is_secret = uri_is_secret
        if ctx.dry_run:
            return TaskResult()
        response = execute(ctx, params, request)
        stored: dict[str, JSON] = {"last_status": response.status}
        reset = ["http.last_status"]
        if store_content:
            content = response.text()
            if java_length(content) > MAX_STORED_CONTENT:
                raise TaskError(
                    f"Response content too large: {java_length(content)} > {MAX_STORED_CONTENT}"
                )
            stored["last_content"] = content
            reset.append("http.last_content")
        return TaskResult(store_params={"http": stored}, reset_store_params=reset)


OPERATOR = HttpOperator()
