"""The workflow's `schedule:` is not one Digdag can use.

## What it does
Checks the top-level `schedule:` mapping: exactly one type (`hourly>: MM:SS`,
`daily>: HH:MM:SS`, `weekly>: DAY,HH:MM:SS`, `monthly>: D,HH:MM:SS`, `minutes_interval>: N`,
`seconds_interval>: N` or `cron>: 'M H DoM Mon DoW'`), its argument in that format (cron patterns
are validated like Digdag's cron4j library does: 5 fields, values in range, `*`, lists, ranges,
`/steps`, month and weekday names, `L` for the last day of the month, `|` between patterns), and
the options `start`/`end` (`YYYY-MM-DD`, `start` not after `end`), `skip_on_overtime` (boolean),
`skip_delayed_by` (a duration such as `10m`) and `delay` (seconds, for `cron>`,
`minutes_interval>` and `seconds_interval>`). Unknown options get a suggestion. A time outside
its day or hour (`daily>: 25:00:00`) is only a warning: Digdag accepts it and adds the fields up.

## Why
`digdag check`, `digdag push` and the scheduler reject a bad type or argument
(`daily> scheduler requires hh:mm:ss format`, `Unknown scheduler type`), and `digdag push`
also rejects unused options (`Parameter 'k' is not used at schedule`), so the workflow is never
scheduled.

## Example
```yaml
schedule:
  daily>: 7:00
  skip_on_overtim: true
```

## Fix
Write the argument in the format of its type (`daily>: 07:00:00`) and spell options correctly.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules._common import top_level_entry
from diglang.rules.invalid_directive import bool_like, shown
from diglang.rules.unknown_top_level_key import rename_fix, suggest
from diglang.schedule import JAVA_INT, cron_error, cron_field_error, java_split, java_tokens
from diglang.values import Entry, Mapping, Scalar, Template, Value

TIME_FORMATS = {
    "hourly": ("MM:SS", 2),
    "daily": ("HH:MM:SS", 3),
    "weekly": ("DAY,HH:MM:SS", 3),
    "monthly": ("D,HH:MM:SS", 3),
}
INTERVALS = ("minutes_interval", "seconds_interval")
TYPES = (*TIME_FORMATS, "cron", *INTERVALS)
OPTIONS = ("start", "end", "skip_on_overtime", "skip_delayed_by")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DURATION = re.compile(r"\s*(?:\d+\s*d)?\s*(?:\d+\s*h)?\s*(?:\d+\s*m)?\s*(?:\d+\s*s)?\s*", re.I)


def time_error(kind: str, text: str) -> str | None:
    """Why Digdag rejects the argument of an hourly/daily/weekly/monthly schedule."""
    form, count = TIME_FORMATS[kind]
    time = text
    if kind in ("weekly", "monthly"):
        day_time = text.split(",", 1)
        if len(day_time) != 2:
            return f"write `{form}`"
        day, time = day_time[0].strip(), day_time[1].strip()
        error = _day_error(kind, day)
        if error is not None:
            return error
    fields = java_split(time, ":")
    if len(fields) != count or not all(JAVA_INT.fullmatch(f) for f in fields):
        return f"write `{form}`" + (", e.g. `07:00:00`" if count == 3 else ", e.g. `30:00`")
    return None


def _day_error(kind: str, day: str) -> str | None:
    if kind == "monthly":
        ok = JAVA_INT.fullmatch(day) is not None and 1 <= int(day) <= 31
        return None if ok else f"the day `{day}` must be a day of the month, 1-31"
    if JAVA_INT.fullmatch(day) and int(day) < 0:
        return f"the day `{day}` must be 0-7 (0 and 7 are Sunday) or a name such as `Mon`"
    error = cron_field_error(day, 4)
    if error is not None or java_tokens(day, " \t") != [day]:
        return f"the day `{day}` must be 0-7 (0 and 7 are Sunday) or a name such as `Mon`"
    return None


@rule("invalid-schedule", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report schedules that Digdag's scheduler or `digdag push` rejects."""
    entry = top_level_entry(wf, ctx, "schedule")
    if entry is None:
        return
    schedule = entry.value
    if not isinstance(schedule, Mapping):
        message = f"`schedule` must be a mapping such as `daily>: 07:00:00`, not {shown(schedule)}"
        yield Problem(schedule.span, message, source=schedule.source)
        return
    types = [e for e in schedule.entries if e.key.text.endswith(">")]
    typed = schedule.entry("_type")
    if typed is not None:
        types = [typed]
    elif not types:
        message = "`schedule` needs a type such as `daily>: 07:00:00` or `cron>: '0 7 * * *'`"
        yield Problem(entry.key.span, message, source=entry.key.source)
        return
    kind = _kind(types[0])
    yield from _type_problems(kind, types, schedule)
    if kind in TYPES:
        command = schedule.get("_command") if typed is not None else types[0].value
        yield from _argument(kind, command, types[0])
    yield from _options(schedule, kind)


