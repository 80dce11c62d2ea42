"""What several operators share: reading `_command` shapes Digdag accepts, JSON strings."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from digrun.operator import ConfigError, OperatorContext

JSON = Any


def nested(ctx: OperatorContext, name: str = "_command") -> dict[str, JSON]:
    """Digdag's `parseNested`: a mapping, or a string holding a JSON object."""
    value = ctx.params.get(name) if name != "_command" else ctx.command
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError(f"Parameter '{name}' must be an object: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"Parameter '{name}' must be an object")
    return value


def listed(mapping: dict[str, JSON], key: str) -> list[JSON]:
    """Digdag's `parseList`: a list, or a string holding a JSON array."""
    value = mapping.get(key)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if not isinstance(value, list):
        raise ConfigError(f"Expected array type for key '{key}' but got {json.dumps(value)}")
    return value


def body(ctx: OperatorContext, key: str = "_do", *, required: bool = True) -> dict[str, JSON]:
    """A `_do`-like task config (never evaluated)."""
    value = ctx.params.get(key)
    if value is None:
        if required:
            raise ConfigError(f"Parameter '{key}' is required but not set")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"Parameter '{key}' must be an object")
    return value


def with_export(config: dict[str, JSON], export: dict[str, JSON]) -> dict[str, JSON]:
    """A copy of a task config with `export` set into its `_export` (keys replaced)."""
    copy = dict(config)
    old = copy.get("_export")
    copy["_export"] = {**(old if isinstance(old, dict) else {}), **export}
    return copy


def generated_group(ctx: OperatorContext, children: dict[str, JSON]) -> dict[str, JSON]:
    """The `^sub` group of generated children, with the task's `_parallel` copied on."""
    group = dict(children)
    if "_parallel" in ctx.params:
        group["_parallel"] = ctx.params["_parallel"]
    return group


def as_long(value: JSON, key: str) -> int:
    """A JSON integer (or a numeric string) option."""
    if isinstance(value, bool) or value is None:
        raise ConfigError(f"Parameter '{key}' is required but not set")
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        raise ConfigError(f"Expected integer for key '{key}' but got {json.dumps(value)}") from None
    if isinstance(number, float):
        if not number.is_integer():
            raise ConfigError(f"Expected integer for key '{key}' but got {json.dumps(value)}")
        number = int(number)
    return int(number)
