"""Digdag schedules: when a workflow's sessions run, computed exactly as Digdag computes them.

A workflow's `schedule:` has one type (§11 of the language reference):

| type | slots (session times) | run time |
|---|---|---|
| `hourly>: MM:SS` | every hour at :00 | session + MM·60+SS seconds |
| `daily>: HH:MM:SS` | every day at 00:00 | session + HH·3600+MM·60+SS seconds |
| `weekly>: DAY,HH:MM:SS` | 00:00 of each DAY (a cron weekday: `Sun`, `1`, `Mon-Fri`) | as daily |
| `monthly>: D,HH:MM:SS` | 00:00 of day D of each month | as daily |
| `minutes_interval>: N` | cron `*/N * * * *` (restarts every hour) | session + `delay` |
| `cron>: 'M H DoM Mon DoW'` | the cron pattern | session + `delay` |
| `seconds_interval>: N` | every N seconds since the epoch | session + `delay` |

Digdag's scheduler is cron4j's `Predictor` in the workflow's time zone (default UTC) plus a
fixed delay in seconds, and this module reproduces it, quirks included:

* the delay is a duration, not a wall-clock time: on the day clocks spring forward in
  America/New_York, `daily>: 07:00:00` runs at 08:00 EDT (midnight EST + 7 h), and on the
  day they fall back at 06:00 EST;
* cron patterns follow cron4j: day-of-month AND day-of-week must both match (not Vixie
  cron's "either"), `L` is the last day of the month, `|` joins patterns, weekday `7` is
  Sunday but the range `0-7` is Sunday alone, a range such as `22-2` wraps around,
  `/N` takes every N-th value of the range's list;
* a wall-clock slot that does not exist (inside a spring-forward gap) moves forward by the
  gap, and one that occurs twice (fall back) takes its second occurrence (the standard-time
  offset), as `java.util.GregorianCalendar` resolves them;
* `start: YYYY-MM-DD`: a slot whose run time is before 00:00 of that date is replaced by the
  first slot at or after that midnight; `end: YYYY-MM-DD`: the schedule stops once a run
  time would reach the following midnight (`end` is inclusive). `seconds_interval>` ignores
  both;
* the first run after a moment `now` is the first slot whose run time is at or after `now`.

`Schedule.from_workflow(wf)` reads a workflow's `schedule:`; `next_runs(schedule, after,
count)` lists runs; `first_run`, `next_run` and `last_session` are the scheduler's
primitives (for `digrun --session` and the `last_session_time`/`next_session_time`
built-ins). Everything raises `ScheduleError` for what Digdag rejects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diglang.nodes import Workflow
from diglang.values import Mapping, Scalar, Template, Value

__all__ = [
    "DAYS",
    "MONTHS",
    "CronPattern",
    "Run",
    "Schedule",
    "ScheduleError",
    "cron_error",
    "cron_field_error",
    "first_run",
    "java_split",
    "java_tokens",
    "last_session",
    "next_run",
    "next_runs",
    "zone_of",
]

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# name, low, high, aliases (and the offset of the first alias)
CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], int], ...] = (
    ("minute", 0, 59, (), 0),
    ("hour", 0, 23, (), 0),
    ("day-of-month", 1, 31, (), 0),
    ("month", 1, 12, MONTHS, 1),
    ("day-of-week", 0, 7, DAYS, 0),
)
JAVA_INT = re.compile(r"[-+]?[0-9]+")
LAST_DAY = 32  # cron4j's value for `L`
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
# Digdag parks a finished schedule at 9999-01-01T00:00:00Z.
SCHEDULE_END = dt.datetime(9999, 1, 1, tzinfo=_UTC)
_MAX_SEARCH_YEARS = 30  # an impossible pattern (`0 0 30 2 *`) would make cron4j loop forever
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])([0-9]{1,2})(?::?([0-9]{2}))?")


class ScheduleError(ValueError):
    """A schedule Digdag would reject (the message says why, lowercase, with backticks)."""


# ----------------------------------------------------------------------- Java helpers


def java_tokens(text: str, delimiters: str) -> list[str]:
    """Java's `StringTokenizer`: split on any delimiter and drop empty tokens."""
    return [t for t in re.split(f"[{re.escape(delimiters)}]", text) if t]


