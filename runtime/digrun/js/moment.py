"""Moment.js 2.21.0 as Digdag bundles it (English locale, no moment-timezone), reimplemented.

The default zone is the workflow time zone (Digdag sets the JavaScript zone to it), so
`moment(session_time).format()` shows the session time in that zone, with daylight saving
time. A moment here keeps moment's own model: a `Date` (`digrun.js.dates.JSDate`), a UTC
flag and a fixed offset, and its methods follow moment's algorithms over it, so results
match Moment.js to the millisecond — including how local times that do not exist or repeat
around a transition resolve.

Creation: `moment()`, `moment(undefined)`, `moment(isoString)` (every ISO 8601 form moment
accepts: calendar, week and ordinal dates, basic and extended, `T` or space, fractions,
`Z`/`±hh`/`±hhmm`/`±hh:mm`), RFC 2822 strings, `moment(string, format)` (non-strict parsing
of the numeric tokens and `A`/`a`, `Z`/`ZZ`, `X`, `x`), `moment(number)`, `moment(date)`,
`moment(moment)`, `moment([y, m, d, ...])`, `moment.utc(...)` (same forms), `moment.unix(n)`,
`moment.parseZone(string)`, `moment.isMoment`, `moment.isDate`, `moment.now`,
`moment.version`, `moment.max/min`, `moment.locale()`.

Methods: `format` (every token of the English locale: `YYYY YY Y Q M MM MMM MMMM Mo D DD Do
DDD DDDD DDDo d do dd ddd dddd e E w ww wo W WW Wo gg gggg GG GGGG H HH h hh k kk m mm s ss
S…SSSSSSSSS a A Z ZZ X x z zz`, `[literal]` escapes, `LT LTS L LL LLL LLLL l ll lll llll`),
`add`/`subtract` (number and unit, or an object of units), `startOf`/`endOf`, getters and
setters (`year month date day weekday isoWeekday dayOfYear week isoWeek weekYear isoWeekYear
quarter hour minute second millisecond`, `get`, `set`), `utc local utcOffset isUTC isUtc
isLocal isUtcOffset parseZone`, `valueOf unix toDate toArray toObject toJSON toISOString
toString clone isValid isLeapYear daysInMonth isDST zoneAbbr zoneName locale`, comparisons
`isBefore isAfter isSame isSameOrBefore isSameOrAfter isBetween`, `diff`.

Not available, as in Digdag: `.tz()` (moment-timezone is not bundled: calling it is a
`TypeError`). Not implemented here (an `EvalError` says so): durations (`moment.duration`),
relative times (`fromNow`, `from`, `to`, `calendar`), other locales, parsing with month or
weekday names, strict parsing, and strings moment passes to the engine's `Date` parser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from digrun.js.dates import (
    JSDate,
    civil_from_days,
    days_from_civil,
    make_date,
    make_day,
    make_time,
    time_clip,
    utc_from_local,
)
from digrun.js.values import (
    UNDEFINED,
    Function,
    JSArray,
    JSObject,
    JSThrow,
    Native,
    Obj,
    Undefined,
    Unsupported,
    Value,
    arg,
    to_number,
    to_string,
)

if TYPE_CHECKING:
    from digrun.js.interp import Interp

__all__ = ["MOMENT_FN", "Moment"]

VERSION = "2.21.0"
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
MONTHS_SHORT = [name[:3] for name in MONTH_NAMES]
WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
WEEKDAYS_SHORT = [name[:3] for name in WEEKDAYS]
WEEKDAYS_MIN = [name[:2] for name in WEEKDAYS]
LONG_FORMATS = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "L": "MM/DD/YYYY",
    "LL": "MMMM D, YYYY",
    "LLL": "MMMM D, YYYY h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "l": "M/D/YYYY",
    "ll": "MMM D, YYYY",
    "lll": "MMM D, YYYY h:mm A",
    "llll": "ddd, MMM D, YYYY h:mm A",
}
DOW, DOY = 0, 6  # the English locale's week: starts on Sunday, week 1 contains Jan 1

# ------------------------------------------------------------------------ helpers


def _abs_floor(x: float) -> float:
    if x != x or math.isinf(x):
        return x
    return (float(math.ceil(x)) or 0.0) if x < 0 else float(math.floor(x))


def _jfloor(x: float) -> float:
    return x if x != x or math.isinf(x) else float(math.floor(x))


def _jceil(x: float) -> float:
    return x if x != x or math.isinf(x) else float(math.ceil(x))


def _jtrunc(x: float) -> float:
    return x if x != x or math.isinf(x) else float(math.trunc(x))


def _div(x: float, y: float) -> float:
    from digrun.js.interp import arithmetic

    return arithmetic("/", x, y)


def _to_int(value: Value) -> float:
    x = to_number(value)
    if x != 0 and math.isfinite(x):
        return _abs_floor(x)
    return 0.0


def _js_round(x: float) -> float:
    if x != x or math.isinf(x):
        return x
    floor = math.floor(x)
    return float(floor + 1 if x - floor >= 0.5 else floor)


def _abs_round(x: float) -> float:
    return -_js_round(-x) if x < 0 else _js_round(x)


def _is_leap(year: float) -> bool:
    if year != year or math.isinf(year):
        return False
    y = int(year)
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


def _days_in_year(year: float) -> int:
    return 366 if _is_leap(year) else 365


def _days_in_month(year: float, month: float) -> float:
    if not (math.isfinite(year) and math.isfinite(month)):
        return math.nan
    mod_month = int(month) % 12
    y = year + (month - mod_month) / 12
    if mod_month == 1:
        return 29.0 if _is_leap(y) else 28.0
    return 31.0 - (mod_month % 7 % 2)


def _utc_weekday(year: int, month0: int, day: int) -> int:
    return (days_from_civil(year + month0 // 12, month0 % 12 + 1, 1) + day - 1 + 4) % 7


def _first_week_offset(year: int, dow: int, doy: int) -> int:
    fwd = 7 + dow - doy
    fwdlw = (7 + _utc_weekday(year, 0, fwd) - dow) % 7
    return -fwdlw + fwd - 1


def _weeks_in_year(year: int, dow: int, doy: int) -> int:
    offset = _first_week_offset(year, dow, doy)
    following = _first_week_offset(year + 1, dow, doy)
    return (_days_in_year(year) - offset + following) // 7


_ALIASES: dict[str, str] = {}
for _unit, _short in (
    ("year", "y"), ("quarter", "Q"), ("month", "M"), ("week", "w"), ("isoWeek", "W"),
    ("day", "d"), ("date", "D"), ("hour", "h"), ("minute", "m"), ("second", "s"),
    ("millisecond", "ms"), ("weekday", "e"), ("isoWeekday", "E"), ("dayOfYear", "DDD"),
    ("weekYear", "gg"), ("isoWeekYear", "GG"),
):  # fmt: skip
    _ALIASES[_unit.lower()] = _unit
    _ALIASES[_unit.lower() + "s"] = _unit
    _ALIASES[_short] = _unit


def normalize_units(units: Value) -> str | None:
    """moment's `normalizeUnits`."""
    if not isinstance(units, str):
        return None
    return _ALIASES.get(units) or _ALIASES.get(units.lower())


# ------------------------------------------------------------------------- moment


