"""Helpers shared by the operators that talk to the outside world.

Digdag's own conventions, said once:

* `with_defaults(params, "pg")`: Digdag's `mergeDefault(getNestedOrGetEmpty("pg"))` — a
  local key wins, the namespace (`_export: {pg: {host: ...}}`) supplies what is missing.
* `get_str`/`get_bool`/`get_int`/`get_list`: Digdag's typed `Config.get` with Jackson's
  lenient scalar coercions and its messages (`Expected boolean for key 'html' but got
  "yes" (string)`).
* `format_secrets(ctx, text)`: `${secret:key}` substitution (`UserSecretTemplate`):
  `Invalid parametrization: '${x:y}'`, `Secret not found for key: 'k'`.
* `collect_env(ctx)`: the `_env` variables (`Invalid _env key name: X`).
* `template_command(ctx, params, alias)`: the operator command as a template file in the
  working directory, `{data: text}`, or the alias param (`query`, `body`).
* `get_duration(params, "timeout", None)`: Digdag's duration strings, in seconds.
* `runner_error(output)`/`runner_result(output)`: the `output.json` that the `py>` and
  `rb>` runners write, as the failure's detail or as the task's result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from digrun.operator import JSON, CommandError, ConfigError, OperatorContext, TaskError, TaskResult

_VALID_ENV_KEY = re.compile(r"[a-zA-Z_][a-zA-Z_0-9]*")
# Digdag's UserSecretTemplate pattern, kept byte for byte: its laziness decides what a
# `${...}` without a colon before a `${secret:...}` matches.
_SECRET_TEMPLATE = re.compile(r"\$\{(?P<cmd>[\s\S]*?):(?P<key>[\s\S]+?)\}")


def is_valid_env_key(key: str) -> bool:
    """`[a-zA-Z_][a-zA-Z_0-9]*`: what Digdag exports as an environment variable."""
    return _VALID_ENV_KEY.fullmatch(key) is not None


def deep_merge_default(base: Mapping[str, JSON], defaults: Mapping[str, JSON]) -> dict[str, JSON]:
    """`base` with the keys of `defaults` it lacks; nested mappings are merged the same way."""
    merged: dict[str, JSON] = dict(base)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge_default(merged[key], value)
    return merged


def nested(params: Mapping[str, JSON], dotted: str) -> Mapping[str, JSON]:
    """The mapping at `dotted` (`aws.s3`), or an empty one (Digdag's getNestedOrGetEmpty)."""
    value: JSON = params
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"Parameter '{dotted}' must be an object")
    return value


def with_defaults(ctx: OperatorContext, *namespaces: str) -> dict[str, JSON]:
    """The task's params (with `_command`), each namespace filling in absent keys, in order."""
    params: dict[str, JSON] = dict(ctx.params)
    if ctx.command is not None and "_command" not in params:
        params["_command"] = ctx.command
    for namespace in namespaces:
        params = deep_merge_default(params, nested(ctx.params, namespace))
    return params


def json_text(value: JSON) -> str:
    """Compact JSON as Jackson writes it (`{"a":1}`), non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_type(value: JSON) -> str:
    """Jackson's node type name: string, number, boolean, object, array, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    return "array"


def _expected(type_name: str, key: str, value: JSON) -> ConfigError:
    return ConfigError(
        f"Expected {type_name} for key '{key}' but got {json_text(value)} ({json_type(value)})"
    )


def _missing(key: str) -> ConfigError:
    return ConfigError(f"Parameter '{key}' is required but not set")


_REQUIRED: Any = object()


def _default(key: str, default: Any) -> Any:
    """What an absent (or null) param is: `default`, or an error when it is required."""
    if default is _REQUIRED:
        raise _missing(key)
    return default


def get_str(params: Mapping[str, JSON], key: str, default: Any = _REQUIRED) -> Any:
    """A string param; numbers and booleans are coerced to their JSON text."""
    value = params.get(key)
    if value is None:
        return _default(key, default)
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json_text(value)
    raise _expected("string", key, value)


def get_bool(params: Mapping[str, JSON], key: str, default: Any = _REQUIRED) -> Any:
    """A boolean param; the strings `true`/`false` are accepted as Jackson does."""
    value = params.get(key)
    if value is None:
        return _default(key, default)
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _expected("boolean", key, value)


def get_int(params: Mapping[str, JSON], key: str, default: Any = _REQUIRED) -> Any:
    """An integer param; numeric strings and floats (truncated) are accepted."""
    value = params.get(key)
    if value is None:
        return _default(key, default)
    if isinstance(value, bool):
        raise _expected("int", key, value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise _expected("int", key, value) from None
    raise _expected("int", key, value)


def get_list(params: Mapping[str, JSON], key: str) -> list[JSON]:
    """A list param, empty when absent (Digdag's getListOrEmpty)."""
    value = params.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _expected("array", key, value)
    return value


def get_str_list(params: Mapping[str, JSON], key: str) -> list[str]:
    """A list of strings, empty when absent; scalar items are coerced to strings."""
    items = get_list(params, key)
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool | int | float):
            out.append(json_text(item))
        else:
            raise _expected("string", key, item)
    return out


