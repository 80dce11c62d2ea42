"""A password, token or API key is written into the workflow.

## What it does
Flags parameters whose name ends like a credential (`password`, `passwd`, `secret`, `token`,
`apikey`/`api_key`, `access_key`, `secret_key`, `private_key`, `authorization`; also nested, as in
`td: {apikey: ...}`, and in `_env`) when their value is a literal string. Not flagged: names that
only start like one (`password_file`, `token_type`, `access_key_id`), non-string values,
`${...}` values (including `${secret:...}`), secret key names (`db.password`), paths, and obvious
placeholders (`xxx`, `<token>`, `changeme`).

## Why
Workflow files are committed and pushed to the Digdag server, where anyone who can read the
project can read them. Digdag has a secret store for this: `digdag secrets --set key` (or
`--local` for `digdag run`), read back by `${secret:key}` and by the operators' own secrets such
as `td.apikey` or `pg.password`.

## Example
```yaml
_export:
  td:
    apikey: 1234/abcdef0123456789
+query:
  td>: queries/daily.sql
```

## Fix
Remove the value from the file, store it with `digdag secrets --set td.apikey`, and refer to it
with `${secret:td.apikey}` where a parameter needs it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Problem, rule
from diglang.values import Mapping, Scalar, Sequence, Template, Value

_NOUNS = (
    ("password",),
    ("passwd",),
    ("secret",),
    ("token",),
    ("apikey",),
    ("api", "key"),
    ("access", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("authorization",),
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_PLACEHOLDER = re.compile(
    r"[x*.#?_\-]+|<[^>]*>|\{\{.*\}\}|%\(.*\)s|\$.*|(?:.*[^a-z])?(your|my)(?:[^a-z].*)?|.*(changeme|change_me|"
    r"dummy|placeholder|example|redacted|replace).*|[A-Za-z0-9_]+(\.[A-Za-z0-9_\-]+)+|[/~.].*",
    re.IGNORECASE,
)
_PLAIN_WORDS = frozenset({"password", "secret", "token", "none", "null", "todo", "tbd", "test"})


@functools.lru_cache(maxsize=4096)  # a workflow repeats its key names
def credential_name(name: str) -> bool:
    """True when a key's last words name a credential (`db_password`, `apiKey`)."""
    words = tuple(w.lower() for w in _WORDS.findall(name))
    return any(words[-len(noun) :] == noun for noun in _NOUNS)


def literal_secret(value: Value) -> bool:
    """True for a literal string that looks like a real credential, not a placeholder."""
    if isinstance(value, Template) or not isinstance(value, Scalar) or not value.is_string:
        return False
    text = value.text.strip()
    return bool(text) and text.lower() not in _PLAIN_WORDS and not _PLACEHOLDER.fullmatch(text)


def _findings(value: Value, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Scalar]]:
    """(key path, value) of every credential-named literal below `value`."""
    if isinstance(value, Sequence):
        for item in value.items:
            yield from _findings(item, path)
    elif isinstance(value, Mapping):
        for entry in value.entries:
            name = entry.key.text
            if name == "_secrets":
                continue
            inner = entry.value
            if credential_name(name) and isinstance(inner, Scalar) and literal_secret(inner):
                yield (*path, name), inner
            elif not isinstance(inner, Scalar):  # a scalar holds no findings below it
                yield from _findings(inner, (*path, name))


@rule("hardcoded-credential", severity=Severity.WARNING)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report credential-named parameters with literal values."""
    for task in ctx.tasks(wf):
        for entry in task.local_entries():
            name = entry.key.text
            if name == "_secrets":
                continue
            base: tuple[str, ...] = () if name in ("_export", "_env") else (name,)
            found: list[tuple[tuple[str, ...], Scalar]]
            if credential_name(name) and isinstance(entry.value, Scalar):
                found = [((name,), entry.value)] if literal_secret(entry.value) else []
            elif isinstance(entry.value, Scalar):
                continue  # `_findings` finds nothing in a scalar
            else:
                found = list(_findings(entry.value, base))
            for path, value in found:
                # Included files are checked on their own: report each value once.
                if value.source.path == ctx.path:
                    yield _problem(path, value, env=name == "_env")


def _problem(path: tuple[str, ...], value: Scalar, *, env: bool) -> Problem:
    key = ".".join(path)
    secret = key.lower() if env else key
    message = (
        f"hardcoded credential in `{key}`; store it with `digdag secrets --set {secret}` "
        f"and use `${{secret:{secret}}}` instead"
    )
    return Problem(value.span, message, source=value.source)
