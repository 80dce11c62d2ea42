"""Seeded-fault recall: mutate real workflows the way people break them; diglint must notice.

Every realworld corpus file that Digdag loads and that diglint passes without errors is
mutated once per kind of fault (where the file offers a place for it). A fault counts as
caught when a diagnostic of the expected rule starts on the mutated line. Target: ≥ 95 %.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from conftest import CORPUS, require_corpus
from corpus import loads_in_digdag, read_with_placeholders
from diglang.check import check
from diglang.nodes import Task, TaskKind, Workflow
from diglang.parse import Document
from diglang.project import Project
from diglang.values import Scalar, Template

MAX_FILES = 250
TARGET = 0.95


@dataclass(frozen=True)
class Fault:
    """A mutated text, the rule that must fire and the 0-based line it must point at."""

    kind: str
    text: str
    rule: str
    offset: int


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _typo(word: str) -> str:
    """A realistic typo: drop a middle character (or double the last one of short words)."""
    if len(word) <= 3:
        return word + word[-1]
    mid = len(word) // 2
    return word[:mid] + word[mid + 1 :]


def _operator_tasks(wf: Workflow) -> list[Task]:
    return [t for t in wf.walk_tasks() if t.kind is TaskKind.OPERATOR and t.operator is not None]


def _exact(node: Scalar, text: str) -> bool:
    return node.style == "plain" and text[node.span.start : node.span.end] == node.text


Mutator = Callable[[Document], Iterator[Fault]]


def operator_typo(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    for task in _operator_tasks(doc.workflow):  # type: ignore[arg-type]
        op = task.operator
        if op and op.name and op.key.text.endswith(">") and op.key.source is doc.source:
            new = _typo(op.name) + ">"
            yield Fault(
                "operator typo",
                _replace(text, *_span(op.key), new),
                "unknown-operator",
                op.key.span.start,
            )
            return


def _span(node: Scalar) -> tuple[int, int]:
    return node.span.start, node.span.end


def param_typo(doc: Document) -> Iterator[Fault]:
    from diglang.schemas import load_operators

    specs = load_operators()
    text = doc.source.text
    for task in _operator_tasks(doc.workflow):  # type: ignore[arg-type]
        spec = specs.get(task.operator.name or "")  # type: ignore[union-attr]
        if spec is None or spec.passthrough_params:
            continue
        for entry in task.params:
            key = entry.key
            if key.text in spec.params and key.source is doc.source and _exact(key, text):
                new = _typo(key.text)
                if new in spec.params:
                    continue
                yield Fault(
                    "param typo", _replace(text, *_span(key), new), "unknown-param", key.span.start
                )
                return


def variable_typo(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    builtins = {
        "session_date",
        "session_time",
        "session_date_compact",
        "task_name",
        "session_unixtime",
        "session_local_time",
        "timezone",
    }
    for _, template in doc.workflow.walk_templates():  # type: ignore[union-attr]
        if template.source is not doc.source:
            continue
        for expr in template.exprs:
            for ident in expr.free_variables():
                if expr.exact and ident.name in builtins:
                    new = _typo(ident.name)
                    mutated = _replace(text, ident.span.start, ident.span.end, new)
                    yield Fault("variable typo", mutated, "undefined-variable", ident.span.start)
                    return


def bad_expression(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    for _, template in doc.workflow.walk_templates():  # type: ignore[union-attr]
        for expr in template.exprs:
            if expr.exact and template.source is doc.source and expr.text.strip():
                end = expr.span.end
                yield Fault(
                    "bad expression",
                    _replace(text, end, end, " +"),
                    "expression-syntax",
                    expr.span.start,
                )
                return


def duplicate_key(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    tasks = [t for t in doc.workflow.tasks if t.key and t.key.source is doc.source]  # type: ignore[union-attr]
    if len(tasks) >= 2 and _exact(tasks[0].key, text):  # type: ignore[arg-type]
        first, second = tasks[0].key, tasks[1].key
        assert first is not None and second is not None
        yield Fault(
            "duplicate key",
            _replace(text, *_span(second), first.text),
            "duplicate-key",
            second.span.start,
        )


def two_operators(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    for task in _operator_tasks(doc.workflow):  # type: ignore[arg-type]
        op = task.operator
        if op is None or op.key.source is not doc.source or not op.key.text.endswith(">"):
            continue
        line_start = text.rfind("\n", 0, op.key.span.start) + 1
        indent = text[line_start : op.key.span.start]
        if indent.strip():
            continue
        other = "echo>" if op.name != "echo" else "sh>"
        insert = f"{indent}{other}: seeded\n"
        # the original operator now comes second, so it is the one reported
        yield Fault(
            "two operators",
            _replace(text, line_start, line_start, insert),
            "multiple-operators",
            op.key.span.start + len(insert),
        )
        return


def bad_timezone(doc: Document) -> Iterator[Fault]:
    tz = doc.workflow.timezone  # type: ignore[union-attr]
    text = doc.source.text
    if tz is not None and tz.source is doc.source and "/" in tz.text:
        yield Fault(
            "bad timezone",
            _replace(text, *_span(tz), tz.text + "x"),
            "invalid-timezone",
            tz.span.start,
        )
    elif tz is None and not text.startswith((" ", "\t", "%", "-")):
        yield Fault("bad timezone", "timezone: Asia/Tokio\n" + text, "invalid-timezone", 10)


def bad_schedule(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    if doc.workflow.schedule is None and not text.startswith((" ", "\t", "%", "-")):  # type: ignore[union-attr]
        seeded = "schedule:\n  daily>: 25:00:00\n" + text
        yield Fault("bad schedule", seeded, "invalid-schedule", len("schedule:\n  daily>: "))


def bad_directive(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    for task in doc.workflow.walk_tasks():  # type: ignore[union-attr]
        if task.kind is TaskKind.GROUP and task.children and task.key and task.parallel is None:
            child = task.children[0].key
            if child is None or child.source is not doc.source:
                continue
            line_start = text.rfind("\n", 0, child.span.start) + 1
            indent = text[line_start : child.span.start]
            if indent.strip():
                continue
            insert = f"{indent}_parallel: maybe\n"
            yield Fault(
                "bad directive",
                _replace(text, line_start, line_start, insert),
                "invalid-directive",
                line_start + len(indent) + len("_parallel: "),
            )
            return


def dangling_file(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    for task in _operator_tasks(doc.workflow):  # type: ignore[arg-type]
        op = task.operator
        cmd = op.command if op else None
        if op is None or op.name not in ("call", "td", "pg", "sh") or not isinstance(cmd, Scalar):
            continue
        if isinstance(cmd, Template) or cmd.source is not doc.source or not _exact(cmd, text):
            continue
        if op.name == "sh" and not cmd.text.split()[0].endswith((".sh", ".py", ".rb")):
            continue
        if op.name in ("td", "pg") and not cmd.text.endswith(".sql"):
            continue
        first = cmd.text.split()[0]
        start = cmd.span.start
        new = first.replace("/", "/missing_", 1) if "/" in first else "missing_" + first
        yield Fault(
            "dangling file", _replace(text, start, start + len(first), new), "missing-file", start
        )
        return


def self_call(doc: Document) -> Iterator[Fault]:
    text = doc.source.text
    if text.startswith((" ", "\t", "%", "-")) or doc.source.path is None:
        return
    name = os.path.basename(doc.source.path)
    line = f"+seeded_cycle:\n  call>: {name}\n"
    yield Fault(
        "call cycle",
        text.rstrip("\n") + "\n" + line,
        "call-cycle",
        len(text.rstrip("\n")) + 1 + len("+seeded_cycle:\n  call>: "),
    )


MUTATORS: tuple[Mutator, ...] = (
    operator_typo, param_typo, variable_typo, bad_expression, duplicate_key, two_operators,
    bad_timezone, bad_schedule, bad_directive, dangling_file, self_call,
)  # fmt: skip


def _clean_files() -> list[Path]:
    files = [
        p for p in sorted((CORPUS / "realworld").rglob("*.dig"))
        if loads_in_digdag(p)
    ]  # fmt: skip
    random.Random(7).shuffle(files)
    return files[:MAX_FILES]


OVERRIDES: dict[str, str] = {}
PROJECTS: dict[Path, Project] = {}


def _read(path: str) -> str:
    text = OVERRIDES.get(os.path.abspath(path))
    return text if text is not None else read_with_placeholders(path)


def _project(path: Path) -> Project:
    """One project per corpus repository, shared by every mutation (documents stay cached)."""
    repo = CORPUS / "realworld" / path.relative_to(CORPUS / "realworld").parts[0]
    if repo not in PROJECTS:
        PROJECTS[repo] = Project(str(repo), loader=_read)
    return PROJECTS[repo]


def _lint(path: Path, text: str | None) -> list[tuple[str, int]]:
    project = _project(path)
    if text is None:
        OVERRIDES.pop(str(path), None)
    else:
        OVERRIDES[str(path)] = text
    project.invalidate(str(path))
    doc = project.document(str(path))
    return [
        (d.rule, doc.source.index.position(d.span.start).line)
        for d in check(doc, project=project)
        if d.path == str(path)
    ]


def test_seeded_fault_recall() -> None:
    require_corpus()
    caught: Counter[str] = Counter()
    seeded: Counter[str] = Counter()
    missed: list[str] = []
    for path in _clean_files():
        base = _project(path).document(str(path))
        if base.workflow is None or not base.ok:
            continue
        for mutate in MUTATORS:
            for fault in mutate(base):
                seeded[fault.kind] += 1
                line = line_of(fault.text, fault.offset)
                found = _lint(path, fault.text)
                if (fault.rule, line) in found:
                    caught[fault.kind] += 1
                else:
                    where = f"{path.relative_to(CORPUS)}:{line + 1}"
                    missed.append(f"{fault.kind}: {where} {found[:3]}")
        _lint(path, None)
    total, hits = sum(seeded.values()), sum(caught.values())
    report = ", ".join(f"{k} {caught[k]}/{n}" for k, n in sorted(seeded.items()))
    print(f"seeded-fault recall {hits}/{total} = {hits / total:.1%}: {report}")
    assert total > 500
    assert hits / total >= TARGET, "\n".join([report, *missed[:40]])


def line_of(text: str, offset: int) -> int:
    """0-based line of `offset` in `text`."""
    return text.count("\n", 0, offset)
