"""Fixtures of the operator tests (helpers live in `op_harness`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import op_services, op_smtp, op_web
from .op_harness import Harness
from .op_smtp import SmtpServer
from .op_web import WebServer


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    project = tmp_path / "project"
    project.mkdir()
    return Harness(project)


@pytest.fixture(scope="session")
def web_server() -> Iterator[WebServer]:
    """A local HTTP server for the whole session."""
    web = op_web.start()
    yield web
    web.stop()


@pytest.fixture
def web(web_server: WebServer) -> WebServer:
    """The HTTP server, with no requests or routes from earlier tests."""
    web_server.requests.clear()
    web_server.routes.clear()
    web_server.sequences.clear()
    return web_server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A local SMTP server (aiosmtpd) for the whole session."""
    try:
        server = op_smtp.start()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"cannot start an SMTP server: {error}")
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    """The SMTP server with no messages from earlier tests."""
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[op_services.Postgres]:
    """A throwaway PostgreSQL server for the whole session."""
    try:
        server = op_services.start_postgres()
    except op_services.Unavailable as error:
        pytest.skip(f"PostgreSQL cannot be started here: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[op_services.SeaweedFS]:
    """A SeaweedFS S3 server for the whole session."""
    try:
        server = op_services.start_seaweedfs()
    except op_services.Unavailable as error:
        pytest.skip(f"the S3 server (SeaweedFS) cannot be started here: {error}")
    yield server
    server.stop()