class Moment(Obj):
    """A moment: `d` (a Date), `utc` (UTC mode) and `offset` (minutes, fixed-offset mode)."""

    __slots__ = ("d", "input", "offset", "tzm", "utc", "valid")
    class_name = "Object"

    def __init__(self, d: JSDate, utc: bool, offset: float | None, valid: bool) -> None:
        # `valid` is fixed when the moment is created (moment caches `_isValid` and copies it
        # to clones); an invalid moment's Date is NaN.
        self.d = d
        self.utc = utc
        self.offset = offset
        self.valid = valid and d.t == d.t
        if not self.valid:
            d.t = math.nan
        self.input: Value = UNDEFINED
        self.tzm: float | None = None

    def clone(self) -> Moment:
        copy = Moment(JSDate(self.d.t, self.d.zone), self.utc, self.offset, True)
        copy.valid = self.valid
        copy.input = self.input
        copy.tzm = self.tzm
        return copy

    def get(self, key: str) -> Value:
        if key in MOMENT_PROTO:
            return MOMENT_PROTO[key]
        if key.startswith("_"):
            raise Unsupported(f"the internal moment property `{key}`")
        return super().get(key)

    def keys(self) -> list[str]:
        raise Unsupported("the keys of a moment object")

    # moment's get/set over the Date, in local or UTC mode
    def field(self, index: int) -> float:
        if not self.valid or self.d.t != self.d.t:
            return math.nan
        return float(self.d.field_values(self.utc)[index])

    def set_fields(self, start: int, values: list[float]) -> None:
        """The Date setter of field `start` (0 FullYear … 6 Milliseconds) with `values`."""
        t = self.d.local(self.utc)
        if t == t:
            self.d.set_fields(t, start, values, self.utc)

    def value_of(self) -> float:
        return self.d.t - (self.offset or 0) * 60000

    def utc_offset(self) -> float:
        if self.utc:
            return self.offset or 0.0
        return date_offset(self)


def date_offset(m: Moment) -> float:
    """moment's getDateOffset: the zone offset rounded to 15 minutes."""
    d = m.d
    if d.t != d.t:
        return math.nan
    tz_offset = (d.t - d.local(False)) / 60000
    return -_js_round(tz_offset / 15) * 15


def _this(this: Value) -> Moment:
    if not isinstance(this, Moment):
        raise JSThrow("TypeError", "not a moment object")
    return this


def _given(value: Value) -> bool:
    return not (value is None or isinstance(value, Undefined))


# ------------------------------------------------------------------ arithmetic


def _set_unit(m: Moment, unit: str, value: Value) -> None:
    """moment's `set$1`."""
    x = to_number(value)
    if not m.valid or x != x:
        return
    if unit == "FullYear":
        if _is_leap(m.field(0)) and m.field(1) == 1 and m.field(2) == 29:
            m.set_fields(0, [x, m.field(1), _days_in_month(x, m.field(1))])
        else:
            m.set_fields(0, [x])
        return
    index = {"Month": 1, "Date": 2, "Hours": 3, "Minutes": 4, "Seconds": 5, "Milliseconds": 6}
    m.set_fields(index[unit], [x])


def _set_month(m: Moment, value: Value) -> None:
    if not m.valid:
        return
    if isinstance(value, str):
        if re.fullmatch(r"\d+", value):
            value = _to_int(value)
        else:
            raise Unsupported("setting a month by name")
    month = to_number(value)
    day = min(m.field(2), _days_in_month(m.field(0), month))
    m.set_fields(1, [month, day])


def _nonzero(x: float) -> bool:
    return x == x and x != 0


def _add_subtract(m: Moment, ms: float, days: float, months: float, sign: int) -> None:
    if not m.valid:
        return
    days = _abs_round(days)
    months = _abs_round(months)
    if _nonzero(months):
        _set_month(m, m.field(1) + months * sign)
    if _nonzero(days):
        _set_unit(m, "Date", m.field(2) + days * sign)
    if _nonzero(ms):
        m.d.t = time_clip(m.d.t + ms * sign)


_DURATION_UNITS = (
    "year",
    "quarter",
    "month",
    "week",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
)


def _duration(interp: Interp, value: Value, key: Value) -> tuple[float, float, float]:
    """(milliseconds, days, months) of `createDuration(value, key)`."""
    parts: dict[str, float] = {}
    if isinstance(value, float):
        from digrun.js.values import truthy

        unit = normalize_units(key) if truthy(key) else "millisecond"
        if unit in _DURATION_UNITS:
            parts[unit] = value
    elif isinstance(value, JSObject):
        for k, v in value.props.items():
            unit = normalize_units(k)
            if unit in _DURATION_UNITS:
                parts[unit] = to_number(v, interp)
    elif value is None or isinstance(value, Undefined):
        pass
    else:
        raise Unsupported("a moment duration given as text or a duration object")
    ms = (
        parts.get("millisecond", 0.0)
        + parts.get("second", 0.0) * 1e3
        + parts.get("minute", 0.0) * 6e4
        + parts.get("hour", 0.0) * 1000 * 60 * 60
    )
    days = parts.get("day", 0.0) + parts.get("week", 0.0) * 7
    months = parts.get("month", 0.0) + parts.get("quarter", 0.0) * 3 + parts.get("year", 0.0) * 12
    return ms, days, months


def _adder(sign: int) -> Native:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        m = _this(this)
        value, period = arg(args, 0), arg(args, 1)
        if period is not None and to_number(period, interp) == to_number(period, interp):
            value, period = period, value  # the deprecated (unit, number) order
        if isinstance(value, str):
            value = to_number(value)
        if isinstance(value, Moment):
            raise Unsupported("adding a moment")
        ms, days, months = _duration(interp, value, period)
        _add_subtract(m, ms, days, months, sign)
        return m

    return Native("add" if sign > 0 else "subtract", impl)


def start_of(m: Moment, units: str | None) -> Moment:
    """moment's `startOf` (falling through the units)."""
    order = ["year", "month", "day", "hour", "minute", "second"]
    group = {
        "year": "year",
        "quarter": "month",
        "month": "month",
        "week": "day",
        "isoWeek": "day",
        "day": "day",
        "date": "day",
        "hour": "hour",
        "minute": "minute",
        "second": "second",
    }.get(units or "")
    if group is not None:
        for step in order[order.index(group) :]:
            if step == "year":
                _set_month(m, 0.0)
            elif step == "month":
                _set_unit(m, "Date", 1.0)
            elif step == "day":
                _set_unit(m, "Hours", 0.0)
            elif step == "hour":
                _set_unit(m, "Minutes", 0.0)
            elif step == "minute":
                _set_unit(m, "Seconds", 0.0)
            elif step == "second":
                _set_unit(m, "Milliseconds", 0.0)
    if units == "week":
        _set_weekday(m, 0.0)
    if units == "isoWeek":
        _set_iso_weekday(m, 1.0)
    if units == "quarter":
        _set_month(m, _jfloor(m.field(1) / 3) * 3.0)
    return m


def end_of(m: Moment, units: str | None) -> Moment:
    if units is None or units == "millisecond":
        return m
    if units == "date":
        units = "day"
    start_of(m, units)
    unit = "week" if units == "isoWeek" else units
    ms, days, months = _unit_duration(unit)
    _add_subtract(m, ms, days, months, 1)
    _add_subtract(m, 1.0, 0.0, 0.0, -1)
    return m


def _unit_duration(unit: str) -> tuple[float, float, float]:
    table = {
        "year": (0.0, 0.0, 12.0),
        "quarter": (0.0, 0.0, 3.0),
        "month": (0.0, 0.0, 1.0),
        "week": (0.0, 7.0, 0.0),
        "day": (0.0, 1.0, 0.0),
        "hour": (3_600_000.0, 0.0, 0.0),
        "minute": (60_000.0, 0.0, 0.0),
        "second": (1000.0, 0.0, 0.0),
    }
    return table.get(unit, (0.0, 0.0, 0.0))


def _day(m: Moment) -> float:
    return m.field(7)


def _set_weekday(m: Moment, value: float) -> None:
    weekday = (_day(m) + 7 - DOW) % 7
    _add_subtract(m, 0.0, value - weekday, 0.0, 1)


