"""A local SMTP server for the `mail>` tests (aiosmtpd in a thread); it keeps each message."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

USER, PASSWORD = "robot", "s3cret"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpServer:
    controller: Any
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start() -> SmtpServer:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    server: SmtpServer

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            raw = bytes(envelope.original_content)
            parsed = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            server.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw)
            )
            return "250 OK"

    def authenticator(
        smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            server.logins.append(USER)
        return AuthResult(success=ok, handled=False)

    # aiosmtpd's Controller cannot bind port 0: take a free port first.
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    server = SmtpServer(controller)
    controller.start()
    return server
