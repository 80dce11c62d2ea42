"""`s3_wait>`: wait until an S3 object exists (needs `boto3`: `pip install 'digkit[s3]'`).

```yaml
+wait_for_file:
  s3_wait>: my-bucket/data/${session_date}/part-0.csv   # or bucket: + key:
  timeout: 2h                  # give up after this long (default: wait forever)
  continue_on_timeout: true    # succeed with ${s3.last_object.result} = false instead
  endpoint: http://127.0.0.1:8333       # an S3-compatible server; default AWS
  region: us-east-1
  path_style_access: true
```

As Digdag's `S3WaitOperatorFactory`: params also come from `_export: {aws: {s3: {...}}}`
and then `_export: {aws: {...}}`. Credentials are the secrets `aws.s3.access_key_id`
(else `aws.access_key_id`) and `aws.s3.secret_access_key` (else
`aws.secret_access_key`); the secrets `aws.s3.endpoint`, `aws.s3.region` (else
`aws.region`) win over the params; `aws.s3.sse_c_key` (+ `_algorithm`, `_md5`) reads an
object encrypted with a customer key; `version_id` waits for one version.

Each run sends one HEAD request. While the object is missing (404) the task polls again
after 5 s, 10 s, 20 s ... at most 5 minutes (with a `timeout`: the time left, at least
5 s). Other failures are retried the same way from 1 s to 30 s, except client errors (4xx),
which fail at once. When found, it stores `s3.last_object` = `{result: true, metadata:
{Content-Length, Content-Type, ETag, Last-Modified (epoch ms), ...}, user_metadata: {...}}`;
after a `timeout`, it fails with `Timeout happened`, or with `continue_on_timeout` stores
`{result: false}`. `s3.last_object` is reset first. `_retry` does not apply (Digdag's
s3_wait ignores it).

Errors: `Either the s3_wait operator command or both 'bucket' and 'key' parameters must be
set`, `Illegal s3 path: X`, `Secret not found for key: 'aws.access_key_id'`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from digrun.operator import JSON, ConfigError, OperatorContext, Poll, TaskError, TaskResult
from digrun.operators._support import (
    get_bool,
    get_duration,
    get_str,
    secret,
    with_defaults,
)

POLL_MIN_SECONDS = 5
POLL_MAX_SECONDS = 300
RETRY_MIN_SECONDS = 1
RETRY_MAX_SECONDS = 30
IGNORED_HEADERS = {"date", "server", "x-amz-request-id", "x-amz-id-2"}


def object_location(params: Mapping[str, JSON]) -> tuple[str, str]:
    """`(bucket, key)` from the command `bucket/key` or the `bucket` and `key` params."""
    command = params.get("_command")
    bucket, key = params.get("bucket"), params.get("key")
    has_command = command is not None and command != ""
    if (has_command and (bucket is not None or key is not None)) or (
        not has_command and (bucket is None or key is None)
    ):
        raise ConfigError(
            "Either the s3_wait operator command or both 'bucket' and 'key' parameters must be set"
        )
    if has_command:
        path = str(get_str(params, "_command"))
        bucket_name, slash, key_name = path.partition("/")
        if not slash:
            raise ConfigError(f"Illegal s3 path: {path}")
        return bucket_name, key_name
    return str(get_str(params, "bucket")), str(get_str(params, "key"))


def header_name(name: str) -> str:
    """A response header as the AWS Java SDK keys its raw metadata (`Content-Length`)."""
    if name.startswith("x-amz-"):
        return name
    if name.lower() == "etag":
        return "ETag"
    return "-".join(part.capitalize() for part in name.split("-"))


def metadata(headers: Mapping[str, str]) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """Raw metadata and user metadata (`x-amz-meta-*`) from the HEAD response headers."""
    raw: dict[str, JSON] = {}
    user: dict[str, JSON] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-amz-meta-"):
            user[lower[len("x-amz-meta-") :]] = value
        elif lower in IGNORED_HEADERS:
            continue
        elif lower == "content-length":
            raw[header_name(name)] = int(value)
        elif lower in ("last-modified", "expires"):
            try:
                raw[header_name(name)] = int(parsedate_to_datetime(value).timestamp() * 1000)
            except (TypeError, ValueError):
                raw[header_name(name)] = value
        elif lower == "etag":
            raw["ETag"] = value.strip('"')
        else:
            raw[header_name(name)] = value
    return raw, user


def client(ctx: OperatorContext, params: Mapping[str, JSON]) -> Any:
    """A boto3 S3 client with Digdag's secrets, endpoint, region and addressing."""
    try:
        import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            "s3_wait> needs the `boto3` package: install it with `pip install 'digkit[s3]'`"
        ) from None
    endpoint = ctx.secrets.get("aws.s3.endpoint") or get_str(params, "endpoint", None)
    region = (
        ctx.secrets.get("aws.s3.region")
        or ctx.secrets.get("aws.region")
        or get_str(params, "region", None)
    )
    access_key = ctx.secrets.get("aws.s3.access_key_id") or secret(ctx, "aws.access_key_id")
    secret_key = ctx.secrets.get("aws.s3.secret_access_key") or secret(ctx, "aws.secret_access_key")
    path_style = get_bool(params, "path_style_access", None)
    s3_config: dict[str, str] = {}
    if path_style is not None:
        s3_config["addressing_style"] = "path" if path_style else "virtual"
    if endpoint is not None and "://" not in str(endpoint):
        endpoint = f"https://{endpoint}"
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region or "us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3=s3_config, retries={"max_attempts": 1, "mode": "standard"}),
    )