def _set_iso_weekday(m: Moment, value: float) -> None:
    day = _day(m)
    target = value if day % 7 else value - 7
    _add_subtract(m, 0.0, target - day, 0.0, 1)


def day_of_year(m: Moment) -> float:
    a = start_of(m.clone(), "day").value_of()
    b = start_of(m.clone(), "year").value_of()
    return _js_round((a - b) / 864e5) + 1


def week_of_year(m: Moment, dow: int, doy: int) -> tuple[int, int]:
    """(week, year) of moment's `weekOfYear`."""
    if m.field(0) != m.field(0):
        return math.nan, math.nan  # type: ignore[return-value]
    year = int(m.field(0))
    offset = _first_week_offset(year, dow, doy)
    day = day_of_year(m)
    if day != day:
        return math.nan, math.nan  # type: ignore[return-value]
    week = math.floor((day - offset - 1) / 7) + 1
    if week < 1:
        return week + _weeks_in_year(year - 1, dow, doy), year - 1
    if week > _weeks_in_year(year, dow, doy):
        return week - _weeks_in_year(year, dow, doy), year + 1
    return week, year


def set_offset(m: Moment, value: float, keep_local: bool = False) -> Moment:
    """moment's `utcOffset(value, keepLocalTime)` (value in minutes)."""
    offset = m.offset or 0.0
    local_adjust = None
    if not m.utc and keep_local:
        local_adjust = date_offset(m)
    m.offset = value
    m.utc = True
    if local_adjust is not None:
        _add_subtract(m, local_adjust * 60000, 0.0, 0.0, 1)
    if offset != value and not keep_local:
        _add_subtract(m, (value - offset) * 60000, 0.0, 0.0, 1)
    return m


def to_local_mode(m: Moment, keep_local: bool = False) -> Moment:
    if m.utc:
        set_offset(m, 0.0, keep_local)
        m.utc = False
        if keep_local:
            _add_subtract(m, date_offset(m) * 60000, 0.0, 0.0, -1)
    return m


_SHORT_OFFSET = re.compile(r"Z|[+-]\d\d(?::?\d\d)?", re.IGNORECASE)
_OFFSET = re.compile(r"Z|[+-]\d\d:?\d\d", re.IGNORECASE)


def offset_from_string(pattern: re.Pattern[str], text: str) -> float | None:
    """moment's `offsetFromString`: minutes of the last offset in `text`, or None."""
    found = pattern.findall(text)
    if not found:
        return None
    chunk = found[-1]
    parts = re.findall(r"[+-]|\d\d", chunk + "")
    if not parts or chunk.upper() == "Z":
        return 0.0
    sign = parts[0]
    numbers = [int(p) for p in parts[1:]] + [0, 0]
    minutes = numbers[0] * 60 + numbers[1]
    if minutes == 0:
        return 0.0
    return float(minutes if sign == "+" else -minutes)


# --------------------------------------------------------------------- creation


def _now_moment(interp: Interp, utc: bool) -> Moment:
    return Moment(JSDate(interp.env.now_ms(), interp.env.zone), utc, None, True)


def _invalid(interp: Interp, utc: bool) -> Moment:
    return Moment(JSDate(math.nan, interp.env.zone), utc, None, False)


def _from_array(interp: Interp, a: list[float | None], utc: bool, tzm: float | None) -> Moment:
    """configFromArray: missing date parts default to today, others to their minimum."""
    zone = interp.env.zone
    if a[0] is None or a[1] is None or a[2] is None:
        now = JSDate(interp.env.now_ms(), zone).field_values(utc or tzm is not None)
        today = [float(now[0]), float(now[1]), float(now[2])]
    else:
        today = [0.0, 0.0, 0.0]
    values: list[float] = []
    i = 0
    while i < 3 and a[i] is None:
        values.append(today[i])
        i += 1
    for k in range(i, 7):
        v = a[k]
        values.append((1.0 if k == 2 else 0.0) if v is None else v)
    checked = list(values)
    next_day = values[3] == 24 and values[4] == 0 and values[5] == 0 and values[6] == 0
    if next_day:
        values[3] = 0
    use_utc = utc or tzm is not None
    # (moment undoes the Date constructor's 1900+ rule for years 0-99: MakeDay as is)
    local = make_date(make_day(values[0], values[1], values[2]), make_time(*values[3:7]))
    t = time_clip(local if use_utc else utc_from_local(zone, local))
    if tzm is not None and t == t:
        t = time_clip(t - tzm * 60000)
    m = Moment(JSDate(t, zone), utc, None, _in_range(checked))
    m.tzm = tzm
    if next_day:
        _add_subtract(m, 0.0, 1.0, 0.0, 1)
    return m


def _in_range(a: list[float]) -> bool:
    """checkOverflow: every part within its range (24:00:00.000 allowed)."""
    year, month, date, hour, minute, second, ms = a
    if not 0 <= month <= 11:
        return False
    if not 1 <= date <= _days_in_month(year, month):
        return False
    if not 0 <= hour <= 24 or (hour == 24 and (minute or second or ms)):
        return False
    return 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= ms <= 999


_EXTENDED_ISO = re.compile(
    r"\s*((?:[+-]\d{6}|\d{4})-(?:\d\d-\d\d|W\d\d-\d|W\d\d|\d\d\d|\d\d))"
    r"(?:(T| )(\d\d(?::\d\d(?::\d\d(?:[.,]\d+)?)?)?)([+\-]\d\d(?::?\d\d)?|\s*Z)?)?",
    re.ASCII,
)
_BASIC_ISO = re.compile(
    r"\s*((?:[+-]\d{6}|\d{4})(?:\d\d\d\d|W\d\d\d|W\d\d|\d\d\d|\d\d))"
    r"(?:(T| )(\d\d(?:\d\d(?:\d\d(?:[.,]\d+)?)?)?)([+\-]\d\d(?::?\d\d)?|\s*Z)?)?",
    re.ASCII,
)
_ISO_DATES = [
    ("YYYYYY-MM-DD", re.compile(r"[+-]\d{6}-\d\d-\d\d"), True),
    ("YYYY-MM-DD", re.compile(r"\d{4}-\d\d-\d\d"), True),
    ("GGGG-[W]WW-E", re.compile(r"\d{4}-W\d\d-\d"), True),
    ("GGGG-[W]WW", re.compile(r"\d{4}-W\d\d"), False),
    ("YYYY-DDD", re.compile(r"\d{4}-\d{3}"), True),
    ("YYYY-MM", re.compile(r"\d{4}-\d\d"), False),
    ("YYYYYYMMDD", re.compile(r"[+-]\d{10}"), True),
    ("YYYYMMDD", re.compile(r"\d{8}"), True),
    ("GGGG[W]WWE", re.compile(r"\d{4}W\d{3}"), True),
    ("GGGG[W]WW", re.compile(r"\d{4}W\d{2}"), False),
    ("YYYYDDD", re.compile(r"\d{7}"), True),
]
_ISO_TIMES = [
    ("HH:mm:ss.SSSS", re.compile(r"\d\d:\d\d:\d\d\.\d+")),
    ("HH:mm:ss,SSSS", re.compile(r"\d\d:\d\d:\d\d,\d+")),
    ("HH:mm:ss", re.compile(r"\d\d:\d\d:\d\d")),
    ("HH:mm", re.compile(r"\d\d:\d\d")),
    ("HHmmss.SSSS", re.compile(r"\d\d\d\d\d\d\.\d+")),
    ("HHmmss,SSSS", re.compile(r"\d\d\d\d\d\d,\d+")),
    ("HHmmss", re.compile(r"\d\d\d\d\d\d")),
    ("HHmm", re.compile(r"\d\d\d\d")),
    ("HH", re.compile(r"\d\d")),
]
_RFC2822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s)?(\d{1,2})\s(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec)\s(\d{2,4})\s(\d\d):(\d\d)(?::(\d\d))?\s(?:(UT|GMT|[ECMP][SD]T)|([Zz])|([+-]\d{4}))"
)
_OBS_OFFSETS = {
    "UT": 0, "GMT": 0, "EDT": -240, "EST": -300, "CDT": -300, "CST": -360, "MDT": -360,
    "MST": -420, "PDT": -420, "PST": -480,
}  # fmt: skip


