"""Build the typed AST (`Workflow`, `Task`...) from a file's merged root mapping."""

from __future__ import annotations

from diglang.nodes import (
    TASK_DIRECTIVES,
    TOP_LEVEL_KEYS,
    Operator,
    Parallel,
    Retry,
    Task,
    TaskKind,
    Workflow,
)
from diglang.source import Source, Span
from diglang.values import Entry, Mapping, Scalar, Sequence, Template, Value

_DIRECTIVE_FIELDS = {
    "_background": "background",
    "_export": "export",
    "_env": "env",
    "_secrets": "secrets",
    "_after": "after",
    "_disable": "disable",
    "_type": "type",
    "_command": "command",
}


def build_workflow(name: str, source: Source, root: Mapping) -> Workflow:
    """The workflow named `name` whose file's root mapping is `root`."""
    task = build_task("+" + name, "+" + name, None, root, root, source)
    unknown = tuple(
        e
        for e in root.entries
        if not (isinstance(e.key.value, str) and e.key.value.startswith("+"))
        and e.key.value not in TOP_LEVEL_KEYS
    )
    timezone = root.get("timezone")
    return Workflow(
        name=name,
        source=source,
        root=root,
        task=task,
        timezone=timezone if isinstance(timezone, Scalar) else None,
        schedule=root.get("schedule"),
        sla=root.get("sla"),
        unknown_keys=unknown,
    )


def task_config(body: Value | None, source: Source) -> Mapping:
    """A task's merged config: a mapping, or a sequence of mappings merged in order."""
    if isinstance(body, Mapping):
        return body
    if isinstance(body, Sequence) and body.items:
        entries: dict[object, Entry] = {}
        for item in body.items:
            if isinstance(item, Mapping):
                for entry in item.entries:
                    if entry.key.value in entries:
                        old = entries[entry.key.value]
                        entries[entry.key.value] = Entry(old.key, entry.value, entry.include)
                    else:
                        entries[entry.key.value] = entry
        return Mapping(body.span, body.source, tuple(entries.values()))
    return Mapping(body.span if body is not None else Span(0, 0), source, ())


def build_task(
    name: str,
    full_name: str,
    key: Scalar | None,
    body: Value | None,
    config: Mapping,
    source: Source,
) -> Task:
    """Build one task (and, recursively, its children and special tasks)."""
    operators: list[Operator] = []
    params: list[Entry] = []
    directives: list[Entry] = []
    children: list[Task] = []
    fields: dict[str, object] = {}
    has_type = "_type" in config
    for entry in config.entries:
        k = entry.key.value
        if not isinstance(k, str):
            params.append(entry)
        elif k.startswith("+"):
            child_config = task_config(entry.value, entry.key.source)
            children.append(
                build_task(k, full_name + k, entry.key, entry.value, child_config, source)
            )
        elif k.startswith("_"):
            directives.append(entry)
            _directive(k, entry, full_name, source, fields)
        elif k.endswith(">"):
            operators.append(Operator(k[:-1], entry.key, entry.value))
        else:
            params.append(entry)
    if has_type:
        type_entry = config.entry("_type")
        assert type_entry is not None
        operators.insert(0, _type_operator(type_entry, config.get("_command")))
    kind = TaskKind.OPERATOR if operators else TaskKind.GROUP
    return Task(
        name=name,
        full_name=full_name,
        key=key,
        body=body,
        config=config,
        source=key.source if key is not None else source,
        kind=kind,
        operators=tuple(operators),
        params=tuple(params),
        directives=tuple(directives),
        children=tuple(children),
        **fields,  # type: ignore[arg-type]
    )


def _type_operator(entry: Entry, command: Value | None) -> Operator:
    value = entry.value
    name = None
    if isinstance(value, Scalar) and not isinstance(value, Template) and value.value is not None:
        name = value.text
    key = value if isinstance(value, Scalar) else entry.key
    return Operator(name, key, command)


def _directive(
    key: str, entry: Entry, full_name: str, source: Source, fields: dict[str, object]
) -> None:
    value = entry.value
    if key in TASK_DIRECTIVES:
        config = task_config(value, entry.key.source)
        sub_name = full_name + TASK_DIRECTIVES[key]
        fields[key.lstrip("_")] = build_task(key, sub_name, entry.key, value, config, source)
    elif key == "_parallel":
        fields["parallel"] = parse_parallel(value)
    elif key == "_retry":
        fields["retry"] = parse_retry(value)
    elif key in _DIRECTIVE_FIELDS:
        fields[_DIRECTIVE_FIELDS[key]] = value


def literal_bool(value: Value | None) -> bool | None:
    """A boolean as Digdag's config reads it at compile time (bool or `true`/`false` text)."""
    if isinstance(value, Scalar) and not isinstance(value, Template):
        if isinstance(value.value, bool):
            return value.value
        if isinstance(value.value, str) and value.value.lower() in ("true", "false"):
            return value.value.lower() == "true"
    return None


def literal_int(value: Value | None) -> int | None:
    """An integer literal (or a numeric string, as Digdag converts it), else None."""
    if isinstance(value, Scalar) and not isinstance(value, Template):
        v = value.value
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v.strip())
    return None


def parse_parallel(value: Value) -> Parallel:
    """Type a `_parallel` value."""
    if isinstance(value, Mapping):
        return Parallel(value, True, literal_int(value.get("limit")))
    return Parallel(value, literal_bool(value))


def parse_retry(value: Value) -> Retry:
    """Type a `_retry` value."""
    if isinstance(value, Mapping):
        interval_type = value.get("interval_type")
        return Retry(
            value,
            literal_int(value.get("limit")),
            literal_int(value.get("interval")),
            interval_type.text if isinstance(interval_type, Scalar) else None,
            literal_int(value.get("max_interval")),
        )
    return Retry(value, literal_int(value))
