"""Schedules: slots, run times, time zones and cron4j patterns (every expectation hand-checked)."""

from __future__ import annotations

import datetime as dt

import pytest

from diglang.parse import parse
from diglang.schedule import (
    CronPattern,
    Schedule,
    ScheduleError,
    cron_error,
    first_run,
    last_session,
    next_run,
    next_runs,
)

UTC = dt.UTC


def schedule(text: str) -> Schedule:
    wf = parse(text, None).workflow
    assert wf is not None
    found = Schedule.from_workflow(wf)
    assert found is not None
    return found


def runs(text: str, after: str, count: int = 3) -> list[tuple[str, str]]:
    """(session time, run time) pairs, ISO-formatted in the workflow's zone."""
    moment = dt.datetime.fromisoformat(after)
    return [
        (r.session_time.isoformat(), r.run_time.isoformat())
        for r in next_runs(schedule(text), moment, count)
    ]


def sessions(text: str, after: str, count: int = 3) -> list[str]:
    return [session for session, _ in runs(text, after, count)]


# ------------------------------------------------------------------------------ kinds


def test_daily_session_is_midnight_and_run_is_delayed() -> None:
    assert runs("schedule:\n  daily>: 07:00:00\n", "2024-11-26T12:00:00+00:00") == [
        ("2024-11-27T00:00:00+00:00", "2024-11-27T07:00:00+00:00"),
        ("2024-11-28T00:00:00+00:00", "2024-11-28T07:00:00+00:00"),
        ("2024-11-29T00:00:00+00:00", "2024-11-29T07:00:00+00:00"),
    ]


def test_hourly_and_a_run_exactly_now_counts() -> None:
    assert runs("schedule:\n  hourly>: 30:00\n", "2024-01-01T10:30:00+00:00", 2) == [
        ("2024-01-01T10:00:00+00:00", "2024-01-01T10:30:00+00:00"),
        ("2024-01-01T11:00:00+00:00", "2024-01-01T11:30:00+00:00"),
    ]
    assert runs("schedule:\n  hourly>: 30:00\n", "2024-01-01T10:30:00.5+00:00", 1) == [
        ("2024-01-01T11:00:00+00:00", "2024-01-01T11:30:00+00:00"),
    ]


def test_weekly_in_tokyo() -> None:
    text = "timezone: Asia/Tokyo\nschedule:\n  weekly>: Sun,09:00:00\n"
    assert runs(text, "2024-11-27T00:00:00+00:00", 2) == [
        ("2024-12-01T00:00:00+09:00", "2024-12-01T09:00:00+09:00"),
        ("2024-12-08T00:00:00+09:00", "2024-12-08T09:00:00+09:00"),
    ]
    # the day is a cron weekday field: numbers, 7 for Sunday, ranges
    assert sessions("schedule:\n  weekly>: 7,00:00:00\n", "2024-12-02T00:00:00+00:00", 1) == [
        "2024-12-08T00:00:00+00:00"
    ]
    assert sessions("schedule:\n  weekly>: Mon-Fri,06:00:00\n", "2024-11-29T07:00:00+00:00", 2) == [
        "2024-12-02T00:00:00+00:00",
        "2024-12-03T00:00:00+00:00",
    ]


def test_monthly() -> None:
    assert runs("schedule:\n  monthly>: 1,09:00:00\n", "2024-01-15T00:00:00+00:00", 2) == [
        ("2024-02-01T00:00:00+00:00", "2024-02-01T09:00:00+00:00"),
        ("2024-03-01T00:00:00+00:00", "2024-03-01T09:00:00+00:00"),
    ]
    # day 31 skips the months that do not have one
    assert sessions("schedule:\n  monthly>: 31,00:00:00\n", "2024-01-31T01:00:00+00:00", 2) == [
        "2024-03-31T00:00:00+00:00",
        "2024-05-31T00:00:00+00:00",
    ]


def test_minutes_interval_restarts_every_hour() -> None:
    assert sessions("schedule:\n  minutes_interval>: 30\n", "2024-01-01T10:05:00+00:00") == [
        "2024-01-01T10:30:00+00:00",
        "2024-01-01T11:00:00+00:00",
        "2024-01-01T11:30:00+00:00",
    ]
    assert sessions("schedule:\n  minutes_interval>: 45\n", "2024-01-01T10:05:00+00:00") == [
        "2024-01-01T10:45:00+00:00",
        "2024-01-01T11:00:00+00:00",
        "2024-01-01T11:45:00+00:00",
    ]


