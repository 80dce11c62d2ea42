"""The text renderer: carets line up under what they point at in a terminal."""

from __future__ import annotations

from diglang.diagnostics import Diagnostic, Severity
from diglang.render import render_text
from diglang.source import Source, Span


def _caret_lines(text: str, start: int, end: int) -> tuple[str, str]:
    source = Source("wf.dig", text)
    diag = Diagnostic("x", Severity.ERROR, Span(start, end), "m", "wf.dig")
    _, line, caret = render_text([diag], lambda _: source).splitlines()
    return line, caret


def test_wide_characters_take_two_columns() -> None:
    text = "+集計:\n  ech>: 日本語\n"
    line, caret = _caret_lines(text, 0, 3)
    assert (line, caret) == ("1 | +集計:", "  | ^^^^^")
    start = text.index("日")
    _, caret = _caret_lines(text, start, start + 3)
    assert caret == "  |         ^^^^^^"


def test_combining_marks_and_tabs() -> None:
    text = "k: e\u0301x\tz\n"  # `é` written as e + a combining accent
    start = text.index("x")
    line, caret = _caret_lines(text, start, start + 3)
    assert line == "1 | k: e\u0301x z"
    assert caret == "  |     ^^^"
