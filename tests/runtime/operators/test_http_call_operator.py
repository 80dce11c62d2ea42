"""`http_call>`: the fetched workflow becomes the task's `^sub`."""

from __future__ import annotations

import json

import pytest

from digrun.operator import CommandError, Poll, TaskError, TaskResult
from digrun.operators.http_call import OPERATOR as HTTP_CALL

from .op_harness import Harness
from .op_web import WebServer

WORKFLOW = {
    "_export": {"greeting": "hi"},
    "+first": {"echo>": "${greeting}"},
    "+second": {"sh>": "echo 2", "_retry": 1},
}


def test_json_workflow(harness: Harness, web: WebServer) -> None:
    web.routes["/wf.json"] = (200, "application/json; charset=utf-8", json.dumps(WORKFLOW).encode())
    result = HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf.json"))
    assert result == TaskResult(subtask_config=WORKFLOW)
    written = (harness.project / "http_call.dig").read_text()
    assert json.loads(written) == WORKFLOW


def test_yaml_workflow(harness: Harness, web: WebServer) -> None:
    yaml = "timezone: Asia/Tokyo\n+a:\n  echo>: été\n+b:\n  sh>: echo ${x}\n"
    web.routes["/wf"] = (200, "application/x-yaml", yaml.encode())
    result = HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf"))
    assert result.subtask_config == {"+a": {"echo>": "été"}, "+b": {"sh>": "echo ${x}"}}
    assert (harness.project / "http_call.dig").read_text() == yaml


def test_request_params_are_those_of_http(harness: Harness, web: WebServer) -> None:
    web.routes["/wf"] = (200, "application/json", b'{"+a": {"echo>": "x"}}')
    params = {"http": {"method": "POST"}, "content": {"q": 1}, "query": {"v": "2"}}
    HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf", params, secrets={"http.user": "u"}))
    (seen,) = web.requests
    assert (seen.method, seen.query, seen.body) == ("POST", [("v", "2")], b'{"q":1}')
    assert seen.headers["authorization"] == "Basic dTo="


def test_content_type_override(harness: Harness, web: WebServer) -> None:
    web.routes["/wf.txt"] = (200, "text/plain", b"+a:\n  echo>: from text\n")
    params = {"content_type_override": "application/x-yaml"}
    result = HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf.txt", params))
    assert result.subtask_config == {"+a": {"echo>": "from text"}}


def test_unsupported_content_type(harness: Harness, web: WebServer) -> None:
    web.routes["/wf.txt"] = (200, "text/plain; charset=utf-8", b"+a: {}")
    with pytest.raises(TaskError) as error:
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf.txt"))
    assert str(error.value) == (
        "Unsupported Content-Type (expected application/json or application/x-yaml):"
        " text/plain; charset=utf-8"
    )


def test_missing_content_type(harness: Harness, web: WebServer) -> None:
    web.routes["/bare"] = (200, None, b"{}")
    with pytest.raises(TaskError, match=r"^Content-Type must be set in the HTTP response"):
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/bare"))


def test_invalid_json(harness: Harness, web: WebServer) -> None:
    web.routes["/bad.json"] = (200, "application/json", b"{nope")
    with pytest.raises(CommandError, match=r"^Failed to parse response as JSON: "):
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/bad.json"))


def test_http_errors_as_http(harness: Harness, web: WebServer) -> None:
    with pytest.raises(TaskError, match=r"^HTTP 4XX Client Error: GET .*/status/404 - 404"):
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/status/404"))
    with pytest.raises(Poll):
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/status/502"))


def test_too_large(harness: Harness, web: WebServer) -> None:
    web.routes["/big"] = (200, "application/json", b'{"a": "' + b"x" * 70000 + b'"}')
    with pytest.raises(TaskError, match=r"^Response content too large: 70009 > 65536$"):
        HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/big"))


def test_dry_run(harness: Harness, web: WebServer) -> None:
    assert HTTP_CALL.run(harness.ctx("http_call", f"{web.url}/wf", dry_run=True)) == TaskResult()
    assert web.requests == []
