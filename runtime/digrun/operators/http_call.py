"""`http_call>`: fetch a workflow over HTTP and run it as this task's subtasks.

```yaml
+dynamic:
  http_call>: https://config.example.com/workflows/${session_date}
  headers:
    - Authorization: Bearer ${secret:config.token}
```

As Digdag's `HttpCallOperatorFactory`: the request is made exactly as `http>` makes it
(`method`, `content`, `headers`, `query`, `retry`, `timeout`, the `http.user`,
`http.password` and `http.authorization` secrets, `_export: {http: {...}}` defaults; the
secret `http.uri` is not used). The response body (at most 64 KiB: `Response content too
large: N > 65536`) is a workflow definition: `application/json` (an object) or
`application/x-yaml`, as the response's `Content-Type` says, or `content_type_override`.
It is written to `http_call.dig` in the working directory and runs as this task's `^sub`,
like `call>` (its `_export`, `_error`, `_retry`, `_parallel` and tasks; `timezone`
ignored). A JSON body is written as JSON (valid YAML), where Digdag reformats it as YAML.

Errors: `Content-Type must be set in the HTTP response but not set`, `Unsupported
Content-Type (expected application/json or application/x-yaml): text/plain`, `Failed to
parse response as JSON: ...`, and those of `http>` and `call>`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from email.message import Message

from digrun.operator import CommandError, OperatorContext, TaskError, TaskResult
from digrun.operators import call
from digrun.operators._http_client import Response
from digrun.operators._support import get_str, with_defaults
from digrun.operators.http import (
    MAX_STORED_CONTENT,
    build_request,
    execute,
    java_length,
    request_uri,
)

WORKFLOW_FILE_NAME = "http_call.dig"


def media_type(response: Response, override: str | None) -> tuple[str, str]:
    """`(type/subtype, charset)` of the body: the override, else the response header."""
    header = override if override is not None else response.headers.get("Content-Type")
    if not header:
        raise TaskError("Content-Type must be set in the HTTP response but not set")
    parsed = Message()
    parsed["Content-Type"] = header
    return parsed.get_content_type(), parsed.get_content_charset() or "utf-8"


def workflow_source(response: Response, override: str | None) -> str:
    """The text of `http_call.dig` from the response body."""
    kind, charset = media_type(response, override)
    try:
        content = response.body.decode(charset, "replace")
    except LookupError:
        content = response.body.decode("utf-8", "replace")
    if java_length(content) > MAX_STORED_CONTENT:
        raise TaskError(
            f"Response content too large: {java_length(content)} > {MAX_STORED_CONTENT}"
        )
    if kind == "application/json":
        try:
            definition = json.loads(content)
        except ValueError as error:
            raise CommandError(f"Failed to parse response as JSON: {error}") from None
        if not isinstance(definition, dict):
            raise CommandError(
                "Failed to parse response as JSON: expected a JSON object but got "
                f"{type(definition).__name__}"
            )
        return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"
    if kind == "application/x-yaml":
        return content
    shown = override if override is not None else response.headers.get("Content-Type")
    raise TaskError(
        f"Unsupported Content-Type (expected application/json or application/x-yaml): {shown}"
    )


class HttpCallOperator:
    """`http_call>`: the command is the URI of a workflow definition."""

    name = "http_call"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Fetch the definition, write `http_call.dig`, and return it as `^sub`."""
        params = with_defaults(ctx, "http")
        uri, uri_is_secret = request_uri(ctx, params)
        request = build_request(ctx, params, uri)
        request.uri_is_secret = uri_is_secret
        override = get_str(params, "content_type_override", None)
        if ctx.dry_run:
            return TaskResult()
        response = execute(ctx, params, request)
        source = workflow_source(response, override)
        ctx.path(WORKFLOW_FILE_NAME).write_text(source, encoding="utf-8")
        return call.OPERATOR.run(replace(ctx, command=WORKFLOW_FILE_NAME))


OPERATOR = HttpCallOperator()