def java_split(text: str, sep: str) -> list[str]:
    """Java's `String.split` with a literal separator: trailing empty strings are dropped."""
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _java_int(text: str) -> int | None:
    """`Integer.parseInt`, or None when Java would throw."""
    if not JAVA_INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


# ------------------------------------------------------------------------- cron patterns


@dataclass(frozen=True)
class _Field:
    """One field of a cron4j pattern: the accepted values (None: `*`, anything)."""

    values: frozenset[int] | None

    def match(self, value: int) -> bool:
        return self.values is None or value in self.values

    def match_day(self, day: int, month: int, leap: bool) -> bool:
        """cron4j's day-of-month matcher: the value, or `L` on the month's last day."""
        if self.values is None or day in self.values:
            return True
        if day > 27 and LAST_DAY in self.values:
            last = 29 if leap and month == 2 else _DAYS_IN_MONTH[month - 1]
            return day == last
        return False


@dataclass(frozen=True)
class _Sub:
    minute: _Field
    hour: _Field
    day: _Field
    month: _Field
    weekday: _Field


@dataclass(frozen=True)
class CronPattern:
    """A parsed cron4j scheduling pattern (one or more `|`-separated patterns)."""

    text: str
    subs: tuple[_Sub, ...]

    @staticmethod
    def parse(text: str) -> CronPattern:
        """Parse `text` as cron4j does; raise `ScheduleError` with the reason otherwise."""
        subpatterns = java_tokens(text, "|")
        if not subpatterns:
            raise ScheduleError("the pattern is empty")
        subs = []
        for sub in subpatterns:
            fields = java_tokens(sub, " \t")
            if len(fields) != 5:
                raise ScheduleError(
                    f"it has {len(fields)} fields; write minute, hour, day-of-month, month, weekday"
                )
            parsed = []
            for index, field in enumerate(fields):
                values, error = _parse_field(field, index)
                if error is not None:
                    raise ScheduleError(f"{CRON_FIELDS[index][0]} field `{field}`: {error}")
                parsed.append(_Field(values))
            subs.append(_Sub(*parsed))
        return CronPattern(text, tuple(subs))

    def match(self, local: dt.datetime) -> bool:
        """True when the local wall time matches (cron4j's `match(TimeZone, millis)`)."""
        leap = _is_leap(local.year)
        weekday = local.isoweekday() % 7
        return any(
            s.minute.match(local.minute)
            and s.hour.match(local.hour)
            and s.day.match_day(local.day, local.month, leap)
            and s.month.match(local.month)
            and s.weekday.match(weekday)
            for s in self.subs
        )


def _parse_field(field: str, index: int) -> tuple[frozenset[int] | None, str | None]:
    """cron4j's `buildValueMatcher`: the values of one field, or why it is invalid."""
    if field == "*":
        return None, None
    values: list[int] = []
    elements = java_tokens(field, ",")
    if not elements:
        return None, "it has no values"
    for element in elements:
        found, error = _parse_element(element, index)
        if error is not None:
            return None, error
        values.extend(v for v in found if v not in values)
    return frozenset(values), None


def _parse_element(element: str, index: int) -> tuple[list[int], str | None]:
    parts = java_tokens(element, "/")
    if not parts:
        return [], f"`{element}` has no values"
    if len(parts) > 2:
        return [], f"`{element}` has more than one `/`"
    values, error = _parse_range(parts[0], index)
    if error is not None:
        return [], error
    if len(parts) == 2:
        step = parts[1]
        if not JAVA_INT.fullmatch(step):
            return [], f"step `{step}` is not a number"
        if int(step) < 1:
            return [], f"step `{step}` must be at least 1"
        values = values[:: int(step)]
    return values, None


