"""Typed access to `schemas/`: what every digkit tool knows about operators and directives.

`schemas/operators/<name>.json` holds one JSON Schema (draft-07) per operator, describing the
task mapping of that operator, with Digdag metadata under `x-digdag`; `schemas/directives.json`
describes the `_`-directives, the top-level keys (`timezone`, `schedule`, `sla`) and lists the
built-in variables. This module reads them into frozen dataclasses; it needs no JSON Schema
library.

Types describe the *evaluated* value. A literal written in a `.dig` file is legal in more
shapes, which `literal_schema()` adds (and `ParamSpec.literal_type` holds):

* a string containing `${` is legal wherever Digdag evaluates templates, since the
  value is only known at run time;
* Digdag converts strings for typed params: `"3"` for an integer (`string_coercible`
  lists such types: integer, number), exactly `"true"`/`"false"` for a boolean;
* a string param accepts any scalar (numbers and booleans become their text);
* null means "not set", so it is never a type error (missing params are another rule).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "BuiltinVar",
    "DirectiveSpec",
    "FileParamSpec",
    "JsonObject",
    "OperatorSpec",
    "ParamSpec",
    "SchemaError",
    "SecretSpec",
    "StoreSpec",
    "builtin_variables",
    "directives_schema",
    "literal_schema",
    "load_directives",
    "load_operators",
    "operator_from_schema",
    "schemas_dir",
]

JsonObject = Mapping[str, Any]

TEMPLATE_PATTERN = r"\$\{"
_INT_STRING = r"^\s*[-+]?[0-9]+\s*$"
_NUMBER_STRING = r"^\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$"
_BOOL_STRING = r"^(?:true|false)$"
_DOC_KEYS = frozenset(
    {"description", "markdownDescription", "title", "examples", "default", "patternErrorMessage"}
)
_ENV_DIR = "DIGKIT_SCHEMAS_DIR"


class SchemaError(ValueError):
    """A schema file that cannot be read or lacks what digkit needs."""


@dataclass(frozen=True, slots=True)
class FileParamSpec:
    """A param (or a path inside it, e.g. `steps[].script`) naming a project file."""

    param: str
    kind: str  # query, script, workflow, download, attachment, ...
    description: str
    path: str | None = None  # where inside the param's value, when not the value itself
    template: bool = False  # the file content is rendered as a `${...}` template
    direction: str = "input"  # "output" files need not exist beforehand
    when: str = "always"  # condition in words, e.g. "string" or "string ending in .yml"
    suffix: str | None = None  # appended when missing (`call>` adds `.dig`)
    heuristic: bool = False  # paths guessed from free text (sh> commands)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One key of an operator task; `type` is the JSON Schema of the evaluated value."""

    name: str
    type: JsonObject
    required: bool
    default: Any
    description: str
    enum: tuple[Any, ...]
    is_file: bool
    file_kind: str | None
    default_note: str | None = None  # non-literal default, e.g. "derived from format"
    local_only: bool = False  # read from the task's own keys only, not inherited params
    string_coercible: tuple[str, ...] = ()  # evaluated types Digdag also accepts as strings
    literal_type: JsonObject | None = None  # what a literal YAML value may be (see module doc)


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """A parameter an operator stores for later tasks or exports to the subtasks it generates.

    `name` is dotted (`td.last_job.id`); `*` stands for names known only at run time, and
    `names_from` then says where they come from (`command_keys`, `script`, `local_values`,
    `result_columns`).
    """

    name: str
    description: str
    dynamic: bool = False
    names_from: str | None = None


@dataclass(frozen=True, slots=True)
class SecretSpec:
    """A secret the operator reads, with the keys tried after it."""

    key: str
    required: bool = False
    fallbacks: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """Everything digkit knows about one operator (`name>`)."""

    name: str
    summary: str
    command: ParamSpec | None  # None when the operator ignores its command
    params: dict[str, ParamSpec]
    required: tuple[str, ...]
    file_params: tuple[FileParamSpec, ...]
    stores: tuple[StoreSpec, ...]
    exports_to_children: tuple[StoreSpec, ...]
    secrets: tuple[SecretSpec, ...]
    nested_defaults: tuple[str, ...]
    generates_subtasks: bool
    supports_retry: bool
    passthrough_params: bool  # arbitrary local keys are consumed, see `passthrough_kind`
    passthrough_kind: str | None  # arguments, environment, template or keys
    docs_url: str | None
    schema: dict[str, Any]
    category: str = "plugin"
    requires_any_of: tuple[tuple[str, ...], ...] = ()  # one of these sets must be given
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    errors: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def key(self) -> str:
        """The operator key as written in a task, e.g. `td>`."""
        return f"{self.name}>"

    def param(self, name: str) -> ParamSpec | None:
        """The spec of a local key; `_command` and `<name>>` give the command."""
        if name in ("_command", self.key):
            return self.command
        return self.params.get(name)


