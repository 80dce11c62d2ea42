"""`s3_wait>` against a real S3-compatible server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from digrun.operator import ConfigError, Poll, TaskError, TaskResult
from digrun.operators.s3_wait import OPERATOR as S3_WAIT

from .op_harness import Harness
from .op_services import SeaweedFS, free_port

boto3 = pytest.importorskip("boto3")
_numbers = itertools.count()
SECRETS = {"aws.access_key_id": "test-key", "aws.secret_access_key": "test-secret"}


@pytest.fixture
def s3(seaweedfs: SeaweedFS) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"digrun-bucket-{next(_numbers)}"
    s3.create_bucket(Bucket=name)
    yield name


def aws(seaweedfs: SeaweedFS, **extra: Any) -> dict[str, Any]:
    return {"aws": {"s3": {"endpoint": seaweedfs.endpoint, "path_style_access": True}}, **extra}


def test_found_object_stores_its_metadata(
    harness: Harness, seaweedfs: SeaweedFS, s3: Any, bucket: str
) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="data/part-0.csv",
        Body=b"a,b\n",
        ContentType="text/csv",
        Metadata={"owner": "etl"},
    )
    result = S3_WAIT.run(
        harness.ctx("s3_wait", f"{bucket}/data/part-0.csv", aws(seaweedfs), secrets=SECRETS)
    )
    assert result.reset_store_params == ["s3.last_object"]
    last = result.store_params["s3"]["last_object"]
    assert last["result"] is True
    assert last["user_metadata"] == {"owner": "etl"}
    meta = last["metadata"]
    assert meta["Content-Length"] == 4
    assert meta["Content-Type"] == "text/csv"
    assert meta["ETag"] == hashlib.md5(b"a,b\n").hexdigest()  # no quotes
    assert isinstance(meta["Last-Modified"], int) and meta["Last-Modified"] > 1.7e12
    assert "Date" not in meta and "x-amz-request-id" not in meta


def test_missing_object_polls_then_succeeds(
    harness: Harness, seaweedfs: SeaweedFS, s3: Any, bucket: str
) -> None:
    params = aws(seaweedfs, bucket=bucket, key="later.txt")
    ctx = harness.ctx("s3_wait", None, params, secrets=SECRETS)
    with pytest.raises(Poll) as poll:
        S3_WAIT.run(ctx)
    assert poll.value.interval == 5
    assert poll.value.state["EXISTS"]["iteration"] == 1
    assert harness.lines == [
        f"Object '{bucket}/later.txt' does not yet exist: checking again in 5s"
    ]
    ctx.state = poll.value.state
    with pytest.raises(Poll) as poll:
        S3_WAIT.run(ctx)
    assert poll.value.interval == 10
    s3.put_object(Bucket=bucket, Key="later.txt", Body=b"x")
    ctx.state = poll.value.state
    assert S3_WAIT.run(ctx).store_params["s3"]["last_object"]["result"] is True


def test_timeout(harness: Harness, seaweedfs: SeaweedFS, bucket: str) -> None:
    params = aws(seaweedfs, timeout="10m")
    ctx = harness.ctx("s3_wait", f"{bucket}/never", params, secrets=SECRETS)
    with pytest.raises(Poll) as poll:
        S3_WAIT.run(ctx)
    assert poll.value.interval == 300  # the time left, at most 5 minutes
    ctx.state = {"EXISTS": {"start_time": time.time() - 601, "iteration": 3}}
    with pytest.raises(TaskError, match=r"^Timeout happened$"):
        S3_WAIT.run(ctx)
    ctx.params["continue_on_timeout"] = True
    assert S3_WAIT.run(ctx) == TaskResult(
        store_params={"s3": {"last_object": {"result": False}}},
        reset_store_params=["s3.last_object"],
    )


def test_secrets_win_over_params(
    harness: Harness, seaweedfs: SeaweedFS, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    params = {"endpoint": "http://127.0.0.1:1", "region": "nowhere-1", "path_style_access": True}
    secrets = {
        "aws.s3.access_key_id": "k",
        "aws.s3.secret_access_key": "s",
        "aws.s3.endpoint": seaweedfs.endpoint,
        "aws.region": "us-east-1",
    }
    result = S3_WAIT.run(harness.ctx("s3_wait", f"{bucket}/k", params, secrets=secrets))
    assert result.store_params["s3"]["last_object"]["result"] is True


def test_unreachable_server_is_retried(harness: Harness) -> None:
    params = {"endpoint": f"http://127.0.0.1:{free_port()}", "path_style_access": True}
    ctx = harness.ctx("s3_wait", "b/k", params, secrets=SECRETS)
    with pytest.raises(Poll) as poll:
        S3_WAIT.run(ctx)
    assert poll.value.interval == 1
    assert poll.value.state["EXISTS"]["operation"] == {"POLL": {"retry": 1}}
    assert harness.lines[-1].startswith("Operation failed: EndpointConnectionError: ")


@pytest.mark.parametrize(
    ("command", "params", "message"),
    [
        ("bucket/key", {"bucket": "b"}, "Either the s3_wait operator command or both 'bucket'"),
        (None, {"bucket": "b"}, "Either the s3_wait operator command or both 'bucket'"),
        ("just-a-bucket", {}, "Illegal s3 path: just-a-bucket"),
    ],
)
def test_location_errors(
    harness: Harness, command: str | None, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        S3_WAIT.run(harness.ctx("s3_wait", command, params, secrets=SECRETS))
    assert str(error.value).startswith(message)


def test_missing_credentials(harness: Harness) -> None:
    with pytest.raises(ConfigError, match=r"^Secret not found for key: 'aws.access_key_id'$"):
        S3_WAIT.run(harness.ctx("s3_wait", "b/k"))


def test_dry_run(harness: Harness) -> None:
    assert S3_WAIT.run(harness.ctx("s3_wait", "b/k", secrets=SECRETS, dry_run=True)) == TaskResult()