def _parse_range(text: str, index: int) -> tuple[list[int], str | None]:
    low, high = CRON_FIELDS[index][1:3]
    if text == "*":
        return list(range(low, high + 1)), None
    ends = java_tokens(text, "-")
    if not ends:
        return [], f"`{text}` has no values"
    if len(ends) > 2:
        return [], f"`{text}` has more than one `-`"
    parsed = []
    for end in ends:
        value, error = _parse_value(end, index)
        if error is not None:
            return [], error
        parsed.append(value)
    if len(parsed) == 1 or parsed[0] == parsed[1]:
        return [parsed[0]], None
    first, last = parsed
    if first < last:
        return list(range(first, last + 1)), None
    return [*range(first, high + 1), *range(low, last + 1)], None  # wraps around


def _parse_value(text: str, index: int) -> tuple[int, str | None]:
    _, low, high, names, offset = CRON_FIELDS[index]
    if index == 2 and text.upper() == "L":
        return LAST_DAY, None
    number = _java_int(text)
    if number is not None and low <= number <= high:
        return (number % 7 if index == 4 else number), None
    if text.lower() in names:
        return names.index(text.lower()) + offset, None
    if not JAVA_INT.fullmatch(text):
        return 0, f"`{text}` is not a number" + (" or a name" if names else "")
    return 0, f"`{text}` is out of range {low}-{high}"


def cron_error(pattern: str) -> str | None:
    """Why cron4j rejects `pattern`, or None when it accepts it."""
    try:
        CronPattern.parse(pattern)
    except ScheduleError as exc:
        return str(exc)
    return None


def cron_field_error(field: str, index: int) -> str | None:
    """Why cron4j rejects `field` as field number `index` (0 = minute ... 4 = weekday)."""
    return _parse_field(field, index)[1]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# ---------------------------------------------------------------------- time zones


def zone_of(name: str) -> dt.tzinfo:
    """The time zone Digdag's `ZoneId.of` gives for `name` (region ids and fixed offsets)."""
    if name in ("Z", "UTC", "GMT", "UT"):
        return ZoneInfo("UTC")
    match = _OFFSET.fullmatch(name)
    if match is not None:
        sign, hours, minutes = match.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > dt.timedelta(hours=18):
            raise ScheduleError(f"invalid time zone offset `{name}`")
        return dt.timezone(-delta if sign == "-" else delta)
    try:
        if "/" in name or name.isalpha():
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise ScheduleError(f"unknown time zone `{name}`")