@dataclass(frozen=True, slots=True)
class DirectiveSpec:
    """A `_`-directive or top-level key and where Digdag accepts it.

    Contexts are `top` (workflow root), `group`, `operator` and `export` (inside `_export`).
    `compile_time_in` lists the contexts where the value is read before `${...}` evaluation.
    """

    name: str
    type: JsonObject
    description: str
    where: tuple[str, ...]
    effective: tuple[str, ...]
    operators: tuple[str, ...]  # restricts the operator context, when not empty
    parent: str | None  # "parallel" / "sequential": required kind of parent group
    compile_time_in: tuple[str, ...]
    default: Any
    docs_url: str | None
    schema: dict[str, Any]
    literal_type: JsonObject | None = None


@dataclass(frozen=True, slots=True)
class BuiltinVar:
    """A variable Digdag defines for every task (or for `scope` tasks only)."""

    name: str
    description: str
    example: Any
    type: Any = "string"
    requires: str | None = None  # "schedule": only when the workflow has one
    scope: str | None = None  # "error": only inside `_error` tasks


def schemas_dir() -> Path:
    """The `schemas/` directory: `$DIGKIT_SCHEMAS_DIR`, packaged data, or the checkout's."""
    override = os.environ.get(_ENV_DIR)
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "_schemas"
    if (packaged / "directives.json").is_file():
        return packaged
    return here.parents[1] / "schemas"


def load_operators(extra_dirs: Sequence[Path] = ()) -> dict[str, OperatorSpec]:
    """Built-in operators by name, plus plugin operators from `extra_dirs`.

    A plugin schema is a `*.json` file of an extra dir in the format of
    `schemas/operators/` (files without `x-digdag` are skipped). Built-ins win on name
    clashes, as in Digdag; among extra dirs the first one wins. Raises `SchemaError` for an
    unreadable file or one without `x-digdag.operator`.
    """
    found = dict(_builtin_operators())
    for directory in extra_dirs:
        files = sorted(Path(directory).glob("*.json"))
        stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
        for spec in _load_files(stamp):
            found.setdefault(spec.name, spec)
    return found


def load_directives() -> dict[str, DirectiveSpec]:
    """The directives and top-level keys of `directives.json`, by name."""
    return dict(_directives())


def builtin_variables() -> tuple[BuiltinVar, ...]:
    """The built-in variables (§6.4 of the reference), in reference order."""
    return _builtins()


@cache
def directives_schema() -> dict[str, Any]:
    """The raw `directives.json` (do not mutate: it is shared)."""
    return _read(schemas_dir() / "directives.json")


@cache
def _builtin_operators() -> dict[str, OperatorSpec]:
    files = sorted((schemas_dir() / "operators").glob("*.json"))
    specs = [operator_from_schema(_read(f), f) for f in files]
    return {spec.name: spec for spec in specs}


@cache
def _load_files(stamp: tuple[tuple[str, int], ...]) -> tuple[OperatorSpec, ...]:
    schemas = [(Path(path), _read(Path(path))) for path, _ in stamp]
    # Other JSON files may share the folder (e.g. a project's own schemas): only files with
    # an `x-digdag` section describe operators.
    return tuple(operator_from_schema(data, path) for path, data in schemas if "x-digdag" in data)


@cache
def _directives() -> dict[str, DirectiveSpec]:
    schema = directives_schema()
    props: Mapping[str, Any] = schema.get("properties", {})
    return {name: _directive(name, prop, schema) for name, prop in props.items()}