def test_cron_session_is_the_run_and_delay_shifts_the_run() -> None:
    assert runs("schedule:\n  cron>: '42 4 1 * *'\n", "2024-01-01T05:00:00+00:00", 2) == [
        ("2024-02-01T04:42:00+00:00", "2024-02-01T04:42:00+00:00"),
        ("2024-03-01T04:42:00+00:00", "2024-03-01T04:42:00+00:00"),
    ]
    text = "schedule:\n  cron>: '0 * * * *'\n  delay: 600\n"
    assert runs(text, "2024-01-01T10:05:00+00:00", 2) == [
        ("2024-01-01T10:00:00+00:00", "2024-01-01T10:10:00+00:00"),
        ("2024-01-01T11:00:00+00:00", "2024-01-01T11:10:00+00:00"),
    ]


def test_seconds_interval_is_aligned_to_the_epoch() -> None:
    # 2024-01-01T00:00:00Z is 1704067200 = 7 * 243438171 + 3
    assert sessions("schedule:\n  seconds_interval>: 7\n", "2024-01-01T00:00:01+00:00") == [
        "2024-01-01T00:00:04+00:00",
        "2024-01-01T00:00:11+00:00",
        "2024-01-01T00:00:18+00:00",
    ]


def test_typed_form_and_at_option() -> None:
    text = "schedule:\n  _type: daily\n  _command: 01:02:03\n"
    assert runs(text, "2024-01-01T00:00:00+00:00", 1) == [
        ("2024-01-01T00:00:00+00:00", "2024-01-01T01:02:03+00:00")
    ]
    text = "schedule:\n  daily>:\n  at: 05:00:00\n"
    assert runs(text, "2024-01-01T06:00:00+00:00", 1) == [
        ("2024-01-02T00:00:00+00:00", "2024-01-02T05:00:00+00:00")
    ]


def test_out_of_range_fields_add_up() -> None:
    assert runs("schedule:\n  daily>: 25:00:00\n", "2024-01-01T00:00:00+00:00", 1) == [
        ("2023-12-31T00:00:00+00:00", "2024-01-01T01:00:00+00:00")
    ]


# ------------------------------------------------------------------------- time zones


NEW_YORK = "timezone: America/New_York\nschedule:\n"


def test_daily_delay_is_a_duration_across_dst() -> None:
    # 2024-03-10: clocks go 02:00 EST -> 03:00 EDT; midnight EST + 7 h is 08:00 EDT
    assert runs(NEW_YORK + "  daily>: 07:00:00\n", "2024-03-09T13:00:00+00:00") == [
        ("2024-03-10T00:00:00-05:00", "2024-03-10T08:00:00-04:00"),
        ("2024-03-11T00:00:00-04:00", "2024-03-11T07:00:00-04:00"),
        ("2024-03-12T00:00:00-04:00", "2024-03-12T07:00:00-04:00"),
    ]
    # 2024-11-03: clocks go 02:00 EDT -> 01:00 EST; midnight EDT + 2.5 h is 01:30 EST
    assert runs(NEW_YORK + "  daily>: 02:30:00\n", "2024-11-02T12:00:00+00:00", 2) == [
        ("2024-11-03T00:00:00-04:00", "2024-11-03T01:30:00-05:00"),
        ("2024-11-04T00:00:00-05:00", "2024-11-04T02:30:00-05:00"),
    ]


def test_cron_in_a_gap_moves_forward_and_in_an_overlap_takes_standard_time() -> None:
    assert sessions(NEW_YORK + "  cron>: '30 2 * * *'\n", "2024-03-09T12:00:00+00:00") == [
        "2024-03-10T03:30:00-04:00",
        "2024-03-11T02:30:00-04:00",
        "2024-03-12T02:30:00-04:00",
    ]
    assert sessions(NEW_YORK + "  cron>: '30 1 * * *'\n", "2024-11-02T12:00:00+00:00", 2) == [
        "2024-11-03T01:30:00-05:00",  # the second 01:30 (06:30Z), as GregorianCalendar
        "2024-11-04T01:30:00-05:00",
    ]
    berlin = "timezone: Europe/Berlin\nschedule:\n  cron>: '30 2 * * *'\n"
    assert sessions(berlin, "2024-03-30T12:00:00+00:00", 2) == [
        "2024-03-31T03:30:00+02:00",
        "2024-04-01T02:30:00+02:00",
    ]