def _iso_format(text: str) -> str | None:
    """The moment format of an ISO string (configFromISO), or None when it is not ISO."""
    m = _EXTENDED_ISO.fullmatch(text) or _BASIC_ISO.fullmatch(text)
    if m is None:
        return None
    date_format = None
    allow_time = True
    for fmt, pattern, allow in _ISO_DATES:
        if pattern.search(m.group(1)):
            date_format, allow_time = fmt, allow
            break
    if date_format is None:
        return ""
    time_format = None
    if m.group(3):
        for fmt, pattern in _ISO_TIMES:
            if pattern.search(m.group(3)):
                time_format = (m.group(2) or " ") + fmt
                break
        if time_format is None:
            return ""
    if not allow_time and time_format is not None:
        return ""
    tz_format = ""
    if m.group(4):
        if not _SHORT_OFFSET.search(m.group(4)):
            return ""
        tz_format = "Z"
    return date_format + (time_format or "") + tz_format


def _from_rfc2822(interp: Interp, text: str, utc: bool) -> Moment | None:
    cleaned = re.sub(r"\([^)]*\)|[\n\t]", " ", text)
    cleaned = re.sub(r"(\s\s+)", " ", cleaned).strip(" \t\n\r\v\f\u00a0\ufeff\u2028\u2029")
    m = _RFC2822.fullmatch(cleaned)
    if m is None:
        return None
    year = int(m.group(4))
    year = 2000 + year if year <= 49 else 1900 + year if year <= 999 else year
    parts = [
        float(year),
        float(MONTHS_SHORT.index(m.group(3))),
        float(int(m.group(2))),
        float(int(m.group(5))),
        float(int(m.group(6))),
        float(int(m.group(7) or 0)),
        0.0,
    ]
    if m.group(1):
        weekday = (days_from_civil(year, int(parts[1]) + 1, int(parts[2])) + 4) % 7
        if WEEKDAYS_SHORT.index(m.group(1)) != weekday:
            return _invalid(interp, utc)
    if m.group(8):
        tzm = float(_OBS_OFFSETS[m.group(8)])
    elif m.group(9):
        tzm = 0.0
    else:
        hm = int(m.group(10))
        minutes = math.fmod(hm, 100)
        tzm = (hm - minutes) / 100 * 60 + minutes
    t = make_date(make_day(parts[0], parts[1], parts[2]), make_time(*parts[3:]))
    t = time_clip(t - tzm * 60000)
    result = Moment(JSDate(t, interp.env.zone), utc, None, True)
    result.tzm = tzm
    return result


# Non-strict parse regexes of the format tokens (moment's addRegexToken, first pattern).
_MATCH1TO2 = r"\d\d?"
_MATCH1TO3 = r"\d{1,3}"
_MATCH1TO4 = r"\d{1,4}"
_MATCH1TO6 = r"[+-]?\d{1,6}"
_PARSE_REGEX = {
    "YYYY": _MATCH1TO4, "YY": _MATCH1TO2, "Y": r"[+-]?\d+", "YYYYY": _MATCH1TO6,
    "YYYYYY": _MATCH1TO6, "M": _MATCH1TO2, "MM": _MATCH1TO2, "D": _MATCH1TO2, "DD": _MATCH1TO2,
    "DDD": _MATCH1TO3, "DDDD": _MATCH1TO3, "H": _MATCH1TO2, "HH": _MATCH1TO2, "h": _MATCH1TO2,
    "hh": _MATCH1TO2, "k": _MATCH1TO2, "kk": _MATCH1TO2, "m": _MATCH1TO2, "mm": _MATCH1TO2,
    "s": _MATCH1TO2, "ss": _MATCH1TO2, "S": _MATCH1TO3, "SS": _MATCH1TO3, "SSS": _MATCH1TO3,
    "a": r"[ap]\.?m?\.?", "A": r"[ap]\.?m?\.?", "Z": r"Z|[+-]\d\d(?::?\d\d)?",
    "ZZ": r"Z|[+-]\d\d(?::?\d\d)?", "X": r"[+-]?\d+(\.\d{1,3})?", "x": r"[+-]?\d+",
    "Q": r"\d", "E": r"\d", "GGGG": _MATCH1TO4, "WW": _MATCH1TO2, "W": _MATCH1TO2,
}  # fmt: skip
for _k in ("SSSS", "SSSSS", "SSSSSS", "SSSSSSS", "SSSSSSSS", "SSSSSSSSS"):
    _PARSE_REGEX[_k] = r"\d+"
_FORMATTING = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?"
    r"|YYYYYY|YYYYY|YYYY|YY|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)
_LOCAL_FORMATTING = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")


def expand_format(fmt: str) -> str:
    """Replace the long date format tokens (`LLL`, ...) by their English formats."""
    for _ in range(6):
        if not _LOCAL_FORMATTING.search(fmt):
            break
        fmt = _LOCAL_FORMATTING.sub(lambda m: LONG_FORMATS.get(m.group(0), m.group(0)), fmt)
    return fmt


def _unescape_literal(token: str) -> str:
    text = token.replace("\\", "", 1)

    def repl(m: re.Match[str]) -> str:
        return m.group(1) or m.group(2) or m.group(3) or m.group(4) or ""

    return re.sub(r"\\(\[)|\\(\])|\[([^\]\[]*)\]|\\(.)", repl, text)


def _from_format(interp: Interp, text: str, fmt: str, utc: bool) -> Moment:
    """configFromStringAndFormat, non-strict, for the numeric tokens."""
    a: list[float | None] = [None] * 7
    tzm: float | None = None
    is_pm: bool | None = None
    timestamp: float | None = None
    empty = True
    day_of_year: float | None = None
    string = text
    for m in _FORMATTING.finditer(expand_format(fmt)):
        token = m.group(0)
        is_token = token in _FORMAT_TOKENS
        if is_token:
            if token not in _PARSE_REGEX:
                raise Unsupported(f"parsing with the moment format token `{token}`")
            pattern = _PARSE_REGEX[token]
            flags = re.ASCII | re.IGNORECASE if token in ("a", "A") else re.ASCII
        else:
            pattern = re.escape(_unescape_literal(token))
            flags = re.ASCII
        found = re.search(pattern, string, flags)
        parsed = found.group(0) if found else ""
        if parsed:
            string = string[found.end() :] if found else string
        if not is_token:
            continue
        if not parsed:
            continue
        empty = False
        if token in ("YYYY",):
            a[0] = _two_digit_year(parsed) if len(parsed) == 2 else _to_int(parsed)
        elif token in ("YYYYY", "YYYYYY"):
            a[0] = _to_int(parsed)
        elif token == "YY":
            a[0] = _two_digit_year(parsed)
        elif token == "Y":
            a[0] = float(int(parsed))
        elif token in ("M", "MM"):
            a[1] = _to_int(parsed) - 1
        elif token in ("D", "DD"):
            a[2] = _to_int(parsed)
        elif token in ("DDD", "DDDD"):
            day_of_year = _to_int(parsed)
        elif token in ("H", "HH", "h", "hh", "k", "kk"):
            a[3] = _to_int(parsed)
        elif token in ("m", "mm"):
            a[4] = _to_int(parsed)
        elif token in ("s", "ss"):
            a[5] = _to_int(parsed)
        elif token.startswith("S"):
            a[6] = _to_int(float("0." + parsed) * 1000)
        elif token in ("a", "A"):
            is_pm = parsed.lower()[0] == "p"
        elif token in ("Z", "ZZ"):
            tzm = offset_from_string(_SHORT_OFFSET, parsed)
        elif token == "X":
            timestamp = float(parsed) * 1000
        elif token == "x":
            timestamp = _to_int(parsed)
        else:
            raise Unsupported(f"parsing with the moment format token `{token}`")
    if timestamp is not None:
        return Moment(JSDate(time_clip(timestamp), interp.env.zone), utc, None, True)
    if empty:
        return _invalid(interp, utc)
    if is_pm is not None:
        hour = a[3]
        if is_pm and (hour or 0) < 12:
            a[3] = (hour or 0) + 12
        elif not is_pm and hour == 12:
            a[3] = 0.0
    if day_of_year is not None:
        raise Unsupported("parsing a day of the year")
    return _from_array(interp, a, utc, tzm)