@cache
def _builtins() -> tuple[BuiltinVar, ...]:
    return tuple(
        BuiltinVar(
            name=item["name"],
            description=item["description"],
            example=item.get("example"),
            type=item.get("type", "string"),
            requires=item.get("requires"),
            scope=item.get("scope"),
        )
        for item in directives_schema().get("x-digdag-builtins", [])
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: a schema must be a JSON object")
    return data


def operator_from_schema(schema: dict[str, Any], path: Path | None = None) -> OperatorSpec:
    """Build an `OperatorSpec` from one operator schema (built-in or plugin file)."""
    where = path or "schema"
    meta = schema.get("x-digdag") or {}
    name = meta.get("operator") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{where}: `x-digdag.operator` (the operator name) is missing")
    try:
        return _operator(name, schema, meta, path)
    except (AttributeError, KeyError, TypeError) as exc:
        raise SchemaError(f"{where}: malformed `x-digdag` or `properties` ({exc!r})") from exc


def _operator(
    name: str, schema: dict[str, Any], meta: Mapping[str, Any], path: Path | None
) -> OperatorSpec:
    props: Mapping[str, Any] = schema.get("properties") or {}
    files = tuple(_file_param(item) for item in meta.get("file_params", []))
    required = tuple(meta.get("required", []))
    key = f"{name}>"
    params = {
        pname: _param(pname, prop, pname in required, files)
        for pname, prop in props.items()
        if pname != key
    }
    cmeta: Mapping[str, Any] = meta.get("command") or {}
    command = None
    if cmeta.get("used", True):
        prop = dict(props.get(key) or {})
        prop.setdefault("description", cmeta.get("description", ""))
        command = _param("_command", prop, bool(cmeta.get("required", False)), files)
    passthrough: Mapping[str, Any] = meta.get("passthrough") or {}
    return OperatorSpec(
        name=name,
        summary=meta.get("summary") or schema.get("description", ""),
        command=command,
        params=params,
        required=required,
        file_params=files,
        stores=tuple(_store(item) for item in meta.get("stores", [])),
        exports_to_children=tuple(_store(item) for item in meta.get("exports_to_children", [])),
        secrets=tuple(_secret(item) for item in meta.get("secrets", [])),
        nested_defaults=tuple(meta.get("nested_defaults", [])),
        generates_subtasks=bool(meta.get("generates_subtasks", False)),
        supports_retry=bool(meta.get("supports_retry", False)),
        passthrough_params=bool(meta.get("passthrough_params", False)),
        passthrough_kind=passthrough.get("kind"),
        docs_url=meta.get("docs"),
        schema=schema,
        category=meta.get("category", "plugin"),
        requires_any_of=tuple(tuple(group) for group in meta.get("requires_any_of", [])),
        mutually_exclusive=tuple(tuple(group) for group in meta.get("mutually_exclusive", [])),
        errors=tuple(meta.get("errors", [])),
        path=path,
    )


def _param(
    name: str, prop: Mapping[str, Any], required: bool, files: Iterable[FileParamSpec]
) -> ParamSpec:
    kinds = [f.kind for f in files if f.param == name]
    evaluated = {k: v for k, v in prop.items() if k not in _DOC_KEYS and not k.startswith("x-")}
    return ParamSpec(
        name=name,
        type=evaluated,
        required=required,
        default=prop.get("default"),
        description=prop.get("description", ""),
        enum=tuple(prop.get("enum", ())),
        is_file=bool(kinds),
        file_kind=kinds[0] if kinds else None,
        default_note=prop.get("x-digdag-default"),
        local_only=bool(prop.get("x-digdag-local-only", False)),
        string_coercible=_coercible(evaluated),
        literal_type=literal_schema(evaluated),
    )


def _directive(name: str, prop: Mapping[str, Any], root: Mapping[str, Any]) -> DirectiveSpec:
    meta: Mapping[str, Any] = prop.get("x-digdag") or {}
    where = tuple(meta.get("where", ()))
    compile_time = tuple(meta.get("compile_time_in", ()))
    resolved = _resolve(prop, root)
    evaluated = {k: v for k, v in resolved.items() if k not in _DOC_KEYS and not k.startswith("x-")}
    templates = not set(where) <= set(compile_time)
    return DirectiveSpec(
        name=name,
        type=evaluated,
        description=prop.get("description", ""),
        where=where,
        effective=tuple(meta.get("effective", where)),
        operators=tuple(meta.get("operators", ())),
        parent=meta.get("parent"),
        compile_time_in=compile_time,
        default=prop.get("default"),
        docs_url=meta.get("docs"),
        schema=dict(prop),
        literal_type=literal_schema(evaluated, templates=templates),
    )


def _resolve(prop: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """Inline a local `#/definitions/x` reference (one level), keeping the property's docs."""
    ref = prop.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
        return dict(prop)
    target = root.get("definitions", {}).get(ref.rsplit("/", 1)[1], {})
    merged = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
    return merged


def _file_param(item: Mapping[str, Any]) -> FileParamSpec:
    return FileParamSpec(
        param=item["param"],
        kind=item.get("kind", "file"),
        description=item.get("description", ""),
        path=item.get("path"),
        template=bool(item.get("template", False)),
        direction=item.get("direction", "input"),
        when=item.get("when", "always"),
        suffix=item.get("suffix"),
        heuristic=bool(item.get("heuristic", False)),
    )


def _store(item: Mapping[str, Any]) -> StoreSpec:
    return StoreSpec(
        name=item["name"],
        description=item.get("description", ""),
        dynamic=bool(item.get("dynamic", False)),
        names_from=item.get("names_from"),
    )


def _secret(item: Mapping[str, Any]) -> SecretSpec:
    return SecretSpec(
        key=item["key"],
        required=bool(item.get("required", False)),
        fallbacks=tuple(item.get("fallbacks", ())),
        description=item.get("description"),
    )


def _types(schema: Mapping[str, Any]) -> list[str]:
    found = schema.get("type")
    if isinstance(found, str):
        return [found]
    return list(found) if isinstance(found, list) else []


def _coercible(schema: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(t for t in ("integer", "number", "boolean") if t in _types(schema))


def literal_schema(
    schema: Mapping[str, Any], *, templates: bool = True, nullable: bool = True
) -> dict[str, Any]:
    """Widen the schema of an evaluated value to the literals Digdag accepts for it.

    `templates` adds strings containing `${` (not for values read before evaluation);
    `nullable` adds null at the top level (a null key is an absent key).
    """
    out = _widen(schema, templates)
    if not nullable:
        return out
    if "anyOf" in out and ("enum" in schema or "const" in schema):
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif (types := _types(out)) and "null" not in types:
        out["type"] = [*types, "null"]
    return out


def _widen(schema: Mapping[str, Any], templates: bool) -> dict[str, Any]:
    out = {key: _widen_child(key, value, templates) for key, value in schema.items()}
    if "enum" in out or "const" in out:
        docs = {k: out.pop(k) for k in list(out) if k in _DOC_KEYS}
        alternatives: list[dict[str, Any]] = [out]
        if templates:
            alternatives.append({"type": "string", "pattern": TEMPLATE_PATTERN})
        return {**docs, "anyOf": alternatives}
    types = _types(out)
    if not types:
        return out
    widened = list(types)
    patterns: list[str] = []
    if "string" in types:
        widened += ["number", "boolean"]
        if "pattern" in out:
            patterns.append(out["pattern"])
    for kind, pattern in (
        ("integer", _INT_STRING),
        ("number", _NUMBER_STRING),
        ("boolean", _BOOL_STRING),
    ):
        if kind in types:
            widened.append("string")
            patterns.append(pattern)
    if templates and ({"object", "array"} & set(types) or patterns):
        widened.append("string")
        patterns.append(TEMPLATE_PATTERN)
    if "string" in types and "pattern" not in out:
        patterns = []  # any string is already fine
    out["type"] = _unique(widened)
    if patterns:
        out["pattern"] = "|".join(f"(?:{p})" for p in _unique(patterns))
        message = _expected(types, out.get("x-digdag-format"), templates)
        out.setdefault("patternErrorMessage", message)
    if out["type"] == ["string"] or len(out["type"]) == 1:
        out["type"] = out["type"][0]
    return out


_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "string": "a string in the documented format",
    "null": "null",
}
_FORMATS = {"duration": "a duration such as 30s or 1h 30m"}


def _expected(types: Sequence[str], fmt: str | None, templates: bool) -> str:
    """The message YAML tools show for a string failing the widened pattern."""
    names = [_FORMATS.get(fmt or "", _NAMES[t]) if t == "string" else _NAMES[t] for t in types]
    text = "Expected " + " or ".join(names)
    return text + " (or a ${...} template)" if templates else text


def _widen_child(key: str, value: Any, templates: bool) -> Any:
    if key in ("properties", "patternProperties") and isinstance(value, dict):
        return {k: literal_schema(v, templates=templates) for k, v in value.items()}
    if key in ("additionalProperties", "items") and isinstance(value, dict):
        return _widen(value, templates)
    if key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
        return [_widen(v, templates) if isinstance(v, dict) else v for v in value]
    return value


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
