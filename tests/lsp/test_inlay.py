"""Inlay hints: next schedule runs and static `${...}` values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lsprotocol import types

from diglang.source import Span
from diglsp.inlay import inlay_hints
from diglsp.workspace import Snapshot, snapshot_of
from lspclient import corpus_snapshots

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "inlay"
NOW = dt.datetime(2024, 11, 26, 12, 0, tzinfo=dt.UTC)


def fixture(name: str) -> Snapshot:
    path = FIXTURES / name
    return snapshot_of(path.read_text(), str(path))


def everything(snap: Snapshot) -> Span:
    return Span(0, len(snap.text))


def brief(hints: list[types.InlayHint]) -> list[tuple[int, int, str]]:
    out = []
    for hint in hints:
        assert isinstance(hint.label, str)
        assert hint.padding_left is True
        out.append((hint.position.line, hint.position.character, hint.label))
    return out


def tooltip(hint: types.InlayHint) -> str:
    assert isinstance(hint.tooltip, types.MarkupContent)
    return hint.tooltip.value


def test_daily_fixture() -> None:
    snap = fixture("daily.dig")
    hints = inlay_hints(snap, everything(snap), now=NOW)
    assert brief(hints) == [
        (3, 18, "next: Wed 11-27 07:00, Thu 11-28 07:00, Fri 11-29 07:00 (Asia/Tokyo)"),
        (7, 12, "= prod"),
        (8, 31, "= prod"),
        (12, 17, "= prod_analytics"),
        # `${1}` is a literal and `${session_date}` is only known at run time: no hint
        (15, 17, "= s3://warehouse-prod-raw-events-archive-…"),
        (15, 24, "= prod"),
    ]
    assert tooltip(hints[0]) == (
        "Next runs (Asia/Tokyo):\n\n"
        "- `2024-11-27T07:00:00+09:00` (session_time `2024-11-27T00:00:00+09:00`)\n"
        "- `2024-11-28T07:00:00+09:00` (session_time `2024-11-28T00:00:00+09:00`)\n"
        "- `2024-11-29T07:00:00+09:00` (session_time `2024-11-29T00:00:00+09:00`)"
    )
    assert tooltip(hints[4]) == (
        "`${bucket}` renders as:\n\n```text\n"
        "s3://warehouse-prod-raw-events-archive-2024/partitions\n```"
    )


def test_cron_fixture_with_start_date() -> None:
    snap = fixture("cron.dig")
    hints = inlay_hints(snap, everything(snap), now=NOW)
    assert brief(hints) == [
        (2, 32, "next: Mon 12-02 09:00, Mon 12-02 09:20, Mon 12-02 09:40 (America/New_York)")
    ]
    assert "session_time" not in tooltip(hints[0])  # cron sessions run on time


def test_only_hints_inside_the_span_and_toggles() -> None:
    snap = fixture("daily.dig")
    line12 = snap.source.index.line_start(12)
    hints = inlay_hints(snap, Span(line12, line12 + 40), now=NOW)
    assert brief(hints) == [(12, 17, "= prod_analytics")]
    assert brief(inlay_hints(snap, everything(snap), values=False, now=NOW)) == [
        (3, 18, "next: Wed 11-27 07:00, Thu 11-28 07:00, Fri 11-29 07:00 (Asia/Tokyo)")
    ]
    assert len(inlay_hints(snap, everything(snap), schedule=False, now=NOW)) == 5


def test_schedule_hint_shapes() -> None:
    text = "schedule:\n  _type: hourly\n  _command: 05:30\n  end: 2024-11-26\n"
    snap = snapshot_of(text, None)
    late = dt.datetime(2024, 11, 26, 23, 0, 30, tzinfo=dt.UTC)
    assert brief(inlay_hints(snap, everything(snap), now=late)) == [
        (2, 17, "next: Tue 11-26 23:05:30 (UTC)")  # the last run before `end` is over
    ]
    later = dt.datetime(2024, 11, 26, 23, 10, tzinfo=dt.UTC)
    assert brief(inlay_hints(snap, everything(snap), now=later)) == [
        (2, 17, "no more runs: the schedule has ended")
    ]
    snap = snapshot_of("schedule:\n  seconds_interval>: 90\n", None)
    assert brief(inlay_hints(snap, everything(snap), now=NOW)) == [
        (1, 23, "next: Tue 11-26 12:00:00, Tue 11-26 12:01:30, Tue 11-26 12:03:00 (UTC)")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "schedule:\n  daily>: 7:00\n",
        "schedule:\n  daily>: ${t}\n",
        "schedule:\n  nope>: 1\n",
        "schedule: daily\n",
        "timezone: Nowhere/Land\nschedule:\n  daily>: 07:00:00\n",
        "schedule:\n  cron>: '0 0 30 2 *'\n",
        "schedule:\n  daily>:\n",
    ],
)
def test_invalid_schedules_have_no_hint(text: str) -> None:
    snap = snapshot_of(text, None)
    assert inlay_hints(snap, everything(snap), now=NOW) == []


def test_values_need_exact_placeholders() -> None:
    text = '_export:\n  a: x\n+t:\n  echo>: "tab\\t${a}"\n  b: ${a}${a}\n  c: ${"lit"}\n'
    snap = snapshot_of(text, None)
    assert brief(inlay_hints(snap, everything(snap), now=NOW)) == [(4, 9, "= x"), (4, 13, "= x")]


def test_empty_and_multiline_values() -> None:
    text = '_export:\n  e: ""\n  m: "a\\nb"\n+t:\n  echo>: ${e}${m}\n'
    snap = snapshot_of(text, None)
    assert brief(inlay_hints(snap, everything(snap), now=NOW)) == [
        (4, 13, '= ""'),
        (4, 17, "= a⏎b"),
    ]


def test_corpus_never_raises() -> None:
    for snap in corpus_snapshots(3):
        text = snap.text
        lines = snap.source.index
        for hint in inlay_hints(snap, Span(0, len(text)), now=NOW):
            assert 0 <= hint.position.line <= lines.position(len(text)).line
            assert isinstance(hint.label, str) and hint.label
