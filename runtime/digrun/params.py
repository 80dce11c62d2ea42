"""Parameters as Digdag assembles and evaluates them for an operator task (§6–7).

Merging is Digdag's `Config.merge`: nested mappings merge key by key, anything else replaces.
A store update first deletes its reset keys (dotted paths), then merges. The built-in
variables (`session_time`, `task_name`...) override every inherited param; the task's own
keys are merged last.

Evaluation walks the merged mapping in key order: a string containing `$` is rendered as a
template over the raw merged params overlaid with the keys of the same mapping evaluated
before it (so `val: 1` then `sh>: echo ${val}` works, and an exported template is evaluated
afresh in every task that receives it). `_do` and `_else_do` are never evaluated; `_check` and
`_error` are dropped first. Results of templates are always strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from digrun.operator import ConfigError, Session

JSON = Any
NOT_EVALUATED = frozenset({"_do", "_else_do"})
Render = Callable[[str, dict[str, JSON]], str]


def merge(base: dict[str, JSON], overlay: dict[str, JSON]) -> dict[str, JSON]:
    """`base` deep-merged with `overlay` (a new dict; the inputs are not changed)."""
    result = dict(base)
    for key, value in overlay.items():
        old = result.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            result[key] = merge(old, value)
        else:
            result[key] = value
    return result


def apply_store(
    params: dict[str, JSON], store: dict[str, JSON], reset: Iterable[str]
) -> dict[str, JSON]:
    """Digdag's `ParameterUpdate`: delete the reset keys, then merge the stored params."""
    result = params
    for key in reset:
        result = _without(result, key.split("."))
    return merge(result, store) if store else result


def _without(params: dict[str, JSON], path: list[str]) -> dict[str, JSON]:
    head = path[0]
    if head not in params:
        return params
    result = dict(params)
    if len(path) == 1:
        del result[head]
    elif isinstance(result[head], dict):
        result[head] = _without(result[head], path[1:])
    return result


def dotted(params: dict[str, str]) -> dict[str, JSON]:
    """`-p a.b=c` style params: dotted keys make nested mappings (values stay strings)."""
    result: dict[str, JSON] = {}
    for key, value in params.items():
        node = result
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                done = ".".join(parts[: i + 1])
                raise ConfigError(f"Parameter '{key}' is set but '{done}' is not a object")
            node = child
        node[parts[-1]] = value
    return result


# -- built-ins (§6.4) -------------------------------------------------------------------------


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S") + _offset(t, colon=True)


def _offset(t: datetime, *, colon: bool) -> str:
    delta = t.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}" if colon else f"{sign}{hours:02d}{mins:02d}"


def time_params(prefix: str, t: datetime) -> dict[str, JSON]:
    """`<prefix>_time`, `_date`, `_date_compact`, `_local_time`, `_tz_offset`, `_unixtime`."""
    return {
        f"{prefix}_time": _time(t),
        f"{prefix}_date": t.strftime("%Y-%m-%d"),
        f"{prefix}_date_compact": t.strftime("%Y%m%d"),
        f"{prefix}_local_time": t.strftime("%Y-%m-%d %H:%M:%S"),
        f"{prefix}_tz_offset": _offset(t, colon=False),
        f"{prefix}_unixtime": int(t.timestamp()),
    }


def builtins(
    session: Session,
    task_name: str,
    *,
    last: datetime | None = None,
    next_: datetime | None = None,
    retry_attempt_name: str | None = None,
) -> dict[str, JSON]:
    """The built-in variables of a task (they override every inherited param)."""
    found: dict[str, JSON] = {
        "timezone": session.timezone,
        "project_id": 1,
        "session_uuid": session.session_uuid,
        "session_id": session.session_id,
        "attempt_id": session.attempt_id,
        "retry_attempt_name": retry_attempt_name,
        "task_name": task_name,
    }
    found.update(time_params("session", session.time))
    if last is not None:
        found.update(time_params("last_session", last))
    if next_ is not None:
        found.update(time_params("next_session", next_))
    for suffix in ("time", "date", "date_compact", "local_time", "unixtime"):
        found[f"last_executed_session_{suffix}"] = ""
    epoch = datetime.fromtimestamp(0, session.time.tzinfo)
    found["last_executed_session_tz_offset"] = _offset(epoch, colon=False)
    return found


# -- evaluation (§7.1) ----------------------------------------------------------------------


def evaluate(params: dict[str, JSON], render: Render) -> dict[str, JSON]:
    """Every `${...}` of `params` rendered, in Digdag's order; `_do`/`_else_do` untouched."""
    params = {k: v for k, v in params.items() if k not in ("_check", "_error")}
    return _mapping(params, params, render)


def _mapping(mapping: dict[str, JSON], scope: dict[str, JSON], render: Render) -> dict[str, JSON]:
    done: dict[str, JSON] = {}
    visible: dict[str, JSON] | None = None  # `scope` with the keys evaluated so far
    for key, value in mapping.items():
        if key in NOT_EVALUATED or not _has_template(value):
            done[key] = value
        else:
            if visible is None:
                visible = {**scope, **done}
            done[key] = _value(value, visible, render)
        if visible is not None:
            visible[key] = done[key]
    return done


def _has_template(value: JSON) -> bool:
    if isinstance(value, str):
        return "$" in value
    if isinstance(value, dict):
        return any(k not in NOT_EVALUATED and _has_template(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_template(item) for item in value)
    return False


def _value(value: JSON, scope: dict[str, JSON], render: Render) -> JSON:
    if isinstance(value, str):
        return render(value, scope) if "$" in value else value
    if isinstance(value, dict):
        return _mapping(value, scope, render)
    if isinstance(value, list):
        return [_value(item, scope, render) for item in value]
    return value
