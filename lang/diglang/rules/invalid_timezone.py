"""The workflow's `timezone` is not a time zone Digdag (Java's `ZoneId.of`) understands.

## What it does
Checks the top-level `timezone:` the way Java's `ZoneId.of` parses it: a region id of the IANA
database (`Asia/Tokyo`, `America/Los_Angeles`, case-sensitive), `UTC`, `GMT`, `UT`, `Z`, or an
offset (`+09:00`, `+9`, `-0830`, `UTC+9`, `GMT-08:00`, at most 18 hours). Abbreviations such as
`JST` or `PST` get the region they usually stand for; a wrongly capitalised region gets a quick
fix. An unquoted `+9` is the YAML number 9, which is not a zone either.

## Why
Digdag refuses to load the workflow (`Unknown time zone name` / `Invalid ID for ZoneOffset`),
and since every command loads every workflow of the project first, nothing runs.

## Example
```yaml
timezone: JST
+hello:
  echo>: ${session_time}
```

## Fix
Use the region id (`timezone: Asia/Tokyo`), which also follows daylight saving time, or a quoted
offset (`timezone: "+09:00"`).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from functools import cache

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules._common import top_level_entry
from diglang.rules.unknown_top_level_key import suggest
from diglang.values import Scalar, Template, type_name

# What people usually mean by an abbreviation Java's ZoneId.of rejects.
ABBREVIATIONS = {
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "HKT": "Asia/Hong_Kong",
    "SGT": "Asia/Singapore",
    "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta",
    "PHT": "Asia/Manila",
    "IST": "Asia/Kolkata",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MDT": "America/Denver",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "EDT": "America/New_York",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "BRT": "America/Sao_Paulo",
    "CEST": "Europe/Paris",
    "BST": "Europe/London",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
}
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
_SHORT_HOUR = re.compile(r"^((?:UTC|GMT|UT)?[+-])([0-9]:)")


@cache
def known_zones() -> frozenset[str]:
    """IANA region ids of this machine's time zone database (empty when it has none)."""
    return frozenset(zoneinfo.available_timezones())


def offset_ok(text: str) -> bool:
    """Java's `ZoneOffset.of`: `Z`, `+h`, `+hh`, `+hhmm`, `+hh:mm`, `+hhmmss`, `+hh:mm:ss`."""
    if text == "Z":
        return True
    if len(text) == 2:
        text = text[0] + "0" + text[1]
    if len(text) not in (3, 5, 6, 7, 9) or text[0] not in "+-":
        return False
    colons = {6: (3,), 9: (3, 6)}.get(len(text), ())
    if any(text[i] != ":" for i in colons):
        return False
    fields = (
        [text[i : i + 2] for i in range(1, len(text), 2)] if not colons else text[1:].split(":")
    )
    if not all(_TWO_DIGITS.fullmatch(f) for f in fields):
        return False
    hours, *rest = (int(f) for f in fields)
    if any(v > 59 for v in rest):
        return False
    return hours < 18 or (hours == 18 and not any(rest))


def zone_ok(text: str) -> bool:
    """Whether Java's `ZoneId.of(text)` accepts `text`."""
    if len(text) <= 1 or text[0] in "+-":
        return offset_ok(text)
    for prefix in ("UTC", "GMT", "UT"):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if rest == "":
                return True
            if rest[0] in "+-":
                return offset_ok(rest)
            break
    if not _REGION.fullmatch(text) or text in ABBREVIATIONS:
        return False
    zones = known_zones()
    return not zones or text in zones


@rule("invalid-timezone", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report a top-level `timezone` that Digdag cannot load."""
    entry = top_level_entry(wf, ctx, "timezone")
    if entry is None:
        return
    value = entry.value
    if isinstance(value, Template):
        message = "`timezone` is not evaluated, so `${...}` cannot be used; write a zone id"
        yield Problem(value.span, message, source=value.source)
    elif not isinstance(value, Scalar) or isinstance(value.value, bool):
        message = f"`timezone` must be a zone id such as `Asia/Tokyo`, not {type_name(value)}"
        yield Problem(value.span, message, source=value.source)
    elif not isinstance(value.value, str):
        message = (
            f"`{value.source.slice(value.span)}` is read as a number, not a time zone; "
            'write a quoted offset such as `"+09:00"` or a region such as `Asia/Tokyo`'
        )
        yield Problem(value.span, message, source=value.source)
    elif value.value.strip() and not zone_ok(value.value.strip()):
        # Jackson trims the text and reads an empty one as "not set".
        yield _unknown(value)


def _unknown(value: Scalar) -> Problem:
    text = value.text.strip()
    better, safe = _better(text)
    message = f"unknown time zone `{text}`"
    if better is not None:
        message += f"; did you mean `{better}`?"
    elif text[:1] in "+-" or text[:3] in ("UTC", "GMT"):
        message += "; write offsets as `+09:00`, `-0830` or `UTC+9` (at most 18 hours)"
    else:
        message += "; use a region id such as `Asia/Tokyo` or `America/New_York`"
    fix = None
    written = value.source.slice(value.span)
    quote = written[0] if written[:1] in ("'", '"') else ""
    if better is not None and written == f"{quote}{value.text}{quote}":
        quote = quote or ('"' if any(c in better for c in ":#") else "")
        replacement = f"{quote}{better}{quote}"
        fix = Fix(f"use `{better}`", (Edit(value.span, replacement),), safe=safe)
    return Problem(value.span, message, fix, source=value.source)


def _better(text: str) -> tuple[str | None, bool]:
    """A replacement for an unknown zone, and whether it is certainly what was meant."""
    stripped = text.strip()
    zones = known_zones()
    by_lower = {z.lower(): z for z in zones}
    if stripped.lower() in by_lower:
        return by_lower[stripped.lower()], True
    if stripped.upper() in ABBREVIATIONS:
        return ABBREVIATIONS[stripped.upper()], False
    padded = _SHORT_HOUR.sub(r"\g<1>0\g<2>", stripped)
    if padded != stripped and zone_ok(padded):
        return padded, True
    close = suggest(stripped, zones) if "/" in stripped else []
    return (close[0], False) if len(close) == 1 else (None, False)
