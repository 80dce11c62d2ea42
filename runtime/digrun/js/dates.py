"""JavaScript `Date`, with the workflow time zone as the local zone (what GraalJS does with
the zone Digdag gives its context).

A `JSDate` holds a time value (milliseconds since the epoch, NaN when invalid). Local time
follows the zone's rules (daylight saving time included, from the IANA database): a local
time that does not exist (spring forward) uses the offset before the transition, a repeated
one (fall back) its first occurrence — the ECMAScript 2015+ rules that GraalJS and V8
implement.

Implemented: `new Date()`, `new Date(ms)`, `new Date(date)`, `new Date(isoString)` (the ISO
formats with an offset, or date only), `new Date(y, m[, d, h, min, s, ms])`, `Date.now()`,
`Date.UTC(...)`, `Date.parse(isoString)`; the getters and setters (local and UTC),
`getTime valueOf getTimezoneOffset getYear toISOString toJSON`. The string forms whose text
depends on the engine (`toString`, `toDateString`, `toLocaleString`, ..., and so `date +
""`) and other date string formats raise `Unsupported`. Local times are computed for years
1 to 9999.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from digrun.js.values import (
    Function,
    JSThrow,
    Native,
    Obj,
    Unsupported,
    Value,
    arg,
    to_integer,
    to_number,
    to_primitive,
    to_string,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from digrun.js.interp import Interp

__all__ = [
    "DATE_FN",
    "JSDate",
    "civil_from_days",
    "days_from_civil",
    "local_offset",
    "make_date",
    "make_day",
    "make_time",
    "utc_from_local",
]

MS_PER_DAY = 86_400_000


# ------------------------------------------------------------------- calendar math


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month 1..12, day) of day number `z` (days since 1970-01-01)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def make_day(year: float, month: float, date: float) -> float:
    """ECMAScript MakeDay."""
    if not (math.isfinite(year) and math.isfinite(month) and math.isfinite(date)):
        return math.nan
    y, mo, dt = math.trunc(year), math.trunc(month), math.trunc(date)
    ym = y + mo // 12
    mn = mo % 12
    if abs(ym) > 400_000:
        return math.nan
    return float(days_from_civil(ym, mn + 1, 1) + dt - 1)


def make_time(hour: float, minute: float, sec: float, ms: float) -> float:
    """ECMAScript MakeTime."""
    if not all(math.isfinite(x) for x in (hour, minute, sec, ms)):
        return math.nan
    return (
        math.trunc(hour) * 3_600_000.0
        + math.trunc(minute) * 60_000.0
        + math.trunc(sec) * 1000.0
        + math.trunc(ms)
    )


def make_date(day: float, time: float) -> float:
    """ECMAScript MakeDate."""
    if not (math.isfinite(day) and math.isfinite(time)):
        return math.nan
    return day * MS_PER_DAY + time


def time_clip(t: float) -> float:
    """ECMAScript TimeClip."""
    if not math.isfinite(t) or abs(t) > 8.64e15:
        return math.nan
    return float(math.trunc(t)) + 0.0


def fields(t: float) -> tuple[int, int, int, int, int, int, int, int]:
    """(year, month 0..11, date, hours, minutes, seconds, ms, weekday) of time value `t`."""
    ti = int(t)
    day, within = divmod(ti, MS_PER_DAY)
    y, m, d = civil_from_days(day)
    h, rest = divmod(within, 3_600_000)
    mi, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return y, m - 1, d, h, mi, s, ms, (day + 4) % 7


# ---------------------------------------------------------------------- local time


def local_offset(zone: ZoneInfo, t: float) -> float:
    """The zone's offset (ms) at the instant `t`."""
    if not -62135596800000 <= t <= 253402300799000:
        raise Unsupported("a local time outside the years 1 to 9999")
    moment = datetime.fromtimestamp(math.floor(t / 1000), tz=UTC).astimezone(zone)
    offset = moment.utcoffset()
    assert offset is not None
    return offset.total_seconds() * 1000


def utc_from_local(zone: ZoneInfo, local: float) -> float:
    """ECMAScript UTC(t): the instant of the local time value `local`."""
    if not math.isfinite(local):
        return math.nan
    y, mo, d, h, mi, s, _ms, _wd = fields(local)
    if not 1 <= y <= 9999:
        raise Unsupported("a local time outside the years 1 to 9999")
    wall = datetime(y, mo + 1, d, h, mi, s, tzinfo=zone, fold=0)
    offset = wall.utcoffset()
    assert offset is not None
    return local - offset.total_seconds() * 1000


def to_local(zone: ZoneInfo, t: float) -> float:
    """LocalTime(t)."""
    return t + local_offset(zone, t)


# --------------------------------------------------------------------------- parse