def _calendar_instant(local: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall time as `GregorianCalendar` resolves it: gap → forward, overlap → later."""
    early = local.replace(tzinfo=zone, fold=0)
    late = local.replace(tzinfo=zone, fold=1)
    offset0, offset1 = early.utcoffset(), late.utcoffset()
    chosen = early if offset0 is None or offset1 is None or offset0 <= offset1 else late
    return chosen.astimezone(_UTC)


def _zoned_instant(local: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall time as `ZonedDateTime.of` resolves it: gap → forward, overlap → earlier."""
    return local.replace(tzinfo=zone, fold=0).astimezone(_UTC)


# -------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Run:
    """One scheduled session: its `session_time` and when it actually starts (`run_time`).

    Both are aware datetimes in the workflow's time zone.
    """

    session_time: dt.datetime
    run_time: dt.datetime


@dataclass(frozen=True)
class Schedule:
    """A workflow's schedule, ready to compute slots."""

    kind: str  # hourly, daily, weekly, monthly, minutes_interval, seconds_interval, cron
    argument: str  # the type's argument as written (`07:00:00`)
    zone: dt.tzinfo
    zone_name: str
    delay: int  # seconds from a session time to its run time
    cron: CronPattern | None = None  # None for seconds_interval
    interval: int = 0  # seconds_interval only
    start: dt.datetime | None = None  # UTC instant of 00:00 of `start`
    end: dt.datetime | None = None  # UTC instant of 00:00 of the day after `end`

    @staticmethod
    def from_workflow(wf: Workflow) -> Schedule | None:
        """The workflow's schedule (None without `schedule:`); raises `ScheduleError`."""
        if wf.schedule is None:
            return None
        if isinstance(wf.schedule, Scalar) and wf.schedule.value is None:
            return None
        zone = wf.timezone.text if wf.timezone is not None else "UTC"
        return Schedule.parse(wf.schedule, zone or "UTC")

    @staticmethod
    def parse(value: Value, timezone: str = "UTC") -> Schedule:
        """Build a schedule from a `schedule:` value and the workflow's time zone name."""
        if not isinstance(value, Mapping):
            raise ScheduleError("`schedule` must be a mapping such as `daily>: 07:00:00`")
        zone = zone_of(timezone)
        typed = value.entry("_type")
        if typed is not None:
            kind = _text(typed.value)
            command = value.get("_command")
        else:
            keys = [e for e in value.entries if e.key.text.endswith(">")]
            if not keys:
                raise ScheduleError("`schedule` needs a type such as `daily>: 07:00:00`")
            kind, command = keys[0].key.text[:-1], keys[0].value
        if command is None or (isinstance(command, Scalar) and command.value is None):
            command = value.get("at")
        start = _date_option(value, "start", zone, 0)
        end = _date_option(value, "end", zone, 1)
        if start is not None and end is not None and start >= end:
            raise ScheduleError("the schedule of end is earlier than start")
        delay = _int_option(value, "delay")
        if kind in ("hourly", "daily"):
            argument = _text(command)
            delay = _parse_at(kind, argument)
            cron = "0 * * * *" if kind == "hourly" else "0 0 * * *"
        elif kind == "weekly":
            argument = _text(command)
            cron, delay = _weekly(argument)
        elif kind == "monthly":
            argument = _text(command)
            cron, delay = _monthly(argument)
        elif kind == "minutes_interval":
            argument = _text(command)
            cron = f"*/{_interval(kind, argument)} * * * *"
        elif kind == "cron":
            argument = _text(command)
            cron = argument
        elif kind == "seconds_interval":
            argument = _text(command)
            seconds = _interval(kind, argument)
            return Schedule(kind, argument, zone, timezone, delay, interval=seconds)
        else:
            raise ScheduleError(f"unknown scheduler type `{kind}`")
        pattern = CronPattern.parse(cron)
        return Schedule(kind, argument, zone, timezone, delay, pattern, 0, start, end)

    # -- cron4j -----------------------------------------------------------------------
    def _next_slot(self, after: dt.datetime) -> dt.datetime:
        """cron4j `Predictor.nextMatchingTime`: the first matching minute after `after`."""
        assert self.cron is not None
        millis = _epoch_seconds(after) * 1000 + after.microsecond // 1000  # Date.from
        minute = _java_div(millis, 60000) * 60  # Predictor truncates to the minute
        time = _EPOCH + dt.timedelta(seconds=minute + 60)
        local = time.astimezone(self.zone)
        if self.cron.match(local):
            return time
        return min(self._search(sub, local) for sub in self.cron.subs)

    def _search(self, sub: _Sub, local: dt.datetime) -> dt.datetime:
        """The calendar walk of cron4j's `Predictor` for one sub-pattern."""
        minute, hour, day = local.minute, local.hour, local.day
        month, year = local.month - 1, local.year
        limit = year + _MAX_SEARCH_YEARS
        while True:
            if year > limit:
                raise ScheduleError("the pattern never matches")
            if not sub.minute.match(minute):
                minute += 1
                if minute > 59:
                    minute = 0
                    hour += 1
                continue
            if hour > 23:
                hour = 0
                day += 1
            if not sub.hour.match(hour):
                hour += 1
                minute = 0
                continue
            if day > 31:
                day = 1
                month += 1
            if month > 11:
                month = 0
                year += 1
            if not sub.day.match_day(day, month + 1, _is_leap(year)):
                day += 1
                hour = minute = 0
                continue
            if not sub.month.match(month + 1):
                month += 1
                day = 1
                hour = minute = 0
                continue
            wall = dt.datetime(year, month + 1, 1, hour, minute) + dt.timedelta(days=day - 1)
            instant = _calendar_instant(wall, self.zone)
            resolved = instant.astimezone(self.zone)
            if (resolved.day, resolved.month - 1) != (day, month) or resolved.year != year:
                day, month, year = resolved.day, resolved.month - 1, resolved.year
                continue
            if sub.weekday.match(resolved.isoweekday() % 7):
                return instant
            day += 1
            hour = minute = 0
            if day <= 31:
                continue
            day = 1
            month += 1
            if month <= 11:
                continue
            month = 0
            year += 1

    def _with_start_end(self, after: dt.datetime) -> dt.datetime:
        """`CronScheduler#nextWithStartEnd`: the next slot, honouring `start` and `end`."""
        slot = self._next_slot(after)
        run = slot + dt.timedelta(seconds=self.delay)
        if self.end is not None and self.end <= run:
            return SCHEDULE_END
        if self.start is not None and self.start > run:
            return self._next_slot(self.start - dt.timedelta(seconds=1))
        return slot

    def _run(self, slot: dt.datetime) -> Run:
        zone = self.zone
        return Run(
            slot.astimezone(zone), (slot + dt.timedelta(seconds=self.delay)).astimezone(zone)
        )


def _java_div(a: int, b: int) -> int:
    """Java's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _text(value: Value | None) -> str:
    if isinstance(value, Template):
        raise ScheduleError("the schedule is not evaluated, so `${...}` cannot be used")
    if not isinstance(value, Scalar) or value.value is None:
        raise ScheduleError("the schedule type needs an argument")
    return value.text


def _parse_at(kind: str, text: str) -> int:
    """`HourlySchedulerFactory#parseAt` / `DailySchedulerFactory#parseAt` (no range checks)."""
    fields = java_split(text, ":")
    count, form = (2, "mm:ss") if kind == "hourly" else (3, "hh:mm:ss")
    numbers = [_java_int(f) for f in fields]
    if len(fields) != count or any(n is None for n in numbers):
        raise ScheduleError(f"`{kind}>` requires {form} format: `{text}`")
    weights = (60, 1) if kind == "hourly" else (3600, 60, 1)
    return sum(n * w for n, w in zip(numbers, weights, strict=True) if n is not None)


def _weekly(text: str) -> tuple[str, int]:
    parts = text.split(",", 1)
    if len(parts) != 2:
        raise ScheduleError(f"`weekly>` requires day,hh:mm:ss format: `{text}`")
    day, time = parts[0].strip(), parts[1].strip()
    number = _java_int(day)
    if number is not None and number < 0:
        raise ScheduleError(f"`weekly>`: invalid day: {day}")
    delay = _parse_at("weekly", time)
    pattern = f"0 0 * * {day}"
    if cron_error(pattern) is not None:
        raise ScheduleError(f"`weekly>` requires day,hh:mm:ss format: `{text}`")
    return pattern, delay


def _monthly(text: str) -> tuple[str, int]:
    parts = text.split(",", 1)
    day = _java_int(parts[0]) if len(parts) == 2 else None
    if day is None:
        raise ScheduleError(f"`monthly>` requires day,hh:mm:ss format: `{text}`")
    return f"0 0 {day} * *", _parse_at("monthly", parts[1])


def _interval(kind: str, text: str) -> int:
    number = _java_int(text.strip())
    if number is None or number < 1:
        unit = "minutes" if kind == "minutes_interval" else "seconds"
        raise ScheduleError(f"`{kind}>` needs a whole number of {unit}, not `{text}`")
    return number


def _int_option(schedule: Mapping, key: str) -> int:
    value = schedule.get(key)
    if value is None or (isinstance(value, Scalar) and value.value is None):
        return 0
    number = _java_int(value.text.strip()) if isinstance(value, Scalar) else None
    if number is None:
        raise ScheduleError(f"`{key}` must be a number of seconds")
    return number


def _date_option(schedule: Mapping, key: str, zone: dt.tzinfo, days: int) -> dt.datetime | None:
    value = schedule.get(key)
    if value is None or (isinstance(value, Scalar) and value.value is None):
        return None
    text = value.text if isinstance(value, Scalar) else ""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        date = dt.date.fromisoformat(text) + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        raise ScheduleError(f"invalid {key}: `{text}`") from None
    return _zoned_instant(dt.datetime(date.year, date.month, date.day), zone)


# ------------------------------------------------------------------------ the scheduler


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ScheduleError("a time without a time zone")
    return moment.astimezone(_UTC)


def first_run(schedule: Schedule, now: dt.datetime) -> Run | None:
    """The first session whose run time is at or after `now` (`getFirstScheduleTime`).

    None when the schedule has ended.
    """
    now = _utc(now)
    if schedule.cron is None:
        # SecondsIntervalScheduler: the first slot at or after `now` (sessions, not runs).
        return _interval_run(schedule, now - dt.timedelta(microseconds=1))
    truncated = now.replace(microsecond=0)
    if truncated == now:
        truncated -= dt.timedelta(seconds=1)  # Predictor never returns its start time
    return _cron_run(schedule, truncated - dt.timedelta(seconds=schedule.delay))


def next_run(schedule: Schedule, session_time: dt.datetime) -> Run | None:
    """The session after `session_time` (`nextScheduleTime`); None when the schedule ended."""
    last = _utc(session_time)
    if schedule.cron is None:
        return _interval_run(schedule, last)
    return _cron_run(schedule, last)


def last_session(schedule: Schedule, session_time: dt.datetime) -> Run:
    """The session before `session_time` (`lastScheduleTime`, which ignores start/end)."""
    current = _utc(session_time)
    if schedule.cron is None:
        seconds = _epoch_seconds(current - dt.timedelta(microseconds=1))
        slot = _EPOCH + dt.timedelta(seconds=seconds - seconds % schedule.interval)
        return schedule._run(slot)
    following = schedule._next_slot(current)
    estimate = schedule._next_slot(following) - following
    before = current - estimate
    while True:
        before -= estimate
        if before < current:
            break
    candidate = schedule._next_slot(before)
    while candidate < current:
        before = candidate
        candidate = schedule._next_slot(before)
    return schedule._run(before)


def next_runs(schedule: Schedule, after: dt.datetime, count: int) -> list[Run]:
    """The next `count` runs whose run time is at or after `after`, in order."""
    return list(_runs(schedule, after, count))


def _runs(schedule: Schedule, after: dt.datetime, count: int) -> Iterator[Run]:
    if count <= 0:
        return
    run = first_run(schedule, after)
    for _ in range(count):
        if run is None:
            return
        yield run
        run = next_run(schedule, run.session_time)


def _cron_run(schedule: Schedule, after: dt.datetime) -> Run | None:
    slot = schedule._with_start_end(after)
    if slot >= SCHEDULE_END:
        return None
    return schedule._run(slot)


def _epoch_seconds(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return delta.days * 86400 + delta.seconds  # floor, like Instant#getEpochSecond


def _interval_run(schedule: Schedule, after: dt.datetime) -> Run:
    seconds = _epoch_seconds(after)
    slot = seconds - seconds % schedule.interval + schedule.interval
    return schedule._run(_EPOCH + dt.timedelta(seconds=slot))
