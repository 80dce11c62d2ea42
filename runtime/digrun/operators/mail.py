"""`mail>`: send an e-mail through SMTP.

```yaml
+report:
  mail>: mails/report.txt          # a template file, or {data: "text"}, or the `body` param
  subject: Report of ${session_date}
  to: [ops@example.com]            # a string or a list
  cc: [] ; bcc: []
  from: digdag@example.com
  html: false
  attach_files:
    - path: out/report.csv         # relative to the working directory
      filename: report.csv         # default: derived from the path
      content_type: text/csv       # default: application/octet-stream
  host: smtp.example.com           # or the secret mail.host
  port: 587
  username: robot                  # or the secret mail.username; password: secret mail.password
  tls: true                        # STARTTLS when the server offers it
  ssl: false                       # SMTPS
```

As Digdag's `MailOperatorFactory`: all params can come from `_export: {mail: {...}}`. The
body file is rendered as a `${...}` template with the task's params; `{data: ...}` is used
as it is. The SMTP settings are the secrets `mail.host`, `mail.port`, `mail.username`,
`mail.password`, `mail.tls`, `mail.ssl` when set, else the params; Digdag's system
`config.mail.*` does not exist in digrun, so without a host the task fails with `Missing
SMTP configuration`. `connect_timeout` (default 60s) and `socket_timeout` (180s) bound the
connection. Digdag quirks kept: the `port` param is required even when the secret
`mail.port` is set; a `password` param is ignored (only the secret counts: Digdag logs
`Unsecure 'password' parameter is deprecated.`); a default attachment name keeps the last
`/` of the path (`dir/a.csv` is named `/a.csv`).

Errors: `Parameter 'to' is required but not set` (and `subject`, `from`, `port`), `Invalid
address` (config), `File not found: ...` for the body or an attachment, and the SMTP
failure itself (`SMTPRecipientsRefused: ...`, `ConnectionRefusedError: ...`).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from digrun.operator import JSON, ConfigError, OperatorContext, TaskError, TaskResult
from digrun.operators._support import (
    get_bool,
    get_duration,
    get_int,
    get_list,
    get_str,
    get_str_list,
    json_text,
    template_command,
    with_defaults,
)

DEFAULT_CONNECT_TIMEOUT = 60.0
DEFAULT_SOCKET_TIMEOUT = 180.0


_ADDR_SPEC = r'[^\s<>()@,;:"\[\]]+(?:@[^\s<>()@,;:"\[\]]+)?'
_ADDRESS = re.compile(rf"\s*(?:{_ADDR_SPEC}|[^<>]*<{_ADDR_SPEC}>)\s*")


def check_address(text: str) -> str:
    """`text` if it is one address (`a@b`, `Name <a@b>`; JavaMail accepts a bare local part),
    else `Invalid address`."""
    if _ADDRESS.fullmatch(text) is None:
        raise ConfigError("Invalid address")
    return text


def recipients(params: dict[str, JSON]) -> list[str]:
    """`to`: a list, or a single string."""
    value = params.get("to")
    if isinstance(value, list):
        return get_str_list(params, "to")
    return [str(get_str(params, "to"))]


def smtp_config(ctx: OperatorContext, params: dict[str, JSON]) -> dict[str, Any]:
    """Host, port, TLS, SSL, credentials and timeouts: secrets first, then params."""
    host = ctx.secrets.get("mail.host") or get_str(params, "host", None)
    if host is None:
        raise TaskError("Missing SMTP configuration")
    if params.get("password") is not None:
        ctx.log("Unsecure 'password' parameter is deprecated.")
    port_param = get_int(params, "port")  # required even with the secret, as in Digdag
    port_secret = ctx.secrets.get("mail.port")
    try:
        port = int(port_secret) if port_secret is not None else port_param
    except ValueError:
        raise ConfigError(f"invalid secret `mail.port`: `{port_secret}` is not a number") from None
    tls_secret, ssl_secret = ctx.secrets.get("mail.tls"), ctx.secrets.get("mail.ssl")
    return {
        "host": host,
        "port": port,
        "tls": tls_secret.lower() == "true" if tls_secret else get_bool(params, "tls", True),
        "ssl": ssl_secret.lower() == "true" if ssl_secret else get_bool(params, "ssl", False),
        "debug": get_bool(params, "debug", False),
        "username": ctx.secrets.get("mail.username") or get_str(params, "username", None),
        "password": ctx.secrets.get("mail.password"),
        "connect_timeout": get_duration(params, "connect_timeout", DEFAULT_CONNECT_TIMEOUT),
        "socket_timeout": get_duration(params, "socket_timeout", DEFAULT_SOCKET_TIMEOUT),
    }


def attachments(ctx: OperatorContext, params: dict[str, JSON]) -> list[tuple[bytes, str, str]]:
    """`(data, content type, file name)` of each `attach_files` entry."""
    found = []
    for entry in get_list(params, "attach_files"):
        if not isinstance(entry, dict):
            raise ConfigError(f"Expected object for key 'attach_files' but got {json_text(entry)}")
        path = str(get_str(entry, "path"))
        name = get_str(entry, "filename", None) or path[max(path.rfind("/"), 0) :]
        content_type = str(get_str(entry, "content_type", "application/octet-stream"))
        file = ctx.path(path)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"File not found: {ctx.workdir / path}") from None
        found.append((data, content_type, str(name)))
    return found


def build_message(
    ctx: OperatorContext, params: dict[str, JSON], body: str, subject: str, html: bool
) -> tuple[EmailMessage, list[str]]:
    """The message and every recipient address (to, cc and bcc)."""
    to, cc, bcc = recipients(params), get_str_list(params, "cc"), get_str_list(params, "bcc")
    sender = check_address(str(get_str(params, "from")))
    message = EmailMessage()
    message["From"] = sender
    message["Sender"] = sender
    message["To"] = ", ".join(check_address(a) for a in to)
    if cc:
        message["Cc"] = ", ".join(check_address(a) for a in cc)
    for address in bcc:
        check_address(address)
    message["Subject"] = subject
    message.set_content(body, subtype="html" if html else "plain", charset="utf-8")
    for data, content_type, name in attachments(ctx, params):
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return message, [parseaddr(a)[1] for a in [*to, *cc, *bcc]]


class _LoggingSMTP(smtplib.SMTP):
    log: Any = None

    def _print_debug(self, *args: Any) -> None:
        if self.log is not None:
            self.log("DEBUG SMTP: " + " ".join(str(a) for a in args))


class _LoggingSMTPSSL(smtplib.SMTP_SSL):
    log: Any = None

    def _print_debug(self, *args: Any) -> None:
        if self.log is not None:
            self.log("DEBUG SMTP: " + " ".join(str(a) for a in args))


def send(ctx: OperatorContext, smtp: dict[str, Any], message: EmailMessage, to: list[str]) -> None:
    """Deliver through the SMTP server (STARTTLS when offered and `tls`)."""
    cls = _LoggingSMTPSSL if smtp["ssl"] else _LoggingSMTP
    try:
        with cls(smtp["host"], smtp["port"], timeout=smtp["connect_timeout"]) as client:
            client.log = ctx.log
            if smtp["debug"]:
                client.set_debuglevel(1)
            if client.sock is not None:
                client.sock.settimeout(smtp["socket_timeout"])
            client.ehlo()
            if smtp["tls"] and not smtp["ssl"] and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if smtp["username"] is not None:
                client.login(smtp["username"], smtp["password"] or "")
            client.send_message(message, to_addrs=to)
    except (smtplib.SMTPException, OSError) as error:
        raise TaskError(f"{type(error).__name__}: {error}") from None


class MailOperator:
    """`mail>`: the command names the body template."""

    name = "mail"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Render the body, build the message and send it."""
        params = with_defaults(ctx, "mail")
        body = template_command(ctx, params, "body")
        # Digdag's order of checks: subject, recipients, html, the SMTP settings, the rest.
        subject = str(get_str(params, "subject"))
        recipients(params), get_str_list(params, "bcc"), get_str_list(params, "cc")
        html = bool(get_bool(params, "html", False))
        smtp = smtp_config(ctx, params)
        message, to = build_message(ctx, params, body, subject, html)
        if ctx.dry_run:
            return TaskResult()
        send(ctx, smtp, message, to)
        return TaskResult()


OPERATOR = MailOperator()