_ISO = re.compile(
    r"([+-]\d{6}|\d{4})(?:-(\d\d)(?:-(\d\d))?)?"
    r"(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:\d\d)?)?"
)


def parse_iso(text: str) -> float:
    """`Date.parse` for the ECMAScript ISO format: date-only forms are UTC; a date-time needs
    an offset (local date-times are read differently by ES5 and later engines)."""
    m = _ISO.fullmatch(text)
    if m is None:
        raise Unsupported(f"parsing the date string `{text}` (only ISO 8601 with an offset)")
    year_text, month, day, hour, minute, second, fraction, zone = m.groups()
    if year_text == "-000000":
        return math.nan
    if hour is not None and zone is None:
        raise Unsupported(f"parsing the local date-time `{text}` (add an offset)")
    year = int(year_text)
    mo = int(month or 1)
    d = int(day or 1)
    h, mi, s = int(hour or 0), int(minute or 0), int(second or 0)
    ms = int((fraction or "0")[:3].ljust(3, "0"))
    if not (1 <= mo <= 12 and 1 <= d <= _days_in_month(year, mo - 1)):
        return math.nan
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s or ms)):
        return math.nan
    t = make_date(make_day(year, mo - 1, d), make_time(h, mi, s, ms))
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        t -= sign * (int(zone[1:3]) * 60 + int(zone[4:6])) * 60_000
    return time_clip(t)


def _days_in_month(year: int, month: int) -> int:
    if month == 1:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (3, 5, 8, 10) else 31


# --------------------------------------------------------------------------- object


class JSDate(Obj):
    """A JavaScript Date: a time value and the zone it shows local time in."""

    __slots__ = ("t", "zone")
    class_name = "Date"

    def __init__(self, t: float, zone: ZoneInfo) -> None:
        self.t = t
        self.zone = zone

    def get(self, key: str) -> Value:
        if key in DATE_PROTO:
            return DATE_PROTO[key]
        return super().get(key)

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        if hint == "number":
            return self.t
        raise Unsupported("the string form of a Date (engine dependent)")

    # fields, local or UTC
    def field_values(self, utc: bool) -> tuple[int, int, int, int, int, int, int, int]:
        return fields(self.t if utc else to_local(self.zone, self.t))

    def local(self, utc: bool) -> float:
        if utc or self.t != self.t:
            return self.t
        return to_local(self.zone, self.t)

    def store(self, value: float, utc: bool) -> None:
        self.t = time_clip(value if utc else utc_from_local(self.zone, value))

    def set_fields(self, t: float, start: int, values: list[float], utc: bool) -> None:
        """Store `t` (a time value, local unless `utc`) with its fields from `start` on (0
        FullYear … 6 Milliseconds) replaced by `values`, within its date or its time part:
        the step the Date setters share (ES5 §15.9.5.28-.41)."""
        y, mo, d, h, mi, s, ms, _ = fields(t)
        cur = [float(y), float(mo), float(d), float(h), float(mi), float(s), float(ms)]
        limit = 3 if start < 3 else 7
        for k, v in enumerate(values):
            if start + k < limit:
                cur[start + k] = v
        new = make_date(make_day(cur[0], cur[1], cur[2]), make_time(cur[3], cur[4], cur[5], cur[6]))
        self.store(new, utc)

    def iso(self) -> str:
        y, mo, d, h, mi, s, ms, _ = fields(self.t)
        year = f"{y:04d}" if 0 <= y <= 9999 else f"{'+' if y > 0 else '-'}{abs(y):06d}"
        return f"{year}-{mo + 1:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{ms:03d}Z"


def _this_date(this: Value) -> JSDate:
    if not isinstance(this, JSDate):
        raise JSThrow("TypeError", "not a Date object")
    return this


DATE_PROTO: dict[str, Value] = {}
# Each field's index in `JSDate.field_values`: the getters' and setters' (no `setDay`).
_GETTERS = {
    "FullYear": 0,
    "Month": 1,
    "Date": 2,
    "Hours": 3,
    "Minutes": 4,
    "Seconds": 5,
    "Milliseconds": 6,
    "Day": 7,
}


def _getter(index: int, utc: bool) -> Native:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        date = _this_date(this)
        if date.t != date.t:
            return math.nan
        return float(date.field_values(utc)[index])

    return Native("get", impl)


for _name, _index in _GETTERS.items():
    DATE_PROTO["get" + _name] = _getter(_index, False)
    DATE_PROTO["getUTC" + _name] = _getter(_index, True)


