"""digrun.js built-ins with exact expected values: Digdag's moment fixtures, Java String
methods, Date in the workflow zone, and the sandbox's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digrun.js import EvalError, render

NOW = datetime(2016, 7, 14, 15, 9, 26, 535000, tzinfo=UTC)
SESSION = {"session_time": "2016-03-13T10:00:00Z", "s": "a-b-c", "timezone": "UTC"}

# Digdag's own test: eval/moment.dig with moment_expected.dig, _jst.dig and _pst_pdt.dig
MOMENT_FIXTURE = {
    "default_format": "${moment(session_time).format()}",
    "tomorrow": "${moment(session_time).add(1, 'days').format()}",
    "yesterday": "${moment(session_time).add(-1, 'days').format()}",
    "hour_later": "${moment(session_time).add(1, 'hours').format()}",
    "hour_ago": "${moment(session_time).add(-1, 'hours').format()}",
    "utc": "${moment(session_time).utc().format()}",
    "format_sql_time": '${moment(session_time).format("YYYY-MM-DD HH:mm:ss Z")}',
}
MOMENT_EXPECTED = {
    "UTC": {
        "default_format": "2016-03-13T10:00:00+00:00",
        "tomorrow": "2016-03-14T10:00:00+00:00",
        "yesterday": "2016-03-12T10:00:00+00:00",
        "hour_later": "2016-03-13T11:00:00+00:00",
        "hour_ago": "2016-03-13T09:00:00+00:00",
        "utc": "2016-03-13T10:00:00Z",
        "format_sql_time": "2016-03-13 10:00:00 +00:00",
    },
    "Asia/Tokyo": {
        "default_format": "2016-03-13T19:00:00+09:00",
        "tomorrow": "2016-03-14T19:00:00+09:00",
        "yesterday": "2016-03-12T19:00:00+09:00",
        "hour_later": "2016-03-13T20:00:00+09:00",
        "hour_ago": "2016-03-13T18:00:00+09:00",
        "utc": "2016-03-13T10:00:00Z",
        "format_sql_time": "2016-03-13 19:00:00 +09:00",
    },
    "America/Los_Angeles": {
        "default_format": "2016-03-13T03:00:00-07:00",
        "tomorrow": "2016-03-14T03:00:00-07:00",
        "yesterday": "2016-03-12T03:00:00-08:00",
        "hour_later": "2016-03-13T04:00:00-07:00",
        "hour_ago": "2016-03-13T01:00:00-08:00",
        "utc": "2016-03-13T10:00:00Z",
        "format_sql_time": "2016-03-13 03:00:00 -07:00",
    },
}


@pytest.mark.parametrize("zone", sorted(MOMENT_EXPECTED))
def test_digdag_moment_fixture(zone: str) -> None:
    got = {k: render(v, SESSION, timezone=zone) for k, v in MOMENT_FIXTURE.items()}
    assert got == MOMENT_EXPECTED[zone]


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("${moment(session_time).format('LLL')}", "UTC", "March 13, 2016 10:00 AM"),
        ("${moment().format()}", "Asia/Tokyo", "2016-07-15T00:09:26+09:00"),
        ("${moment().valueOf()}", "UTC", "1468508966535"),
        ("${moment.unix(1457863200).utc().format('YYYYMMDD HH')}", "Asia/Tokyo", "20160313 10"),
        (
            "${moment(session_time).startOf('day').format()}",
            "Europe/Berlin",
            "2016-03-13T00:00:00+01:00",
        ),
        (
            "${moment('2016-03-27T02:30:00').format()}",
            "Europe/Berlin",
            "2016-03-27T03:30:00+02:00",
        ),  # a local time in the spring-forward gap
        (
            "${moment('2016-10-30T02:30:00').format()}",
            "Europe/Berlin",
            "2016-10-30T02:30:00+02:00",
        ),  # repeated: the first occurrence
        (
            "${moment('2016-03-26T02:30:00').add(1, 'days').format()}",
            "Europe/Berlin",
            "2016-03-27T03:30:00+02:00",
        ),
        (
            "${moment('2016-10-16').format()}",
            "America/Sao_Paulo",
            "2016-10-16T01:00:00-02:00",
        ),  # midnight did not exist
        ("${moment('2016-01-31').add(1, 'months').format('YYYY-MM-DD')}", "UTC", "2016-02-29"),
        ("${moment('2016-02-29').diff('2016-01-31', 'months', true)}", "UTC", "0.935483870967742"),
        (
            "${moment(session_time).format('Do [of] MMMM, dddd [w]w Q')}",
            "UTC",
            "13th of March, Sunday w12 1",
        ),
        ("${moment('20160313', 'YYYYMMDD').add(1, 'd').format('YYYY-MM-DD')}", "UTC", "2016-03-14"),
        (
            "${moment('13/03/2016 5:07 pm', 'DD/MM/YYYY h:mm a').format()}",
            "UTC",
            "2016-03-13T17:07:00+00:00",
        ),
        ("${moment(session_time)}", "UTC", '"2016-03-13T10:00:00.000Z"'),
        ("${moment('not a date at all 2016', 'YYYY').year()}", "UTC", "2016"),
        ("${moment('2016-02-30').isValid()}", "UTC", "false"),
        ("${moment('2016-02-30').format()}", "UTC", "Invalid date"),
        (
            "${moment.parseZone('2016-03-13T10:00:00+05:30').format()}",
            "UTC",
            "2016-03-13T10:00:00+05:30",
        ),
        ("${moment(session_time).utcOffset(540).format('HH:mm Z')}", "UTC", "19:00 +09:00"),
        ("${moment(session_time).isBetween('2016-03-01', '2016-04-01')}", "UTC", "true"),
        ("${typeof moment(session_time).tz}", "UTC", "undefined"),
        ("${moment.version}", "UTC", "2.21.0"),
    ],
)
def test_moment(text: str, zone: str, expected: str) -> None:
    assert render(text, SESSION, timezone=zone, now=NOW) == expected


def test_moment_timezone_is_not_bundled() -> None:
    with pytest.raises(EvalError) as info:
        render("${moment(session_time).tz('Asia/Tokyo').format()}", SESSION, timezone="UTC")
    assert info.value.error == "TypeError"
    assert info.value.detail == "TypeError: (intermediate value).tz is not a function"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # java.lang.String methods GraalJS exposes on strings (Java regex and replacement)
        ("${'aaa'.replaceAll('a', 'A')}", "AAA"),
        ("${s.replaceAll('-', '_')}", "a_b_c"),
        ("${s.replaceAll('[a-c]', 'x')}", "x-x-x"),
        ("${s.replaceAll('(\\\\w)-', '$1+')}", "a+b+c"),
        ("${s.replaceFirst('-', '')}", "ab-c"),
        ("${s.matches('[a-c-]+')}", "true"),
        ("${s.contains('b-')}", "true"),
        ("${s.startsWith('a-')}", "true"),
        ("${s.endsWith('c')}", "true"),
        ("${s.equals('a-b-c')}", "true"),
        ("${s.equalsIgnoreCase('A-B-C')}", "true"),
        ("${''.isEmpty()}", "true"),
        # JavaScript replace: string pattern (first only) and regex with `$` patterns
        ("${s.replace('-', '+')}", "a+b-c"),
        ("${s.replace(/-(\\w)/g, '[$1$&]')}", "a[b-b][c-c]"),
        ("${'x'.replace('x', '$$-$`')}", "$-"),
        # numbers
        ("${(1.005).toFixed(2)}", "1.00"),
        ("${(0.5).toFixed(0)}", "1"),
        ("${(123.456).toPrecision(4)}", "123.5"),
        ("${(255).toString(16)}", "ff"),
        ("${parseInt('08')}", "8"),
        ("${0.1 + 0.2}", "0.30000000000000004"),
        ("${1e21 + 1}", "1e+21"),
        # Date in the workflow zone
        ("${new Date(2016, 2, 13, 12).toISOString()}", "2016-03-13T03:00:00.000Z"),
        ("${new Date('2016-03-13T10:00:00Z').getHours()}", "19"),
        ("${new Date(0).getTimezoneOffset()}", "-540"),
        ("${Date.UTC(2016, 2, 13)}", "1457827200000"),
        ("${JSON.stringify({d: new Date(0)})}", '{"d":"1970-01-01T00:00:00.000Z"}'),
        ("${Date.now()}", "1468508966535"),
    ],
)
def test_builtins(text: str, expected: str) -> None:
    assert render(text, SESSION, timezone="Asia/Tokyo", now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "${constructor.constructor('return process')()}",
        "${Function('return 1')()}",
        "${eval('1 + 1')}",
        "${load('nashorn:mozilla_compat.js')}",
        "${Java.type('java.lang.Runtime')}",
        "${java.lang.System.exit(1)}",
        "${new Date() + ''}",
        "${moment('next tuesday')}",
        "${s.repeat(-1)}",
    ],
)
def test_unreachable_or_unsupported(text: str) -> None:
    with pytest.raises(EvalError):
        render(text, SESSION, timezone="UTC", now=NOW)