def test_minutes_interval_through_fall_back() -> None:
    # cron4j searches the wall clock: 01:00 resolves to EST, so the EDT 01:xx slots are skipped
    assert sessions(NEW_YORK + "  minutes_interval>: 30\n", "2024-11-03T04:00:00+00:00", 4) == [
        "2024-11-03T00:00:00-04:00",
        "2024-11-03T00:30:00-04:00",
        "2024-11-03T01:00:00-05:00",
        "2024-11-03T01:30:00-05:00",
    ]


def test_fixed_offset_zone() -> None:
    assert sessions(
        "timezone: +09:00\nschedule:\n  daily>: 00:00:00\n", "2024-01-01T00:00Z", 1
    ) == ["2024-01-02T00:00:00+09:00"]


# ------------------------------------------------------------------------ start / end


def test_start_and_end_bound_the_runs() -> None:
    text = "schedule:\n  daily>: 07:00:00\n  start: 2024-02-10\n  end: 2024-02-12\n"
    assert sessions(text, "2024-01-01T00:00:00+00:00", 5) == [
        "2024-02-10T00:00:00+00:00",
        "2024-02-11T00:00:00+00:00",
        "2024-02-12T00:00:00+00:00",
    ]
    assert sessions(text, "2024-02-12T08:00:00+00:00", 5) == []


def test_end_compares_run_times_in_the_workflow_zone() -> None:
    # a run before `start` is replaced by the first session at or after it (the 10th, whose
    # run is on the 11th); the session of the 12th would run on the 13th: past the end
    text = (
        "timezone: Asia/Tokyo\nschedule:\n  daily>: 25:00:00\n"
        "  start: 2024-02-10\n  end: 2024-02-12\n"
    )
    assert runs(text, "2024-01-01T00:00:00+00:00", 5) == [
        ("2024-02-10T00:00:00+09:00", "2024-02-11T01:00:00+09:00"),
        ("2024-02-11T00:00:00+09:00", "2024-02-12T01:00:00+09:00"),
    ]


# ------------------------------------------------------------------------------ cron


def test_cron_lists_ranges_steps_and_names() -> None:
    # 2024-11-29 is a Friday
    text = "schedule:\n  cron>: '0 9-17/4 * * MON-FRI'\n"
    assert sessions(text, "2024-11-29T18:00:00+00:00", 4) == [
        "2024-12-02T09:00:00+00:00",
        "2024-12-02T13:00:00+00:00",
        "2024-12-02T17:00:00+00:00",
        "2024-12-03T09:00:00+00:00",
    ]
    assert sessions("schedule:\n  cron>: '15,45 * * JAN,jul *'\n", "2024-06-30T23:50:00+00:00") == [
        "2024-07-01T00:15:00+00:00",
        "2024-07-01T00:45:00+00:00",
        "2024-07-01T01:15:00+00:00",
    ]


def test_cron4j_quirks() -> None:
    wrap = "schedule:\n  cron>: '0 22-1 * * *'\n"
    assert sessions(wrap, "2024-01-01T03:00:00+00:00", 4) == [
        "2024-01-01T22:00:00+00:00",
        "2024-01-01T23:00:00+00:00",
        "2024-01-02T00:00:00+00:00",
        "2024-01-02T01:00:00+00:00",
    ]
    # `0-7` is Sunday alone (7 is read as 0)
    assert sessions("schedule:\n  cron>: '0 0 * * 0-7'\n", "2024-12-02T00:00Z", 2) == [
        "2024-12-08T00:00:00+00:00",
        "2024-12-15T00:00:00+00:00",
    ]
    # day of month AND day of week: Fridays the 13th
    assert sessions("schedule:\n  cron>: '0 0 13 * FRI'\n", "2024-01-01T00:00Z") == [
        "2024-09-13T00:00:00+00:00",
        "2024-12-13T00:00:00+00:00",
        "2025-06-13T00:00:00+00:00",
    ]
    assert sessions("schedule:\n  cron>: '0 0 L 2 *'\n", "2024-01-01T00:00Z", 2) == [
        "2024-02-29T00:00:00+00:00",
        "2025-02-28T00:00:00+00:00",
    ]
    assert sessions("schedule:\n  cron>: '0 8 * * *|30 20 * * *'\n", "2024-01-01T09:00Z") == [
        "2024-01-01T20:30:00+00:00",
        "2024-01-02T08:00:00+00:00",
        "2024-01-02T20:30:00+00:00",
    ]
    # every 20th value of the list 50..59, 0..30 (wrapping around): 50, 10, 30
    assert sessions("schedule:\n  cron>: '50-30/20 * * * *'\n", "2024-01-01T00:00Z") == [
        "2024-01-01T00:10:00+00:00",
        "2024-01-01T00:30:00+00:00",
        "2024-01-01T00:50:00+00:00",
    ]