def _get_time(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _this_date(this).t


def _get_timezone_offset(interp: Interp, this: Value, args: list[Value]) -> Value:
    date = _this_date(this)
    if date.t != date.t:
        return math.nan
    return (date.t - to_local(date.zone, date.t)) / 60_000


def _get_year(interp: Interp, this: Value, args: list[Value]) -> Value:
    date = _this_date(this)
    if date.t != date.t:
        return math.nan
    return float(date.field_values(False)[0] - 1900)


def _to_iso(interp: Interp, this: Value, args: list[Value]) -> Value:
    date = _this_date(this)
    if date.t != date.t:
        raise JSThrow("RangeError", "Invalid time value")
    return date.iso()


def _to_json(interp: Interp, this: Value, args: list[Value]) -> Value:
    date = _this_date(this)
    if not math.isfinite(date.t):
        return None
    return date.iso()


def _set_time(interp: Interp, this: Value, args: list[Value]) -> Value:
    date = _this_date(this)
    date.t = time_clip(to_number(arg(args, 0), interp))
    return date.t


def _setter(unit: str, utc: bool) -> Native:
    """setFullYear/Month/Date/Hours/Minutes/Seconds/Milliseconds (ES5 §15.9.5.28-.41)."""
    start = _GETTERS[unit]  # the first field it sets

    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        date = _this_date(this)
        values = [to_number(a, interp) for a in args[:4]]
        if not values:
            values = [math.nan]
        if unit == "FullYear":
            t = 0.0 if date.t != date.t else date.local(utc)
        else:
            t = date.local(utc) if date.t == date.t else math.nan
        if t != t:
            date.t = math.nan
            return math.nan
        date.set_fields(t, start, values, utc)
        return date.t

    return Native("set" + unit, impl)


for _name in _GETTERS:
    if _name != "Day":
        DATE_PROTO["set" + _name] = _setter(_name, False)
        DATE_PROTO["setUTC" + _name] = _setter(_name, True)
DATE_PROTO["getTime"] = Native("getTime", _get_time)
DATE_PROTO["valueOf"] = Native("valueOf", _get_time)
DATE_PROTO["setTime"] = Native("setTime", _set_time)
DATE_PROTO["getTimezoneOffset"] = Native("getTimezoneOffset", _get_timezone_offset)
DATE_PROTO["getYear"] = Native("getYear", _get_year)
DATE_PROTO["toISOString"] = Native("toISOString", _to_iso)
DATE_PROTO["toJSON"] = Native("toJSON", _to_json)
for _name in (
    "toString", "toDateString", "toTimeString", "toLocaleString", "toLocaleDateString",
    "toLocaleTimeString", "toUTCString", "toGMTString", "setYear",
):  # fmt: skip

    def _no(interp: Interp, this: Value, args: list[Value], _n: str = _name) -> Value:
        raise Unsupported(f"`Date.prototype.{_n}` (engine dependent)")

    DATE_PROTO[_name] = Native(_name, _no)


def date_from_parts(interp: Interp, args: list[Value], utc: bool) -> float:
    """The time value of `(year, month[, date, hours, minutes, seconds, ms])`."""
    nums = [to_number(a, interp) for a in args[:7]]
    year, month = nums[0], nums[1] if len(nums) > 1 else 0.0
    date = nums[2] if len(nums) > 2 else 1.0
    rest = [nums[i] if len(nums) > i else 0.0 for i in range(3, 7)]
    if year == year and 0 <= to_integer(year) <= 99:
        year = 1900 + to_integer(year)
    local = make_date(make_day(year, month, date), make_time(*rest))
    if utc:
        return time_clip(local)
    return time_clip(utc_from_local(interp.env.zone, local))


def _construct(interp: Interp, args: list[Value]) -> Value:
    zone = interp.env.zone
    if not args:
        return JSDate(interp.env.now_ms(), zone)
    if len(args) == 1:
        value = args[0]
        if isinstance(value, JSDate):
            return JSDate(value.t, zone)
        value = to_primitive(value, "default", interp)
        if isinstance(value, str):
            return JSDate(parse_iso(value), zone)
        return JSDate(time_clip(to_number(value, interp)), zone)
    return JSDate(date_from_parts(interp, args, False), zone)


def _call(interp: Interp, this: Value, args: list[Value]) -> Value:
    raise Unsupported("`Date()` called as a function (its string is engine dependent)")


def _utc(interp: Interp, this: Value, args: list[Value]) -> Value:
    if not args:
        return math.nan
    padded = args if len(args) > 1 else [*args, 0.0]
    return date_from_parts(interp, padded, True)


def _parse(interp: Interp, this: Value, args: list[Value]) -> Value:
    return parse_iso(to_string(arg(args, 0), interp))


DATE_FN: Function = Native("Date", _call, _construct)
DATE_FN.props["now"] = Native("now", lambda i, t, a: i.env.now_ms())
DATE_FN.props["UTC"] = Native("UTC", _utc)
DATE_FN.props["parse"] = Native("parse", _parse)
DATE_PROTO["constructor"] = DATE_FN