def _two_digit_year(text: str) -> float:
    n = _to_int(text)
    return n + (1900 if n > 68 else 2000)


def _from_iso(interp: Interp, text: str, fmt: str, utc: bool) -> Moment:
    """An ISO string with its ISO format: the fields read directly."""
    body = text.lstrip()
    if "W" in fmt or "DDD" in fmt:
        return _from_week_or_ordinal(interp, body, fmt, utc)
    m = re.match(r"([+-]\d{6}|\d{4})-?(\d\d)(?:-?(\d\d))?", body)
    assert m is not None
    a: list[float | None] = [
        float(int(m.group(1))),
        float(int(m.group(2)) - 1),
        None,
        None,
        None,
        None,
        None,
    ]
    if m.group(3):
        a[2] = float(int(m.group(3)))
    rest = body[m.end() :]
    tzm = _time_into(a, rest)
    return _from_array(interp, a, utc, tzm)


def _time_into(a: list[float | None], rest: str) -> float | None:
    """Fill hours..ms from the time part `rest` (after the date); the offset in minutes."""
    tzm = None
    t = re.match(r"[T ](\d\d):?(\d\d)?:?(\d\d)?(?:[.,](\d+))?", rest)
    if t is not None:
        a[3] = float(int(t.group(1)))
        if t.group(2):
            a[4] = float(int(t.group(2)))
        if t.group(3):
            a[5] = float(int(t.group(3)))
        if t.group(4):
            a[6] = _to_int(float("0." + t.group(4)) * 1000)
        rest = rest[t.end() :]
    if rest.strip():
        tzm = offset_from_string(_SHORT_OFFSET, rest)
    return tzm


def _from_week_or_ordinal(interp: Interp, body: str, fmt: str, utc: bool) -> Moment:
    m = re.match(r"(\d{4})-?(?:W(\d\d)-?(\d)?|(\d{3}))", body)
    assert m is not None
    year = int(m.group(1))
    if m.group(4):
        doy = int(m.group(4))
        valid_doy = 0 < doy <= _days_in_year(year)
    else:
        week = int(m.group(2))
        weekday = int(m.group(3)) if m.group(3) else 1
        if week < 1 or week > _weeks_in_year(year, 1, 4) or not 1 <= weekday <= 7:
            return _invalid(interp, utc)
        local_weekday = (7 + weekday - 1) % 7
        doy = 1 + 7 * (week - 1) + local_weekday + _first_week_offset(year, 1, 4)
        if doy <= 0:
            year -= 1
            doy += _days_in_year(year)
        elif doy > _days_in_year(year):
            doy -= _days_in_year(year)
            year += 1
        valid_doy = True
    y, mo, d = civil_from_days(days_from_civil(year, 1, 1) + doy - 1)
    a: list[float | None] = [float(y), float(mo - 1), float(d), None, None, None, None]
    tzm = _time_into(a, body[m.end() :])
    result = _from_array(interp, a, utc, tzm)
    if not valid_doy:
        result.valid = False
    return result


def create(interp: Interp, args: list[Value], utc: bool) -> Moment:
    """`moment(...)` / `moment.utc(...)`."""
    value = arg(args, 0)
    fmt = arg(args, 1)
    if (len(args) > 2 and args[2] is True) or (len(args) > 3 and args[3] is True):
        raise Unsupported("strict moment parsing")
    if isinstance(value, Undefined):
        return _now_moment(interp, utc)
    if isinstance(value, Moment):
        copy = value.clone()
        if utc:
            set_offset(copy, 0.0)
        return copy
    if value is None or value == "":
        return _invalid(interp, utc)
    if isinstance(value, JSDate):
        return Moment(JSDate(value.t, interp.env.zone), utc, None, True)
    if isinstance(value, float):
        return Moment(JSDate(time_clip(value), interp.env.zone), utc, None, True)
    if isinstance(value, JSArray):
        parts: list[float | None] = [None] * 7
        for i, item in enumerate(value.items[:7]):
            parts[i] = _to_int(item)
        return _from_array(interp, parts, utc, None)
    if isinstance(value, str):
        if isinstance(fmt, str):
            result = _from_format(interp, value, fmt, utc)
            result.input = value
            return result
        if _given(fmt):
            raise Unsupported("moment parsing with a list of formats")
        iso = _iso_format(value)
        if iso:
            result = _from_iso(interp, value, iso, utc)
        elif iso == "":
            result = _invalid(interp, utc)
        else:
            if re.match(r"/?Date\(-?\d+", value, re.IGNORECASE):
                raise Unsupported("the ASP.NET date form")
            rfc = _from_rfc2822(interp, value, utc)
            if rfc is None:
                raise Unsupported(
                    f"moment(`{value}`): not ISO 8601 or RFC 2822, moment falls back to the "
                    "engine's Date parser; give a format"
                )
            result = rfc
        result.input = value
        return result
    raise Unsupported("moment() of this kind of value")


# ------------------------------------------------------------------- formatting


def _zero_fill(number: float, length: int, force_sign: bool = False) -> str:
    text = _num(abs(number))
    sign = "" if number >= 0 else "-"
    if number >= 0 and force_sign:
        sign = "+"
    return sign + "0" * max(0, length - len(text)) + text


def _ordinal(number: float) -> str:
    b = math.fmod(number, 10)
    tens = _abs_floor(math.fmod(number, 100) / 10)
    suffix = "th" if tens == 1 else {1.0: "st", 2.0: "nd", 3.0: "rd"}.get(b, "th")
    return _num(number) + suffix


def _num(x: float) -> str:
    from diglang.expr.evaluate import number_to_string

    return number_to_string(x)


def _h12(m: Moment) -> float:
    return m.field(3) % 12 or 12


def _offset_text(m: Moment, sep: str) -> str:
    offset = m.utc_offset()
    sign = "+"
    if offset < 0:
        offset = -offset
        sign = "-"
    return (
        sign + _zero_fill(math.trunc(offset / 60), 2) + sep + _zero_fill(math.trunc(offset) % 60, 2)
    )


def _week(m: Moment) -> float:
    return float(week_of_year(m, DOW, DOY)[0])


def _iso_week(m: Moment) -> float:
    return float(week_of_year(m, 1, 4)[0])


