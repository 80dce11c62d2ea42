"""What the schemas say about the place being completed or hovered.

The operators of a snapshot (with plugins), the JSON schema of the mapping at the cursor
(below `schedule:`, `_retry:`, a param...), which directives fit where, and which params name
an input file. Everything comes from `schemas/`.
"""

from __future__ import annotations

from typing import Any

from diglang.schemas import (
    DirectiveSpec,
    OperatorSpec,
    SchemaError,
    directives_schema,
    load_directives,
    load_operators,
)
from diglsp.locate import CursorContext
from diglsp.workspace import Snapshot


def operators_of(snap: Snapshot) -> dict[str, OperatorSpec]:
    """Built-in and plugin operator specs for a snapshot (loaded once per snapshot)."""
    found = snap.memo.get("operators")
    if isinstance(found, dict):
        return found
    try:
        ops = load_operators(snap.config.plugin_schemas)
    except (SchemaError, OSError):
        ops = load_operators()
    snap.memo["operators"] = ops
    return ops


def types_of(schema: dict[str, Any] | Any) -> list[str]:
    """The JSON types a schema allows (`string` for a bare enum; none when untyped)."""
    if not isinstance(schema, dict):
        return []
    found = schema.get("type")
    if isinstance(found, str):
        return [found]
    if isinstance(found, list):
        return [t for t in found if isinstance(t, str)]
    if "enum" in schema:
        return ["string"]
    return []


def resolve_ref(schema: Any) -> dict[str, Any]:
    """A property schema with a local `$ref` inlined (its own keys win)."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = directives_schema().get("definitions", {}).get(ref.rsplit("/", 1)[1], {})
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def example_of(schema: dict[str, Any]) -> Any:
    """A scalar example of a schema: its first example, else its default (not a boolean)."""
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and not isinstance(examples[0], dict | list):
        return examples[0]
    default = schema.get("default")
    if default is not None and not isinstance(default, dict | list | bool):
        return default
    return None


def schema_at(snap: Snapshot, ctx: CursorContext) -> dict[str, Any] | None:
    """The JSON schema of the mapping at the cursor (below a directive, param or command)."""
    inner = ctx.inner
    if not inner:
        return None
    head = inner[0]
    schema: dict[str, Any] | None = None
    directive = load_directives().get(head)
    if directive is not None and (ctx.task_path or head in ("schedule", "sla", "_retry")):
        schema = dict(directive.type)
    elif ctx.operator is not None:
        spec = operators_of(snap).get(ctx.operator)
        if spec is not None:
            param = spec.param(head)
            if param is not None:
                schema = dict(param.type)
    elif directive is not None:
        schema = dict(directive.type)
    for key in inner[1:]:
        if schema is None:
            return None
        if key == "-":
            schema = resolve_ref(schema.get("items"))
        else:
            schema = resolve_ref((schema.get("properties") or {}).get(key))
    return schema if schema else None


def context_allows(spec: DirectiveSpec, where: str, operator: str | None) -> bool:
    """Whether a directive may be written in a mapping of kind `where` (see `where`)."""
    if where == "task":
        return "group" in spec.effective or ("operator" in spec.effective and not spec.operators)
    if where not in spec.effective:
        return False
    if where == "operator" and spec.operators:
        return operator in spec.operators
    return True


def names_file(spec: OperatorSpec, name: str) -> bool:
    """True when the value of param `name` is itself an input file path."""
    return any(
        fp.param == name and fp.path is None and fp.direction == "input" and not fp.heuristic
        for fp in spec.file_params
    )
