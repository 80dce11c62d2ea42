"""The operators that talk to the outside world: processes, HTTP, mail, PostgreSQL, S3."""

from __future__ import annotations

from digrun.operator import Operator
from digrun.operators import http, http_call, mail, pg, py, rb, s3_wait, sh

IO_OPERATORS: tuple[Operator, ...] = (
    sh.OPERATOR,
    py.OPERATOR,
    rb.OPERATOR,
    http.OPERATOR,
    http_call.OPERATOR,
    mail.OPERATOR,
    pg.OPERATOR,
    s3_wait.OPERATOR,
)