_FORMAT_TOKENS: dict[str, object] = {
    "M": lambda m: _num(m.field(1) + 1),
    "MM": lambda m: _zero_fill(m.field(1) + 1, 2),
    "Mo": lambda m: _ordinal(m.field(1) + 1),
    "MMM": lambda m: MONTHS_SHORT[int(m.field(1))],
    "MMMM": lambda m: MONTH_NAMES[int(m.field(1))],
    "Q": lambda m: _num(math.ceil((m.field(1) + 1) / 3)),
    "Qo": lambda m: _ordinal(math.ceil((m.field(1) + 1) / 3)),
    "D": lambda m: _num(m.field(2)),
    "DD": lambda m: _zero_fill(m.field(2), 2),
    "Do": lambda m: _ordinal(m.field(2)),
    "DDD": lambda m: _num(day_of_year(m)),
    "DDDD": lambda m: _zero_fill(day_of_year(m), 3),
    "DDDo": lambda m: _ordinal(day_of_year(m)),
    "d": lambda m: _num(_day(m)),
    "do": lambda m: _ordinal(_day(m)),
    "dd": lambda m: WEEKDAYS_MIN[int(_day(m))],
    "ddd": lambda m: WEEKDAYS_SHORT[int(_day(m))],
    "dddd": lambda m: WEEKDAYS[int(_day(m))],
    "e": lambda m: _num((_day(m) + 7 - DOW) % 7),
    "E": lambda m: _num(_day(m) or 7),
    "w": lambda m: _num(_week(m)),
    "ww": lambda m: _zero_fill(_week(m), 2),
    "wo": lambda m: _ordinal(_week(m)),
    "W": lambda m: _num(_iso_week(m)),
    "WW": lambda m: _zero_fill(_iso_week(m), 2),
    "Wo": lambda m: _ordinal(_iso_week(m)),
    "YY": lambda m: _zero_fill(math.fmod(m.field(0), 100), 2),
    "YYYY": lambda m: _zero_fill(m.field(0), 4),
    "YYYYY": lambda m: _zero_fill(m.field(0), 5),
    "YYYYYY": lambda m: _zero_fill(m.field(0), 6, True),
    "Y": lambda m: _num(m.field(0)) if m.field(0) <= 9999 else "+" + _num(m.field(0)),
    "gg": lambda m: _zero_fill(math.fmod(week_of_year(m, DOW, DOY)[1], 100), 2),
    "gggg": lambda m: _zero_fill(week_of_year(m, DOW, DOY)[1], 4),
    "ggggg": lambda m: _zero_fill(week_of_year(m, DOW, DOY)[1], 5),
    "GG": lambda m: _zero_fill(math.fmod(week_of_year(m, 1, 4)[1], 100), 2),
    "GGGG": lambda m: _zero_fill(week_of_year(m, 1, 4)[1], 4),
    "GGGGG": lambda m: _zero_fill(week_of_year(m, 1, 4)[1], 5),
    "H": lambda m: _num(m.field(3)),
    "HH": lambda m: _zero_fill(m.field(3), 2),
    "h": lambda m: _num(_h12(m)),
    "hh": lambda m: _zero_fill(_h12(m), 2),
    "k": lambda m: _num(m.field(3) or 24),
    "kk": lambda m: _zero_fill(m.field(3) or 24, 2),
    "hmm": lambda m: _num(_h12(m)) + _zero_fill(m.field(4), 2),
    "hmmss": lambda m: _num(_h12(m)) + _zero_fill(m.field(4), 2) + _zero_fill(m.field(5), 2),
    "Hmm": lambda m: _num(m.field(3)) + _zero_fill(m.field(4), 2),
    "Hmmss": lambda m: _num(m.field(3)) + _zero_fill(m.field(4), 2) + _zero_fill(m.field(5), 2),
    "a": lambda m: "pm" if m.field(3) > 11 else "am",
    "A": lambda m: "PM" if m.field(3) > 11 else "AM",
    "m": lambda m: _num(m.field(4)),
    "mm": lambda m: _zero_fill(m.field(4), 2),
    "s": lambda m: _num(m.field(5)),
    "ss": lambda m: _zero_fill(m.field(5), 2),
    "S": lambda m: _num(math.trunc(m.field(6) / 100)),
    "SS": lambda m: _zero_fill(math.trunc(m.field(6) / 10), 2),
    "SSS": lambda m: _zero_fill(m.field(6), 3),
    "Z": lambda m: _offset_text(m, ":"),
    "ZZ": lambda m: _offset_text(m, ""),
    "X": lambda m: _num(math.floor(m.value_of() / 1000)),
    "x": lambda m: _num(m.value_of()),
    "z": lambda m: "UTC" if m.utc else "",
    "zz": lambda m: "Coordinated Universal Time" if m.utc else "",
}
for _n in range(4, 10):
    _FORMAT_TOKENS["S" * _n] = lambda m, _n=_n: _zero_fill(m.field(6) * 10 ** (_n - 3), _n)


def format_moment(m: Moment, fmt: str) -> str:
    """moment's `formatMoment`."""
    if not m.valid:
        return "Invalid date"
    if m.d.t != m.d.t:
        raise Unsupported("formatting a moment whose date became invalid")
    out: list[str] = []
    for match in _FORMATTING.finditer(expand_format(fmt)):
        token = match.group(0)
        fn = _FORMAT_TOKENS.get(token)
        if fn is not None:
            out.append(fn(m))  # type: ignore[operator]
        elif re.search(r"\[[\s\S]", token):
            out.append(re.sub(r"^\[|\]$", "", token))
        else:
            out.append(token.replace("\\", ""))
    return "".join(out)


# ------------------------------------------------------------------------ methods

MOMENT_PROTO: dict[str, Value] = {}


MethodImpl = Callable[["Interp", Value, list[Value]], Value]


def _method(name: str) -> Callable[[MethodImpl], MethodImpl]:
    def register(impl: MethodImpl) -> MethodImpl:
        MOMENT_PROTO[name] = Native(name, impl)
        return impl

    return register


def _other(interp: Interp, value: Value) -> Moment:
    if isinstance(value, Moment):
        return value
    return create(interp, [value], False)


