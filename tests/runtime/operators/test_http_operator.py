"""`http>` against a local HTTP server: bodies, headers, query, secrets, stores, errors."""

from __future__ import annotations

import json
import socket

import pytest

from digrun.operator import ConfigError, Poll, TaskError, TaskResult
from digrun.operators.http import OPERATOR as HTTP

from .op_harness import Harness
from .op_web import WebServer


def status_store(status: int, content: str | None = None) -> TaskResult:
    stored: dict[str, object] = {"last_status": status}
    reset = ["http.last_status"]
    if content is not None:
        stored["last_content"] = content
        reset.append("http.last_content")
    return TaskResult(store_params={"http": stored}, reset_store_params=reset)


def test_get_stores_status_only(harness: Harness, web: WebServer) -> None:
    assert HTTP.run(harness.ctx("http", f"{web.url}/echo")) == status_store(200)
    (seen,) = web.requests
    assert (seen.method, seen.path, seen.body) == ("GET", "/echo", b"")
    assert seen.headers["user-agent"] == "digrun"
    assert harness.lines == [
        f"Sending HTTP request: GET {web.url}/echo",
        f"Received HTTP response: GET {web.url}/echo: 200",
    ]


def test_store_content(harness: Harness, web: WebServer) -> None:
    web.routes["/data"] = (200, "application/json", b'["a", "b"]')
    result = HTTP.run(harness.ctx("http", f"{web.url}/data", {"store_content": True}))
    assert result == status_store(200, '["a", "b"]')


def test_content_charset(harness: Harness, web: WebServer) -> None:
    web.routes["/latin"] = (200, "text/plain; charset=iso-8859-1", "héllo".encode("latin-1"))
    result = HTTP.run(harness.ctx("http", f"{web.url}/latin", {"store_content": True}))
    assert result.store_params["http"]["last_content"] == "héllo"


def test_content_too_large(harness: Harness, web: WebServer) -> None:
    web.routes["/big"] = (200, "text/plain", b"x" * (64 * 1024 + 1))
    with pytest.raises(TaskError, match=r"^Response content too large: 65537 > 65536$"):
        HTTP.run(harness.ctx("http", f"{web.url}/big", {"store_content": True}))


def echo(harness: Harness, web: WebServer, params: dict[str, object]) -> dict[str, object]:
    params = {"store_content": True, **params}
    result = HTTP.run(harness.ctx("http", f"{web.url}/echo", params))
    return json.loads(result.store_params["http"]["last_content"])


def test_object_content_is_json(harness: Harness, web: WebServer) -> None:
    got = echo(harness, web, {"method": "post", "content": {"a": 1, "b": ["x", None]}})
    assert got["method"] == "POST"
    assert got["body"] == '{"a":1,"b":["x",null]}'
    assert got["content_type"] == "application/json"


def test_scalar_content_is_plain_text(harness: Harness, web: WebServer) -> None:
    got = echo(harness, web, {"method": "PUT", "content": 42})
    assert (got["body"], got["content_type"]) == ("42", "plain/text")
    got = echo(harness, web, {"method": "PUT", "content": "hi", "content_format": "json"})
    assert (got["body"], got["content_type"]) == ('"hi"', "application/json")


def test_form_content(harness: Harness, web: WebServer) -> None:
    params = {
        "method": "POST",
        "content": {"q": "a b", "n": 1, "t": True},
        "content_format": "form",
    }
    got = echo(harness, web, params)
    assert got["body"] == "q=a+b&n=1&t=true"
    assert got["content_type"] == "application/x-www-form-urlencoded"


def test_content_type_override(harness: Harness, web: WebServer) -> None:
    params = {"method": "POST", "content": {"a": 1}, "content_type": "application/vnd+json"}
    assert echo(harness, web, params)["content_type"] == "application/vnd+json"


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ([1, 2], "form", "Invalid content format for arrays: 'form'"),
        ({"a": 1}, "text", "Invalid content format for objects: 'text'"),
        ("x", "form", "Invalid content format for strings: 'form'"),
        ({"a": {"b": 1}}, "form", 'Invalid form content field value: {"b":1}'),
    ],
)
def test_invalid_content_format(
    harness: Harness, web: WebServer, content: object, fmt: str, message: str
) -> None:
    params = {"method": "POST", "content": content, "content_format": fmt}
    with pytest.raises(ConfigError) as error:
        HTTP.run(harness.ctx("http", f"{web.url}/echo", params))
    assert str(error.value) == message


def test_headers_and_secrets(harness: Harness, web: WebServer) -> None:
    params = {"headers": [{"X-Token": "t ${secret:tok}"}, {"X-N": 5}]}
    HTTP.run(harness.ctx("http", f"{web.url}/echo", params, secrets={"tok": "abc"}))
    assert web.requests[0].headers["x-token"] == "t abc"
    assert web.requests[0].headers["x-n"] == "5"


def test_invalid_header(harness: Harness, web: WebServer) -> None:
    with pytest.raises(ConfigError, match=r'^Invalid header: \{"a":"1","b":"2"\}$'):
        HTTP.run(harness.ctx("http", f"{web.url}/echo", {"headers": [{"a": "1", "b": "2"}]}))


def test_query_map_and_string(harness: Harness, web: WebServer) -> None:
    HTTP.run(harness.ctx("http", f"{web.url}/echo?x=0", {"query": {"a": "1 2", "b": True}}))
    HTTP.run(
        harness.ctx("http", f"{web.url}/echo", {"query": "c=3&d=${secret:s}"}, secrets={"s": "z"})
    )
    assert web.requests[0].query == [("x", "0"), ("a", "1 2"), ("b", "true")]
    assert web.requests[1].query == [("c", "3"), ("d", "z")]