def head_request(ctx: OperatorContext, params: Mapping[str, JSON]) -> dict[str, Any]:
    """The HEAD object arguments: bucket, key, version and customer key."""
    bucket, key = object_location(params)
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    version = get_str(params, "version_id", None)
    if version is not None:
        request["VersionId"] = version
    customer_key = ctx.secrets.get("aws.s3.sse_c_key")
    if customer_key is not None:
        request["SSECustomerKey"] = customer_key
        request["SSECustomerAlgorithm"] = ctx.secrets.get("aws.s3.sse_c_key_algorithm") or "AES256"
        md5 = ctx.secrets.get("aws.s3.sse_c_key_md5")
        if md5 is not None:
            request["SSECustomerKeyMD5"] = md5
    return request


class S3WaitOperator:
    """`s3_wait>`: the command is `bucket/key`."""

    name = "s3_wait"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        """One HEAD request: store the metadata, or poll again, or time out."""
        params = with_defaults(ctx, "aws.s3", "aws")
        request = head_request(ctx, params)
        timeout = get_duration(params, "timeout", None)
        continue_on_timeout = bool(get_bool(params, "continue_on_timeout", False))
        s3 = client(ctx, params)
        if ctx.dry_run:
            return TaskResult()
        state: dict[str, JSON] = dict(ctx.state)
        waiting: dict[str, JSON] = dict(state.get("EXISTS") or {})
        started = float(waiting.setdefault("start_time", time.time()))
        found = self._head(ctx, s3, request, state, waiting)
        now = time.time()
        if timeout is not None and timeout <= now - started:
            if continue_on_timeout:
                return stored({"result": False})
            raise TaskError("Timeout happened")
        if found is None:
            iteration = int(waiting.get("iteration", 0))
            waiting["iteration"] = iteration + 1
            if timeout is not None:
                remaining = int(timeout - (now - started))
                interval = max(POLL_MIN_SECONDS, min(remaining, POLL_MAX_SECONDS))
            else:
                interval = min(POLL_MIN_SECONDS * 2**iteration, POLL_MAX_SECONDS)
            ctx.log(
                f"Object '{request['Bucket']}/{request['Key']}' does not yet exist:"
                f" checking again in {interval}s"
            )
            state["EXISTS"] = waiting
            raise Poll(interval, state)
        raw, user = metadata(found)
        return stored({"result": True, "metadata": raw, "user_metadata": user})

    @staticmethod
    def _head(
        ctx: OperatorContext,
        s3: Any,
        request: dict[str, Any],
        state: dict[str, JSON],
        waiting: dict[str, JSON],
    ) -> dict[str, str] | None:
        """The response headers, None for 404; other failures fail or poll (1 s to 30 s)."""
        from botocore.exceptions import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            BotoCoreError,
            ClientError,
        )

        operation: dict[str, JSON] = dict(waiting.get("operation") or {})
        retry: dict[str, JSON] = dict(operation.get("POLL") or {})
        try:
            response = s3.head_object(**request)
        except ClientError as error:
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            if status == 404:
                return None
            code = error.response.get("Error", {}).get("Code", "")
            message = f"{code or status}: {error}"
            if 400 <= status < 500 and status not in (408, 429):
                raise TaskError(message) from None
            failure = message
        except BotoCoreError as error:
            failure = f"{type(error).__name__}: {error}"
        else:
            headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            return {str(k): str(v) for k, v in headers.items()}
        iteration = int(retry.get("retry", 0))
        retry["retry"] = iteration + 1
        operation["POLL"] = retry
        waiting["operation"] = operation
        state["EXISTS"] = waiting
        interval = min(RETRY_MIN_SECONDS * 2**iteration, RETRY_MAX_SECONDS)
        ctx.log(f"Operation failed: {failure}: retrying in {interval} seconds")
        raise Poll(interval, state)


def stored(last_object: dict[str, JSON]) -> TaskResult:
    """`s3.last_object` (reset first)."""
    return TaskResult(
        store_params={"s3": {"last_object": last_object}}, reset_store_params=["s3.last_object"]
    )


OPERATOR = S3WaitOperator()