def test_cron_errors() -> None:
    assert cron_error("0 0 * *") == (
        "it has 4 fields; write minute, hour, day-of-month, month, weekday"
    )
    assert cron_error("60 * * * *") == "minute field `60`: `60` is out of range 0-59"
    assert cron_error("0 0 * FOO *") == "month field `FOO`: `FOO` is not a number or a name"
    assert cron_error("*/0 * * * *") == "minute field `*/0`: step `0` must be at least 1"
    assert cron_error("- * * * *") == "minute field `-`: `-` has no values"
    assert cron_error("") == "the pattern is empty"
    assert cron_error("0 0 L * *") is None
    with pytest.raises(ScheduleError, match="never matches"):
        next_runs(
            schedule("schedule:\n  cron>: '0 0 30 2 *'\n"), dt.datetime(2024, 1, 1, tzinfo=UTC), 1
        )


def test_pattern_match() -> None:
    pattern = CronPattern.parse("*/15 9 * * 1-5")
    assert pattern.match(dt.datetime(2024, 12, 2, 9, 45))
    assert not pattern.match(dt.datetime(2024, 12, 1, 9, 45))  # Sunday


# ---------------------------------------------------------------- scheduler primitives


def test_last_and_next_session_of_a_session_time() -> None:
    daily = schedule("schedule:\n  daily>: 10:00:00\n")
    session = dt.datetime(2016, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert last_session(daily, session).session_time.isoformat() == "2016-01-02T00:00:00+00:00"
    following = next_run(daily, session)
    assert following is not None
    assert following.session_time.isoformat() == "2016-01-03T00:00:00+00:00"
    midnight = dt.datetime(2016, 1, 2, tzinfo=UTC)
    assert last_session(daily, midnight).session_time.isoformat() == "2016-01-01T00:00:00+00:00"


def test_first_run_is_the_first_run_time_at_or_after_now() -> None:
    daily = schedule("schedule:\n  daily>: 10:00:00\n")
    at = first_run(daily, dt.datetime(2016, 2, 3, 10, 0, 0, tzinfo=UTC))
    later = first_run(daily, dt.datetime(2016, 2, 3, 10, 0, 1, tzinfo=UTC))
    assert at is not None and later is not None
    assert at.session_time.isoformat() == "2016-02-03T00:00:00+00:00"
    assert later.session_time.isoformat() == "2016-02-04T00:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schedule:\n  weekly_x>: 1\n", "unknown scheduler type `weekly_x`"),
        ("schedule:\n  daily>: 7:00\n", "`daily>` requires hh:mm:ss format: `7:00`"),
        ("schedule:\n  weekly>: -1,00:00:00\n", "invalid day: -1"),
        ("schedule:\n  monthly>: x,00:00:00\n", "day,hh:mm:ss"),
        ("timezone: Mars/Olympus\nschedule:\n  daily>: 07:00:00\n", "unknown time zone"),
        ("schedule:\n  daily>: ${t}\n", "not evaluated"),
        ("schedule:\n  daily>: 07:00:00\n  start: 2024-02-30\n", "invalid start"),
        ("schedule:\n  daily>: 07:00:00\n  start: 2024-02-03\n  end: 2024-02-01\n", "earlier"),
        ("schedule:\n  minutes_interval>: 0\n", "whole number of minutes"),
    ],
)
def test_errors(text: str, message: str) -> None:
    wf = parse(text, None).workflow
    assert wf is not None
    with pytest.raises(ScheduleError, match=message):
        Schedule.from_workflow(wf)


def test_no_schedule() -> None:
    wf = parse("+t:\n  echo>: hi\n", None).workflow
    assert wf is not None
    assert Schedule.from_workflow(wf) is None