def test_namespace_defaults(harness: Harness, web: WebServer) -> None:
    params = {"http": {"method": "DELETE", "headers": [{"X-A": "ns"}]}, "method": "PATCH"}
    HTTP.run(harness.ctx("http", f"{web.url}/echo", params))
    assert web.requests[0].method == "PATCH"
    assert web.requests[0].headers["x-a"] == "ns"


def test_authorization_secrets(harness: Harness, web: WebServer) -> None:
    secrets = {"http.user": "me", "http.password": "pw"}
    HTTP.run(harness.ctx("http", f"{web.url}/echo", secrets=secrets))
    secrets = {**secrets, "http.authorization": "Token xyz"}
    HTTP.run(harness.ctx("http", f"{web.url}/echo", secrets=secrets))
    assert web.requests[0].headers["authorization"] == "Basic bWU6cHc="
    assert web.requests[1].headers["authorization"] == "Token xyz"


def test_secret_uri_is_hidden(harness: Harness, web: WebServer) -> None:
    ctx = harness.ctx(
        "http", "http://ignored.invalid/", secrets={"http.uri": f"{web.url}/status/404"}
    )
    with pytest.raises(TaskError) as error:
        HTTP.run(ctx)
    assert (
        str(error.value) == "HTTP 4XX Client Error: GET http://*** - 404 Not Found: error body 404"
    )
    assert web.requests[0].path == "/status/404"


def test_uri_with_secret_is_hidden(harness: Harness, web: WebServer) -> None:
    ctx = harness.ctx("http", f"{web.url}/status/${{secret:p}}", secrets={"p": "403"})
    with pytest.raises(
        TaskError, match=r"^HTTP 4XX Client Error: GET http://\*\*\* - 403 Forbidden"
    ):
        HTTP.run(ctx)


def test_client_error_fails_at_once(harness: Harness, web: WebServer) -> None:
    with pytest.raises(TaskError) as error:
        HTTP.run(harness.ctx("http", f"http://user:pw@{web.url[7:]}/status/404"))
    assert type(error.value) is TaskError
    assert str(error.value) == (
        f"HTTP 4XX Client Error: GET {web.url}/status/404 - 404 Not Found: error body 404"
    )


def test_server_error_retried_by_polling(harness: Harness, web: WebServer) -> None:
    with pytest.raises(Poll) as poll:
        HTTP.run(harness.ctx("http", f"{web.url}/status/503"))
    assert (poll.value.interval, poll.value.state) == (1, {"request": {"retry": 1}})
    with pytest.raises(Poll) as poll:
        HTTP.run(harness.ctx("http", f"{web.url}/status/503", state={"request": {"retry": 5}}))
    assert (poll.value.interval, poll.value.state) == (30, {"request": {"retry": 6}})
    assert harness.lines[-1] == (
        f"HTTP request failed: HTTP 5XX Server Error: GET {web.url}/status/503 - 503 Service"
        " Unavailable: error body 503: retrying in 30 seconds"
    )


def test_server_error_without_retry(harness: Harness, web: WebServer) -> None:
    with pytest.raises(TaskError) as error:
        HTTP.run(harness.ctx("http", f"{web.url}/status/500", {"method": "POST"}))
    assert str(error.value) == (
        f"HTTP 5XX Server Error: POST {web.url}/status/500 - 500 Internal Server Error:"
        " error body 500"
    )
    with pytest.raises(Poll):
        HTTP.run(harness.ctx("http", f"{web.url}/status/500", {"method": "POST", "retry": True}))


def test_too_many_requests_always_retried(harness: Harness, web: WebServer) -> None:
    with pytest.raises(Poll):
        HTTP.run(harness.ctx("http", f"{web.url}/status/429", {"retry": False}))


def test_retry_then_success(harness: Harness, web: WebServer) -> None:
    web.sequences["/echo"] = [503]
    with pytest.raises(Poll) as poll:
        HTTP.run(harness.ctx("http", f"{web.url}/echo"))
    assert HTTP.run(harness.ctx("http", f"{web.url}/echo", state=poll.value.state)) == status_store(
        200
    )


def test_connection_refused(harness: Harness) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TaskError, match=r"^ConnectionRefusedError: "):
        HTTP.run(harness.ctx("http", f"http://127.0.0.1:{port}/", {"retry": False}))
    with pytest.raises(Poll):
        HTTP.run(harness.ctx("http", f"http://127.0.0.1:{port}/"))


def test_redirects(harness: Harness, web: WebServer) -> None:
    got = echo(harness, web, {})
    assert got["query"] == []
    result = HTTP.run(harness.ctx("http", f"{web.url}/redirect", {"store_content": True}))
    assert json.loads(result.store_params["http"]["last_content"])["query"] == [
        ["from", "redirect"]
    ]
    result = HTTP.run(harness.ctx("http", f"{web.url}/redirect", {"follow_redirects": False}))
    assert result == status_store(302)
    result = HTTP.run(
        harness.ctx(
            "http", f"{web.url}/redirect", {"method": "POST", "content": "x", "store_content": True}
        )
    )
    assert json.loads(result.store_params["http"]["last_content"])["method"] == "GET"


def test_dry_run_sends_nothing(harness: Harness, web: WebServer) -> None:
    assert HTTP.run(harness.ctx("http", f"{web.url}/echo", dry_run=True)) == TaskResult()
    assert web.requests == []