def _kind(entry: Entry) -> str:
    """The schedule type named by a `type>` key or by `_type: type`."""
    if entry.key.text == "_type":
        return entry.value.text if isinstance(entry.value, Scalar) else ""
    return entry.key.text[:-1]


def _type_problems(kind: str, types: list[Entry], schedule: Mapping) -> Iterator[Problem]:
    first = types[0]
    typed = first.key.text == "_type"
    if kind not in TYPES:
        node = first.value if typed else first.key
        close = suggest(kind, TYPES)
        message = f"unknown schedule type `{kind if typed else kind + '>'}`"
        fix = None
        if len(close) == 1 and isinstance(node, Scalar):
            better = close[0] if typed else close[0] + ">"
            message += f"; did you mean `{better}`?"
            fix = rename_fix(node, better, schedule.keys(), safe=True)
        else:
            message += f"; use one of {', '.join(f'`{t}>`' for t in TYPES)}"
        yield Problem(node.span, message, fix, source=node.source)
    for extra in types[1:]:
        key = extra.key
        message = (
            f"a schedule has one type; `{key.text}` is not used "
            f"because `{first.key.text}` comes first"
        )
        yield Problem(key.span, message, source=key.source)


def _argument(kind: str, command: Value | None, entry: Entry) -> Iterator[Problem]:
    label = f"{kind}>"
    if command is None or (isinstance(command, Scalar) and command.value is None):
        message = f"`{label}` needs an argument" + _example(kind)
        yield Problem(entry.key.span, message, source=entry.key.source)
        return
    if not isinstance(command, Scalar) or isinstance(command, Template):
        templated = isinstance(command, Template)
        why = "is not evaluated, so `${...}` cannot be used" if templated else "must be a scalar"
        message = f"the argument of `{label}` {why}; write it literally" + _example(kind)
        yield Problem(command.span, message, source=command.source)
        return
    error = _argument_error(kind, command)
    if error is not None:
        message = f"invalid `{label}` argument {shown(command)}: {error}"
        yield Problem(command.span, message, _time_fix(kind, command), source=command.source)
    elif kind in TIME_FORMATS:
        yield from _out_of_range(kind, command)


def _out_of_range(kind: str, command: Scalar) -> Iterator[Problem]:
    """Digdag adds the fields up without range checks: `daily>: 25:00:00` is 01:00 next day."""
    time = command.text.split(",", 1)[-1].strip()
    fields = [int(f) for f in java_split(time, ":")]
    hourly = kind == "hourly"
    limits, weights = ([60, 60], [60, 1]) if hourly else ([24, 60, 60], [3600, 60, 1])
    if all(0 <= v < limit for v, limit in zip(fields, limits, strict=True)):
        return
    delay = sum(v * w for v, w in zip(fields, weights, strict=True))
    sign, delay = ("-" if delay < 0 else ""), abs(delay)
    after = f"{sign}{delay // 3600}h{delay % 3600 // 60:02d}m{delay % 60:02d}s"
    unit = "hour" if hourly else "day"
    message = (
        f"`{time}` is not a time of the {unit}; Digdag does not check ranges and runs the "
        f"session {after} after the start of its {unit}"
    )
    yield Problem(command.span, message, source=command.source, severity=Severity.WARNING)