def interpreter_command(params: Mapping[str, JSON], key: str, default: list[str]) -> list[str]:
    """The interpreter command line of `py>`/`rb>`: the param `key` as a string or a
    non-empty list of strings, else `default`; `Invalid <key>: <JSON>` otherwise."""
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
        return [str(part) for part in value]
    raise ConfigError(f"Invalid {key}: {json_text(value)}")


def secret(ctx: OperatorContext, key: str) -> str:
    """A secret that must exist: `Secret not found for key: 'k'`."""
    value = ctx.secrets.get(key)
    if value is None:
        raise ConfigError(f"Secret not found for key: '{key}'")
    return value


def contains_secrets(text: str) -> bool:
    """Whether `text` holds a `${secret:...}` reference (Digdag hides such URIs in logs)."""
    return _SECRET_TEMPLATE.search(text) is not None


def format_secrets(ctx: OperatorContext, text: str) -> str:
    """Replace every `${secret:key}` in `text` by the secret's value."""
    matches = list(_SECRET_TEMPLATE.finditer(text))
    for match in matches:
        if match.group("cmd").strip() != "secret":
            raise ConfigError(f"Invalid parametrization: '{match.group(0)}'")
    if not matches:
        return text
    return _SECRET_TEMPLATE.sub(lambda m: secret(ctx, m.group("key").strip()), text)


def collect_env(ctx: OperatorContext) -> dict[str, str]:
    """The task's `_env` variables, `${secret:...}` resolved, in definition order."""
    source = ctx.params.get("_env")
    if source is None:
        return {}
    if not isinstance(source, Mapping):
        raise _expected("object", "_env", source)
    env: dict[str, str] = {}
    for name, value in source.items():
        if value is None:
            raise ConfigError(f"_env variable '{name}' is required but null")
        text = get_str(source, name)
        if not is_valid_env_key(name):
            raise ConfigError(f"Invalid _env key name: {name}")
        env[name] = format_secrets(ctx, text)
    return env


def param_env_value(value: JSON) -> str:
    """A param as an environment variable: strings verbatim, anything else as JSON."""
    return value if isinstance(value, str) else json_text(value)


def template_command(ctx: OperatorContext, params: Mapping[str, JSON], alias: str) -> str:
    """The operator's text: `op>: file` rendered as a template, `op>: {data: text}`, or the
    `alias` param (`body`, `query`) when there is no command."""
    command = params.get("_command")
    if command is None:
        return str(get_str(params, alias))
    if isinstance(command, Mapping):
        return str(get_str(command, "data"))
    if not isinstance(command, str):
        command = get_str(params, "_command")
    path = ctx.path(command)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"File not found: {ctx.workdir / command}") from None
    except OSError as error:
        raise ConfigError(f"Failed to read file: {command}: {type(error).__name__}") from None
    try:
        return ctx.render(text)
    except TaskError as error:
        raise ConfigError(f"{error} in {command}") from None


def get_duration(params: Mapping[str, JSON], key: str, default: float | None) -> float | None:
    """A duration param (`30s`, `1h 30m`, a number of seconds) in seconds, else `default`."""
    from digrun.operators.wait import parse_duration

    value = params.get(key)
    return default if value is None else parse_duration(value, key)


def temp_dir(ctx: OperatorContext, prefix: str) -> Path:
    """A fresh directory under `<project>/.digdag/tmp/` (where Digdag puts runner files)."""
    import tempfile

    root = ctx.project_dir / ".digdag" / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def runner_error(output: Path) -> str | None:
    """`: <message> (<Class>)` from the `error` a runner wrote to `output`, `""` when it names
    neither; None when `output` cannot be read or parsed."""
    try:
        error = json.loads(output.read_text(encoding="utf-8")).get("error") or {}
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        error = {}
    detail = ""
    if isinstance(error.get("message"), str):
        detail += ": " + error["message"]
    if isinstance(error.get("class"), str):
        detail += f" ({error['class']})"
    return detail


def runner_result(output: Path) -> TaskResult:
    """The result a runner wrote to `output` after it succeeded: the params it stored and
    exported and the subtasks it added (`subtask_config`, `export_params`, `store_params`)."""
    try:
        text = output.read_text(encoding="utf-8")
    except OSError:
        raise CommandError(
            "output.json does not exist. Something unexpected error happened. Please check logs."
        ) from None
    try:
        data = json.loads(text)
    except ValueError:
        raise CommandError("Can't parse output.json. Please check logs.") from None
    if not isinstance(data, dict):
        data = {}

    def mapping(key: str) -> dict[str, JSON]:
        value = data.get(key)
        return dict(value) if isinstance(value, dict) else {}

    return TaskResult(
        subtask_config=mapping("subtask_config") or None,
        export_params=mapping("export_params"),
        store_params=mapping("store_params"),
    )
