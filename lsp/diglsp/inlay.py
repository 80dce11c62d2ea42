"""Inlay hints: the next runs of the workflow's schedule, and the values of `${...}`.

After the schedule's type line (`daily>: 07:00:00`) the editor shows when the next three
sessions run, in the workflow's time zone: `next: Thu 11-27 07:00, Fri 11-28 07:00, Sat 11-29
07:00 (Asia/Tokyo)`; the tooltip lists each run's exact time and session time. After a
`${...}` whose value is known without running anything (see `static.py`), it shows `= items`;
the tooltip has the whole value. Expressions that are literals themselves (`${1}`) get none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from lsprotocol import types

from diglang.expr import nodes as n
from diglang.nodes import Task
from diglang.schedule import Run, Schedule, ScheduleError, next_runs
from diglang.source import Span
from diglang.values import Entry, Mapping, Scalar, Template, Value
from diglsp import convert, query
from diglsp.static import static_value
from diglsp.workspace import Snapshot

RUNS = 3
MAX_VALUE = 40  # characters of a value shown in a hint
_LITERALS = (n.StringLit, n.NumberLit, n.BooleanLit, n.NullLit)


def inlay_hints(
    snap: Snapshot,
    span: Span,
    *,
    schedule: bool = True,
    values: bool = True,
    now: dt.datetime | None = None,
) -> list[types.InlayHint]:
    """Hints inside `span` of the document (never raises)."""
    found: list[tuple[int, str, str]] = []  # offset, label, tooltip
    try:
        if schedule:
            hint = _schedule_hint(snap, span, now or dt.datetime.now(dt.UTC))
            if hint is not None:
                found.append(hint)
        if values:
            found.extend(_value_hints(snap, span))
    except Exception:  # a hint is never worth a failed request
        found = []
    found.sort(key=lambda h: h[0])
    return [
        types.InlayHint(
            position=convert.position(snap.source, offset),
            label=label,
            padding_left=True,
            tooltip=types.MarkupContent(kind=types.MarkupKind.Markdown, value=tooltip),
        )
        for offset, label, tooltip in found
    ]


# ------------------------------------------------------------------------- schedules


def _schedule_hint(snap: Snapshot, span: Span, now: dt.datetime) -> tuple[int, str, str] | None:
    wf = snap.document.workflow
    if wf is None or snap.fragment or not isinstance(wf.schedule, Mapping):
        return None
    anchor = _schedule_anchor(wf.schedule)
    if anchor is None or anchor.source is not snap.source:
        return None
    offset = anchor.span.end
    if not span.start <= offset <= span.end:
        return None
    try:
        parsed = Schedule.from_workflow(wf)
        runs = next_runs(parsed, now, RUNS) if parsed is not None else []
    except (ScheduleError, OverflowError, ValueError):
        return None
    if parsed is None:
        return None
    zone = parsed.zone_name
    if runs:
        seconds = any(r.run_time.second for r in runs)
        shown = ", ".join(_short(r.run_time, seconds) for r in runs)
        label = f"next: {shown} ({zone})"
    else:
        label = "no more runs: the schedule has ended"
    return offset, label, _tooltip(runs, zone)


def _schedule_anchor(schedule: Mapping) -> Value | None:
    """The node the hint follows: the type's argument (or its key when it has none)."""
    typed = schedule.entry("_type")
    entry: Entry | None
    if typed is not None:
        entry = schedule.entry("_command") or typed
    else:
        entry = next((e for e in schedule.entries if e.key.text.endswith(">")), None)
    if entry is None:
        return None
    value = entry.value
    if isinstance(value, Scalar) and (value.value is not None or value.span.end > value.span.start):
        return value
    return entry.key


def _short(moment: dt.datetime, seconds: bool) -> str:
    return moment.strftime("%a %m-%d %H:%M:%S" if seconds else "%a %m-%d %H:%M")


def _tooltip(runs: list[Run], zone: str) -> str:
    if not runs:
        return "The schedule's `end` has passed: no session will run."
    lines = [f"Next runs ({zone}):", ""]
    for run in runs:
        line = f"- `{run.run_time.isoformat()}`"
        if run.session_time != run.run_time:
            line += f" (session_time `{run.session_time.isoformat()}`)"
        lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- values


def _value_hints(snap: Snapshot, span: Span) -> list[tuple[int, str, str]]:
    wf = snap.document.workflow
    if wf is None:
        return []
    hints = []
    for task, template in _templates(snap, span):
        if template.span.end < span.start or template.span.start > span.end:
            continue
        for expr in template.exprs:
            end = expr.placeholder.end
            if not expr.exact or not span.start <= end <= span.end:
                continue
            node = expr.result.node
            if node is None or isinstance(node, _LITERALS):
                continue
            value = static_value(snap, query.ExprAt(task, template, expr))
            if value is None:
                continue
            hints.append((end, "= " + _shown(value), _value_tooltip(expr.text, value)))
    return hints


def _templates(snap: Snapshot, span: Span) -> Iterator[tuple[Task, Template]]:
    """Templates of this document with the tasks owning them, skipping tasks out of `span`."""
    wf = snap.document.workflow
    if wf is None:
        return
    for task in wf.walk_tasks():
        if task.key is not None and task.key.source is snap.source:
            whole = task.span
            if whole.end < span.start or whole.start > span.end:
                continue
        for template in task.local_templates():
            if template.source is snap.source:
                yield task, template


def _shown(value: str) -> str:
    if value.strip() == "":
        return '""' if not value else repr(value)
    flat = value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", " ")
    return flat if len(flat) <= MAX_VALUE else flat[: MAX_VALUE - 1] + "…"


def _value_tooltip(expression: str, value: str) -> str:
    fence = "```"
    while fence in value:
        fence += "`"
    return f"`${{{expression.strip()}}}` renders as:\n\n{fence}text\n{value}\n{fence}"
