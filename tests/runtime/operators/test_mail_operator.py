"""`mail>` against a local SMTP server (aiosmtpd): body, headers, attachments, secrets."""

from __future__ import annotations

from typing import Any

import pytest

from digrun.operator import ConfigError, TaskError, TaskResult
from digrun.operators.mail import OPERATOR as MAIL

from .op_harness import Harness
from .op_smtp import PASSWORD, USER, SmtpServer, free_port


def base(smtp: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {
        "subject": "Report",
        "to": ["ops@example.com"],
        "from": "Digdag <digdag@example.com>",
        "host": "127.0.0.1",
        "port": smtp.port,
        **extra,
    }


def test_body_template_file(harness: Harness, smtp: SmtpServer) -> None:
    harness.write("mails/body.txt", "Hello ${name}, today is ${session_date}.\nBye\n")
    params = base(smtp, name="Ann", session_date="2024-02-29")
    assert MAIL.run(harness.ctx("mail", "mails/body.txt", params)) == TaskResult()
    (got,) = smtp.messages
    assert got.mail_from == "digdag@example.com"
    assert got.rcpt_tos == ["ops@example.com"]
    message = got.message
    assert message["Subject"] == "Report"
    assert message["From"] == "Digdag <digdag@example.com>"
    assert message["Sender"] == "Digdag <digdag@example.com>"
    assert message["To"] == "ops@example.com"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Hello Ann, today is 2024-02-29.\nBye\n"


def test_template_in_workdir(harness: Harness, smtp: SmtpServer) -> None:
    harness.write("sub/body.txt", "in sub")
    MAIL.run(harness.ctx("mail", "body.txt", base(smtp), workdir="sub"))
    assert smtp.messages[0].message.get_content() == "in sub\n"


def test_inline_data_and_body_param(harness: Harness, smtp: SmtpServer) -> None:
    MAIL.run(harness.ctx("mail", {"data": "inline ${not_rendered}"}, base(smtp)))
    MAIL.run(harness.ctx("mail", None, base(smtp, body="from param")))
    assert smtp.messages[0].message.get_content() == "inline ${not_rendered}\n"
    assert smtp.messages[1].message.get_content() == "from param\n"


def test_html_unicode_cc_bcc(harness: Harness, smtp: SmtpServer) -> None:
    params = base(
        smtp,
        subject="Rapport été",
        to="a@example.com",
        cc=["c@example.com"],
        bcc=["b@example.com"],
        html=True,
    )
    MAIL.run(harness.ctx("mail", None, {**params, "body": "<p>café</p>"}))
    (got,) = smtp.messages
    assert got.rcpt_tos == ["a@example.com", "c@example.com", "b@example.com"]
    assert got.message["Subject"] == "Rapport été"
    assert got.message["Cc"] == "c@example.com"
    assert got.message["Bcc"] is None
    assert got.message.get_content_type() == "text/html"
    assert got.message.get_content() == "<p>café</p>\n"


def test_attachments(harness: Harness, smtp: SmtpServer) -> None:
    harness.write("out/report.csv", "a,b\n1,2\n")
    harness.write("out/raw.bin", "xyz")
    files = [
        {"path": "out/report.csv", "filename": "report.csv", "content_type": "text/csv"},
        {"path": "out/raw.bin"},
    ]
    MAIL.run(harness.ctx("mail", None, base(smtp, body="see files", attach_files=files)))
    message = smtp.messages[0].message
    assert message.get_content_type() == "multipart/mixed"
    text, csv, raw = message.iter_parts()
    assert text.get_content() == "see files\n"
    assert (csv.get_filename(), csv.get_content_type()) == ("report.csv", "text/csv")
    assert csv.get_content() == "a,b\n1,2\n"
    # Digdag keeps the last `/` of the path in the default name.
    assert (raw.get_filename(), raw.get_content_type()) == ("/raw.bin", "application/octet-stream")
    assert raw.get_content() == b"xyz"


def test_namespace_defaults_and_secrets(harness: Harness, smtp: SmtpServer) -> None:
    params = {
        "mail": {"from": "x@example.com", "to": "y@example.com", "host": "nowhere.invalid"},
        "subject": "s",
        "body": "b",
        "port": 1,
    }
    secrets = {
        "mail.host": "127.0.0.1",
        "mail.port": str(smtp.port),
        "mail.username": USER,
        "mail.password": PASSWORD,
    }
    MAIL.run(harness.ctx("mail", None, params, secrets=secrets))
    assert smtp.logins == [USER]
    assert smtp.messages[0].rcpt_tos == ["y@example.com"]


def test_port_param_required_even_with_secret(harness: Harness, smtp: SmtpServer) -> None:
    params = base(smtp, body="b")
    del params["port"]
    with pytest.raises(ConfigError, match=r"^Parameter 'port' is required but not set$"):
        MAIL.run(harness.ctx("mail", None, params, secrets={"mail.port": str(smtp.port)}))


def test_wrong_password(harness: Harness, smtp: SmtpServer) -> None:
    secrets = {"mail.username": USER, "mail.password": "wrong"}
    with pytest.raises(TaskError, match=r"^SMTPAuthenticationError: \(535"):
        MAIL.run(harness.ctx("mail", None, base(smtp, body="b"), secrets=secrets))
    assert smtp.messages == []


def test_password_param_is_ignored(harness: Harness, smtp: SmtpServer) -> None:
    params = base(smtp, body="b", username=USER, password=PASSWORD)
    with pytest.raises(TaskError, match=r"^SMTPAuthenticationError"):
        MAIL.run(harness.ctx("mail", None, params))
    assert "Unsecure 'password' parameter is deprecated." in harness.lines


@pytest.mark.parametrize("missing", ["subject", "to", "from"])
def test_required(harness: Harness, smtp: SmtpServer, missing: str) -> None:
    params = base(smtp, body="b")
    del params[missing]
    with pytest.raises(ConfigError) as error:
        MAIL.run(harness.ctx("mail", None, params))
    assert error.value.message() == f"Parameter '{missing}' is required but not set (config)"


def test_missing_smtp_configuration(harness: Harness, smtp: SmtpServer) -> None:
    params = base(smtp, body="b")
    del params["host"]
    with pytest.raises(TaskError, match=r"^Missing SMTP configuration$"):
        MAIL.run(harness.ctx("mail", None, params))


def test_invalid_address(harness: Harness, smtp: SmtpServer) -> None:
    with pytest.raises(ConfigError, match=r"^Invalid address$"):
        MAIL.run(harness.ctx("mail", None, base(smtp, body="b", to=["not an address"])))


def test_missing_body_file(harness: Harness, smtp: SmtpServer) -> None:
    with pytest.raises(ConfigError) as error:
        MAIL.run(harness.ctx("mail", "nope.txt", base(smtp)))
    assert str(error.value) == f"File not found: {harness.project / 'nope.txt'}"


def test_body_outside_project(harness: Harness, smtp: SmtpServer) -> None:
    with pytest.raises(ConfigError, match=r"^File name must not be outside of project path"):
        MAIL.run(harness.ctx("mail", "../x.txt", base(smtp)))


def test_connection_refused(harness: Harness, smtp: SmtpServer) -> None:
    params = base(smtp, body="b", port=free_port())
    with pytest.raises(TaskError, match=r"^ConnectionRefusedError: "):
        MAIL.run(harness.ctx("mail", None, params))


def test_dry_run(harness: Harness, smtp: SmtpServer) -> None:
    assert MAIL.run(harness.ctx("mail", None, base(smtp, body="b"), dry_run=True)) == TaskResult()
    assert smtp.messages == []