def _example(kind: str) -> str:
    examples = {"cron": "'0 7 * * *'", "weekly": "Mon,07:00:00", "monthly": "1,07:00:00"}
    sample = examples.get(kind, "30:00" if kind == "hourly" else "07:00:00")
    return f", e.g. `{kind}>: {'15' if kind in INTERVALS else sample}`"


def _argument_error(kind: str, command: Scalar) -> str | None:
    text = command.text
    if kind in TIME_FORMATS:
        return time_error(kind, text)
    if kind == "cron":
        return cron_error(text)
    value = command.value
    if isinstance(value, float) and value >= 1:
        return None
    if isinstance(value, bool) or not JAVA_INT.fullmatch(text.strip()):
        return "write a whole number of " + ("minutes" if kind == "minutes_interval" else "seconds")
    if int(text) < 1:
        return "the interval must be at least 1"
    return None


def _time_fix(kind: str, command: Scalar) -> Fix | None:
    """`daily>: 07:00` surely means `07:00:00`: offer to add the seconds."""
    text = command.text
    hh_mm = re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", text) is not None
    exact = command.style == "plain" and command.source.slice(command.span) == text
    if kind == "daily" and hh_mm and exact:
        return Fix(f"write `{text}:00`", (Edit(command.span, f"{text}:00"),), safe=False)
    return None


def _options(schedule: Mapping, kind: str) -> Iterator[Problem]:
    allowed = [*OPTIONS, "delay" if kind in ("cron", *INTERVALS) else "at"]
    for entry in schedule.entries:
        name = entry.key.text
        if name.endswith(">") or name in ("_type", "_command"):
            continue
        if name not in allowed:
            yield _unknown_option(entry, kind, allowed, schedule)
        else:
            yield from _option_value(entry)
    yield from _start_after_end(schedule)


def _unknown_option(entry: Entry, kind: str, allowed: list[str], schedule: Mapping) -> Problem:
    key = entry.key
    close = suggest(key.text, allowed)
    message = f"unknown schedule option `{key.text}`"
    fix = None
    if len(close) == 1:
        message += f"; did you mean `{close[0]}`?"
        fix = rename_fix(key, close[0], schedule.keys(), safe=True)
    elif key.text in ("delay", "at"):
        message = f"`{key.text}` is not an option of `{kind}>`; its argument sets the time"
    else:
        message += f"; options are {', '.join(f'`{o}`' for o in allowed)}"
    return Problem(key.span, message, fix, source=key.source)


def _option_value(entry: Entry) -> Iterator[Problem]:
    name, value = entry.key.text, entry.value
    if isinstance(value, Scalar) and value.value is None:
        return
    error = None
    if name in ("start", "end") and not _date(value):
        error = "must be a date written `YYYY-MM-DD`"
    elif name == "skip_on_overtime" and not bool_like(value):
        error = "must be `true` or `false`"
    elif name == "skip_delayed_by" and not _duration(value):
        error = "must be a duration such as `30m`, `1h` or `1d 12h`"
    elif name == "delay" and not (isinstance(value, Scalar) and JAVA_INT.fullmatch(value.text)):
        error = "must be a number of seconds"
    if error is not None:
        yield Problem(value.span, f"`{name}` {error}, not {shown(value)}", source=value.source)


def _date(value: Value) -> datetime.date | None:
    if not isinstance(value, Scalar) or not _DATE.fullmatch(value.text):
        return None
    try:
        return datetime.date.fromisoformat(value.text)
    except ValueError:
        return None


def _duration(value: Value) -> bool:
    if not isinstance(value, Scalar) or not value.is_string:
        return False
    return _DURATION.fullmatch(value.text) is not None and any(c.isdigit() for c in value.text)


def _start_after_end(schedule: Mapping) -> Iterator[Problem]:
    start, end = schedule.get("start"), schedule.get("end")
    if start is None or end is None:
        return
    first, last = _date(start), _date(end)
    if first is not None and last is not None and first > last:
        message = f"`end` {shown(end)} is before `start` {shown(start)}; no session would run"
        yield Problem(end.span, message, source=end.source)