@_method("format")
def _format(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    fmt = arg(args, 0)
    from digrun.js.values import truthy

    if not truthy(fmt):
        is_utc = m.valid and m.utc and m.offset in (None, 0)
        fmt = "YYYY-MM-DDTHH:mm:ss[Z]" if is_utc else "YYYY-MM-DDTHH:mm:ssZ"
    if not isinstance(fmt, str):
        raise Unsupported("a moment format that is not a string")
    return format_moment(m, fmt)


MOMENT_PROTO["add"] = _adder(1)
MOMENT_PROTO["subtract"] = _adder(-1)


@_method("startOf")
def _start_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    return start_of(_this(this), normalize_units(arg(args, 0)))


@_method("endOf")
def _end_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    return end_of(_this(this), normalize_units(arg(args, 0)))


@_method("clone")
def _clone(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _this(this).clone()


@_method("isValid")
def _is_valid(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _this(this).valid


@_method("valueOf")
def _value_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    return m.value_of()


@_method("unix")
def _unix(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _jfloor(_this(this).value_of() / 1000)


@_method("toDate")
def _to_date(interp: Interp, this: Value, args: list[Value]) -> Value:
    return JSDate(_this(this).value_of(), interp.env.zone)


@_method("toISOString")
def _to_iso(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    if not m.valid:
        return None
    keep = arg(args, 0) is True
    target = m if keep else set_offset(m.clone(), 0.0)
    year = target.field(0)
    if year < 0 or year > 9999:
        fmt = "YYYYYY-MM-DD[T]HH:mm:ss.SSS[Z]" if not keep else "YYYYYY-MM-DD[T]HH:mm:ss.SSSZ"
        return format_moment(target, fmt)
    if not keep:
        return JSDate(m.value_of(), interp.env.zone).iso()
    shifted = JSDate(m.value_of() + m.utc_offset() * 60000, interp.env.zone).iso()
    return shifted.replace("Z", format_moment(target, "Z"))


@_method("toJSON")
def _to_json(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    return _to_iso(interp, m, []) if m.valid else None


@_method("toString")
def _to_string(interp: Interp, this: Value, args: list[Value]) -> Value:
    return format_moment(_this(this), "ddd MMM DD YYYY HH:mm:ss [GMT]ZZ")


@_method("toArray")
def _to_array(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    return JSArray([m.field(i) for i in range(7)])


@_method("toObject")
def _to_object(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    names = ("years", "months", "date", "hours", "minutes", "seconds", "milliseconds")
    return JSObject({name: m.field(i) for i, name in enumerate(names)})


@_method("utc")
def _utc(interp: Interp, this: Value, args: list[Value]) -> Value:
    return set_offset(_this(this), 0.0, arg(args, 0) is True) if _this(this).valid else this


@_method("local")
def _local(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    return to_local_mode(m, arg(args, 0) is True) if m.valid else m


@_method("utcOffset")
def _utc_offset(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    value = arg(args, 0)
    if not m.valid:
        return m if _given(value) else math.nan
    if not _given(value):
        return m.utc_offset()
    if isinstance(value, str):
        minutes = offset_from_string(_SHORT_OFFSET, value)
        if minutes is None:
            return m
    else:
        minutes = to_number(value, interp)
        if abs(minutes) < 16 and arg(args, 2) is not True:
            minutes *= 60
    return set_offset(m, minutes, arg(args, 1) is True)


@_method("parseZone")
def _parse_zone(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    if not m.valid:
        return m
    if m.tzm is not None:
        return set_offset(m, m.tzm)
    if isinstance(m.input, str):
        tz = offset_from_string(_OFFSET, m.input)
        if tz is not None:
            return set_offset(m, tz * 60 if abs(tz) < 16 else tz)
        return set_offset(m, 0.0, True)
    return m


for _name, _check in (
    ("isUTC", lambda m: m.valid and m.utc and (m.offset or 0) == 0),
    ("isUtc", lambda m: m.valid and m.utc and (m.offset or 0) == 0),
    ("isLocal", lambda m: m.valid and not m.utc),
    ("isUtcOffset", lambda m: m.valid and m.utc),
    ("isLeapYear", lambda m: _is_leap(m.field(0))),
):

    def _pred(
        interp: Interp, this: Value, args: list[Value], _c: Callable[[Moment], bool] = _check
    ) -> Value:
        return bool(_c(_this(this)))

    MOMENT_PROTO[_name] = Native(_name, _pred)


@_method("daysInMonth")
def _dim(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    return _days_in_month(m.field(0), m.field(1))


@_method("isDST")
def _is_dst(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    jan = m.clone()
    _set_month(jan, 0.0)
    jun = m.clone()
    _set_month(jun, 5.0)
    return m.utc_offset() > jan.utc_offset() or m.utc_offset() > jun.utc_offset()


@_method("zoneAbbr")
def _zone_abbr(interp: Interp, this: Value, args: list[Value]) -> Value:
    return "UTC" if _this(this).utc else ""


@_method("zoneName")
def _zone_name(interp: Interp, this: Value, args: list[Value]) -> Value:
    return "Coordinated Universal Time" if _this(this).utc else ""


@_method("locale")
def _locale(interp: Interp, this: Value, args: list[Value]) -> Value:
    if _given(arg(args, 0)) and arg(args, 0) != "en":
        raise Unsupported("moment locales other than `en`")
    return "en" if not args else this


def _getset(name: str, unit: str, index: int) -> None:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        m = _this(this)
        value = arg(args, 0)
        if _given(value):
            if unit == "Month":
                _set_month(m, value)
            else:
                _set_unit(m, unit, value)
            return m
        return m.field(index)

    MOMENT_PROTO[name] = Native(name, impl)


for _names, _unit_name, _index in (
    (("year", "years"), "FullYear", 0),
    (("month", "months"), "Month", 1),
    (("date", "dates"), "Date", 2),
    (("hour", "hours"), "Hours", 3),
    (("minute", "minutes"), "Minutes", 4),
    (("second", "seconds"), "Seconds", 5),
    (("millisecond", "milliseconds"), "Milliseconds", 6),
):
    for _name in _names:
        _getset(_name, _unit_name, _index)


def _day_method(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    value = arg(args, 0)
    if not m.valid:
        return m if _given(value) else math.nan
    day = _day(m)
    if not _given(value):
        return day
    if isinstance(value, str):
        if to_number(value) != to_number(value):
            raise Unsupported("setting a weekday by name")
        value = float(int(to_number(value)))
    _add_subtract(m, 0.0, to_number(value) - day, 0.0, 1)
    return m


MOMENT_PROTO["day"] = Native("day", _day_method)
MOMENT_PROTO["days"] = Native("days", _day_method)


def _simple_getset(name: str, get: object, set_: object) -> None:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        m = _this(this)
        value = arg(args, 0)
        if not _given(value):
            return get(m)  # type: ignore[operator, no-any-return]
        set_(m, to_number(value, interp))  # type: ignore[operator]
        return m

    MOMENT_PROTO[name] = Native(name, impl)


def _weekday_get(m: Moment) -> float:
    return (_day(m) + 7 - DOW) % 7


def _iso_weekday_get(m: Moment) -> float:
    return _day(m) or 7.0


def _set_doy(m: Moment, value: float) -> None:
    _add_subtract(m, 0.0, value - day_of_year(m), 0.0, 1)


def _set_week(m: Moment, value: float) -> None:
    _add_subtract(m, 0.0, (value - _week(m)) * 7, 0.0, 1)


def _set_iso_week(m: Moment, value: float) -> None:
    _add_subtract(m, 0.0, (value - _iso_week(m)) * 7, 0.0, 1)


def _set_quarter(m: Moment, value: float) -> None:
    _set_month(m, (value - 1) * 3 + m.field(1) % 3)


def _no_set(name: str):  # type: ignore[no-untyped-def]
    def fail(m: Moment, value: float) -> None:
        raise Unsupported(f"setting the moment `{name}`")

    return fail


_simple_getset("weekday", _weekday_get, _set_weekday)
_simple_getset("isoWeekday", _iso_weekday_get, _set_iso_weekday)
_simple_getset("dayOfYear", day_of_year, _set_doy)
for _name in ("week", "weeks"):
    _simple_getset(_name, _week, _set_week)
for _name in ("isoWeek", "isoWeeks"):
    _simple_getset(_name, _iso_week, _set_iso_week)
for _name in ("quarter", "quarters"):
    _simple_getset(_name, lambda m: _jceil((m.field(1) + 1) / 3), _set_quarter)
_simple_getset("weekYear", lambda m: float(week_of_year(m, DOW, DOY)[1]), _no_set("weekYear"))
_simple_getset("isoWeekYear", lambda m: float(week_of_year(m, 1, 4)[1]), _no_set("isoWeekYear"))
_simple_getset(
    "weeksInYear",
    lambda m: float(_weeks_in_year(int(m.field(0)), DOW, DOY)),
    _no_set("weeksInYear"),
)
_simple_getset(
    "isoWeeksInYear",
    lambda m: float(_weeks_in_year(int(m.field(0)), 1, 4)),
    _no_set("isoWeeksInYear"),
)


@_method("get")
def _get(interp: Interp, this: Value, args: list[Value]) -> Value:
    unit = normalize_units(arg(args, 0))
    method = MOMENT_PROTO.get(unit or "")
    if isinstance(method, Function):
        return method.call(interp, this, [])
    return this


@_method("set")
def _set(interp: Interp, this: Value, args: list[Value]) -> Value:
    units = arg(args, 0)
    if isinstance(units, JSObject):
        raise Unsupported("`set` with an object of units")
    unit = normalize_units(units)
    method = MOMENT_PROTO.get(unit or "")
    if isinstance(method, Function):
        method.call(interp, this, [arg(args, 1)])
    return this


def _compare(kind: str) -> None:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        m = _this(this)
        other = _other(interp, arg(args, 0))
        units_arg = arg(args, 1)
        if kind == "isSame" or kind.startswith("isSameOr"):
            from digrun.js.values import truthy

            units = normalize_units(units_arg) if truthy(units_arg) else "millisecond"
        else:
            units = _compare_units(units_arg)
        return _compare_moments(kind, m, other, units)

    MOMENT_PROTO[kind] = Native(kind, impl)


def _compare_units(units_arg: Value) -> str | None:
    return "millisecond" if isinstance(units_arg, Undefined) else normalize_units(units_arg)


def _compare_moments(kind: str, m: Moment, other: Moment, units: str | None) -> bool:
    if not (m.valid and other.valid):
        return False
    if kind == "isBefore":
        if units == "millisecond":
            return m.value_of() < other.value_of()
        return end_of(m.clone(), units).value_of() < other.value_of()
    if kind == "isAfter":
        if units == "millisecond":
            return m.value_of() > other.value_of()
        return other.value_of() < start_of(m.clone(), units).value_of()
    if kind == "isSame":
        units = units or "millisecond"
        if units == "millisecond":
            return m.value_of() == other.value_of()
        value = other.value_of()
        return start_of(m.clone(), units).value_of() <= value <= end_of(m.clone(), units).value_of()
    if kind == "isSameOrAfter":
        return _compare_moments("isSame", m, other, units) or _compare_moments(
            "isAfter", m, other, units
        )
    return _compare_moments("isSame", m, other, units) or _compare_moments(
        "isBefore", m, other, units
    )


for _kind in ("isBefore", "isAfter", "isSame", "isSameOrAfter", "isSameOrBefore"):
    _compare(_kind)


@_method("isBetween")
def _is_between(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    start = _other(interp, arg(args, 0))
    end = _other(interp, arg(args, 1))
    units_arg = arg(args, 2)
    inclusivity = arg(args, 3)
    incl = to_string(inclusivity) if inclusivity else "()"
    units = _compare_units(units_arg)
    first = (
        _compare_moments("isAfter", m, start, units)
        if incl[0] == "("
        else not _compare_moments("isBefore", m, start, units)
    )
    second = (
        _compare_moments("isBefore", m, end, units)
        if incl[1:2] == ")"
        else not _compare_moments("isAfter", m, end, units)
    )
    return first and second


def _clone_with_offset(interp: Interp, value: Value, model: Moment) -> Moment:
    if model.utc:
        res = model.clone()
        if isinstance(value, Moment | JSDate):
            other_value = value.value_of() if isinstance(value, Moment) else value.t
        else:
            other_value = create(interp, [value], False).value_of()
        res.d.t = time_clip(res.d.t + (other_value - res.value_of()))
        return res
    return to_local_mode(_other(interp, value).clone())


def _month_diff(a: Moment, b: Moment) -> float:
    whole = (b.field(0) - a.field(0)) * 12 + (b.field(1) - a.field(1))
    anchor = a.clone()
    _add_subtract(anchor, 0.0, 0.0, whole, 1)
    if b.value_of() - anchor.value_of() < 0:
        anchor2 = a.clone()
        _add_subtract(anchor2, 0.0, 0.0, whole - 1, 1)
        adjust = _div(b.value_of() - anchor.value_of(), anchor.value_of() - anchor2.value_of())
    else:
        anchor2 = a.clone()
        _add_subtract(anchor2, 0.0, 0.0, whole + 1, 1)
        adjust = _div(b.value_of() - anchor.value_of(), anchor2.value_of() - anchor.value_of())
    result = -(whole + adjust)
    return result if result == result and result != 0 else 0.0


@_method("diff")
def _diff(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = _this(this)
    if not m.valid:
        return math.nan
    that = _clone_with_offset(interp, arg(args, 0), m)
    if not that.valid:
        return math.nan
    zone_delta = (that.utc_offset() - m.utc_offset()) * 6e4
    units = normalize_units(arg(args, 1))
    delta = m.value_of() - that.value_of()
    if units == "year":
        output = _month_diff(m, that) / 12
    elif units == "month":
        output = _month_diff(m, that)
    elif units == "quarter":
        output = _month_diff(m, that) / 3
    elif units == "second":
        output = delta / 1e3
    elif units == "minute":
        output = delta / 6e4
    elif units == "hour":
        output = delta / 36e5
    elif units == "day":
        output = (delta - zone_delta) / 864e5
    elif units == "week":
        output = (delta - zone_delta) / 6048e5
    else:
        output = delta
    from digrun.js.values import truthy

    return output if truthy(arg(args, 2)) else _abs_floor(output)


for _name in ("fromNow", "from", "to", "toNow", "calendar", "humanize", "localeData", "lang"):

    def _unsupported(interp: Interp, this: Value, args: list[Value], _n: str = _name) -> Value:
        raise Unsupported(f"the moment method `{_n}`")

    MOMENT_PROTO[_name] = Native(_name, _unsupported)


# ------------------------------------------------------------------------- statics


def _moment_call(interp: Interp, this: Value, args: list[Value]) -> Value:
    return create(interp, args, False)


def _moment_construct(interp: Interp, args: list[Value]) -> Value:
    return create(interp, args, False)


MOMENT_FN = Native("hooks", _moment_call, _moment_construct)
MOMENT_FN.props["version"] = VERSION
MOMENT_FN.props["utc"] = Native("createUTC", lambda i, t, a: create(i, a, True))
MOMENT_FN.props["unix"] = Native(
    "createUnix", lambda i, t, a: create(i, [to_number(arg(a, 0), i) * 1000], False)
)
MOMENT_FN.props["now"] = Native("now", lambda i, t, a: i.env.now_ms())
MOMENT_FN.props["isMoment"] = Native("isMoment", lambda i, t, a: isinstance(arg(a, 0), Moment))
MOMENT_FN.props["isDate"] = Native("isDate", lambda i, t, a: isinstance(arg(a, 0), JSDate))
MOMENT_FN.props["defaultFormat"] = "YYYY-MM-DDTHH:mm:ssZ"
MOMENT_FN.props["defaultFormatUtc"] = "YYYY-MM-DDTHH:mm:ss[Z]"


def _parse_zone_static(interp: Interp, this: Value, args: list[Value]) -> Value:
    m = create(interp, args, False)
    return _parse_zone(interp, m, [])


def _extreme(pick_max: bool) -> Native:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        items = args[0].items if len(args) == 1 and isinstance(args[0], JSArray) else args
        moments = [_other(interp, item) for item in items]
        if not moments:
            return _now_moment(interp, False)
        best = moments[0]
        for cand in moments[1:]:
            kind = "isAfter" if pick_max else "isBefore"
            if not cand.valid or _compare_moments(kind, cand, best, "millisecond"):
                best = cand
        return best

    return Native("max" if pick_max else "min", impl)


MOMENT_FN.props["parseZone"] = Native("parseZone", _parse_zone_static)
MOMENT_FN.props["max"] = _extreme(True)
MOMENT_FN.props["min"] = _extreme(False)
MOMENT_FN.props["locale"] = Native("locale", lambda i, t, a: _locale(i, UNDEFINED, []))
for _name in ("duration", "localeData", "defineLocale", "updateLocale", "relativeTimeThreshold"):

    def _unsupported_static(
        interp: Interp, this: Value, args: list[Value], _n: str = _name
    ) -> Value:
        raise Unsupported(f"`moment.{_n}`")

    MOMENT_FN.props[_name] = Native(_name, _unsupported_static)
