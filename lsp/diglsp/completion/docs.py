"""Markdown and one-line details shown with completion items and in hovers.

What an operator, a param, a directive or a schema property is (type, default, example,
values, documentation link), and where a `${...}` name comes from (a built-in with an example
value, the `_export` that defines it with its literal, the task that stores it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping as Mapping_
from typing import Any

from diglang.nodes import Task
from diglang.schemas import BuiltinVar, DirectiveSpec, OperatorSpec, ParamSpec
from diglang.scope import Origin
from diglang.values import Mapping, Scalar, Value
from diglsp.completion.schema import example_of, operators_of, types_of
from diglsp.workspace import Snapshot


def md_value(value: Any) -> str:
    """A schema value as YAML writes it (`true`, `null`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def js_text(value: Any) -> str:
    """A value as an expression shows it (`true`, `null`, JSON for objects and arrays)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return md_value(value)


def type_label(schema: Mapping_[str, Any]) -> str:
    """The type of a schema as a short label (`string | integer`, or the enum's values)."""
    names = [t for t in types_of(schema) if t != "null"]
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return " | ".join(names) if names else "any"


def first_sentence(text: str) -> str:
    """The first sentence of a description (for one-line details)."""
    end = text.find(". ")
    return text[: end + 1] if end >= 0 else text


def schema_facts(prop: dict[str, Any]) -> list[str]:
    """Type, default and example of a schema property, as short markdown phrases."""
    facts = [f"type: `{type_label(prop)}`"]
    if prop.get("default") is not None:
        facts.append(f"default: `{md_value(prop['default'])}`")
    example = example_of(prop)
    if example is not None and example != prop.get("default"):
        facts.append(f"example: `{md_value(example)}`")
    return facts


def param_doc(param: ParamSpec) -> str:
    """Markdown for an operator param: description, type, default, values, file kind."""
    parts = [param.description] if param.description else []
    facts = [f"type: `{type_label(param.type)}`"]
    if param.required:
        facts.append("required")
    if param.default is not None:
        facts.append(f"default: `{md_value(param.default)}`")
    elif param.default_note:
        facts.append(f"default: {param.default_note}")
    parts.append(", ".join(facts))
    if param.enum:
        parts.append("values: " + ", ".join(f"`{md_value(v)}`" for v in param.enum))
    if param.is_file and param.file_kind:
        parts.append(f"names a file: {param.file_kind.replace('_', ' ')}")
    return "\n\n".join(parts)


def param_detail(param: ParamSpec) -> str:
    """One line for a param: type, default, whether it is required."""
    text = type_label(dict(param.type, enum=list(param.enum)) if param.enum else param.type)
    if param.default is not None:
        text += f" = {md_value(param.default)}"
    elif param.default_note:
        text += f" ({param.default_note})"
    if param.required:
        text += ", required"
    return text


def directive_doc(spec: DirectiveSpec) -> str:
    """Markdown for a directive or top-level key."""
    parts = [spec.description]
    facts = [f"type: `{type_label(spec.type)}`"]
    if spec.default is not None:
        facts.append(f"default: `{md_value(spec.default)}`")
    parts.append(", ".join(facts))
    if spec.operators:
        parts.append("on " + ", ".join(f"`{o}>`" for o in spec.operators))
    if spec.docs_url:
        parts.append(f"[documentation]({spec.docs_url})")
    return "\n\n".join(p for p in parts if p)


def operator_doc(spec: OperatorSpec) -> str:
    """Markdown for an operator in a completion list: summary, command, required params."""
    lines = [f"**{spec.key}** — {spec.summary}"]
    required = [p for p in spec.params.values() if p.required]
    if spec.command is not None and spec.command.description:
        lines.append(f"command: {spec.command.description}")
    if required:
        lines.append("required: " + ", ".join(f"`{p.name}`" for p in required))
    if spec.docs_url:
        lines.append(f"[documentation]({spec.docs_url})")
    return "\n\n".join(lines)


def literal_block(key: Scalar, value: Value) -> str:
    """A YAML block showing `key: value` as written (long values shortened)."""
    return yaml_block(key.text, value)


def yaml_block(name: str, value: Value) -> str:
    """A YAML block showing `name: value`, the value as written (long values shortened)."""
    return f"```yaml\n{name}: {short_text(value)}\n```"


def short_text(value: Value) -> str:
    """The text of a value, cut to its first line and 120 characters."""
    text = value.source.slice(value.span)
    if "\n" in text or len(text) > 120:
        lines = text.splitlines()
        text = lines[0][:117] + " …" if lines else ""
    return text


def export_owners(snap: Snapshot) -> dict[int, Task]:
    """The task whose `_export` holds each key, by the key node's id (once per snapshot)."""
    found = snap.memo.get("completion.export_owners")
    if isinstance(found, dict):
        return found
    owners: dict[int, Task] = {}
    wf = snap.document.workflow
    if wf is not None:
        for task in wf.walk_tasks():
            if isinstance(task.export, Mapping):
                for entry in task.export.entries:
                    owners[id(entry.key)] = task
    snap.memo["completion.export_owners"] = owners
    return owners


def _where_file(snap: Snapshot, node: Scalar) -> str:
    path = node.source.path
    if path is None or path == snap.path:
        return ""
    project = snap.project
    rel = project.relpath(path) if project is not None else os.path.basename(path)
    return f" in `{rel}`"


def origin_detail(snap: Snapshot, name: str, origin: Origin, owners: dict[int, Task]) -> str:
    """One line saying where a visible name comes from."""
    kind = origin.kind
    if kind == "builtin":
        return "JavaScript global" if origin.detail == "a JavaScript global" else "built-in"
    if kind == "export":
        key = origin.key
        if key is None:
            return "`_export`"
        task = owners.get(id(key))
        where = _where_file(snap, key)
        if task is None or task.key is None:
            return f"`_export` at the top level{where}"
        return f"`_export` of `{task.name}`{where}"
    if kind == "store":
        return origin.detail or "stored by an earlier task"
    if kind == "loop":
        return "loop variable"
    if kind == "error":
        return "error of the failed task"
    if kind == "config":
        return "parameter declared in the diglint config"
    if kind == "local":
        return "a key of this task"
    return origin.detail or kind


def origin_doc(
    snap: Snapshot,
    name: str,
    origin: Origin,
    builtins: dict[str, BuiltinVar],
    owners: dict[int, Task],
) -> str | None:
    """Markdown about a visible name: description and example, or its defining literal."""
    var = builtins.get(name)
    if origin.kind in ("builtin", "error") and var is not None:
        text: str = var.description
        if var.example is not None:
            text += f"\n\nexample: `{js_text(var.example)}`"
        return text
    if origin.kind == "store":
        stored = stored_list(snap, name, origin)
        if stored is None:
            return origin.detail or None
        return f"{origin.detail}\n{stored}" if stored else origin.detail
    if origin.key is not None and origin.value is not None:
        return literal_block(origin.key, origin.value)
    if origin.kind == "local" and origin.value is not None:
        return yaml_block(name, origin.value)
    return origin.detail or None


def stored_list(snap: Snapshot, name: str, origin: Origin) -> str | None:
    """What the task of a `store` origin stores under `name`, as a markdown list.

    Empty when its operator stores nothing under that name; None when it has no schema.
    """
    task = origin.task
    op = task.operator if task is not None else None
    spec = operators_of(snap).get(op.name) if op is not None and op.name else None
    if spec is None:
        return None
    stored = [s for s in spec.stores if s.name.split(".")[0] == name]
    return "\n".join(f"- `{s.name}`: {s.description}" for s in stored)
