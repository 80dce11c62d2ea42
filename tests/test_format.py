"""`diglang.format`: the fixture cases (input → expected) and the API's edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import diglang.format as fmt_module
from diglang.format import (
    FormatError,
    FormatOptions,
    decode_source,
    format_bytes,
    format_text,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fmt"
_OPTIONS = re.compile(r"# options: (.*)\n")


def load_fixture(path: Path) -> tuple[str, str, FormatOptions]:
    """(input, expected output, options) of a `tests/fixtures/fmt/*.dig` case."""
    text = path.read_bytes().decode("utf-8")
    options = FormatOptions()
    match = _OPTIONS.match(text)
    if match:
        pairs = (item.split("=", 1) for item in match.group(1).split())
        options = FormatOptions(**{key: int(value) for key, value in pairs})
        text = text[match.end() :]
    source, found, expected = text.partition("\n# output\n")
    assert found, f"{path.name}: no `# output` line"
    return source + "\n", expected, options


def fixture_paths() -> list[Path]:
    """Every formatter fixture."""
    return sorted(FIXTURES.glob("*.dig"))


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    source, expected, options = load_fixture(path)
    assert format_text(source, options) == expected
    assert format_text(expected, options) == expected


def test_there_are_fixtures() -> None:
    assert len(fixture_paths()) >= 15


# -- line endings, BOM, end of file --------------------------------------------------------


def test_crlf_is_kept_consistently() -> None:
    assert format_text("a:\r\n    b: 1\r\nc:   2\n") == "a:\r\n  b: 1\r\nc: 2\r\n"


def test_lf_file_with_stray_crlf_becomes_lf() -> None:
    assert format_text("a: 1\nb: 2\r\n") == "a: 1\nb: 2\n"


def test_crlf_inside_block_scalar() -> None:
    text = "k: |\r\n    line one\r\n    line two\r\n"
    assert format_text(text) == "k: |\r\n  line one\r\n  line two\r\n"


def test_bom_is_kept() -> None:
    assert format_text("\ufeffa:\n    b: 1\n") == "\ufeffa:\n  b: 1\n"


def test_final_newline_is_added() -> None:
    assert format_text("a: 1") == "a: 1\n"
    assert format_text("a: 1\n\n\n") == "a: 1\n"


def test_block_scalar_at_end_without_newline_keeps_its_value() -> None:
    assert format_text("k: |\n    text") == "k: |-\n  text\n"
    assert format_text("k: >+\n    text") == "k: >-\n  text\n"
    assert format_text("k: |2\n    text") == "k: |2-\n    text\n"


def test_keep_scalar_at_end_keeps_its_blank_lines() -> None:
    assert format_text("k: |+\n    text\n\n\n") == "k: |+\n  text\n\n\n"


def test_empty_and_comment_only_documents() -> None:
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("\n  # a\n\n\n# b") == "# a\n\n# b\n"
    assert format_text("---\n") == "---\n"


def test_root_sequence_and_scalar() -> None:
    assert format_text("-   a\n-   b:   1\n") == "- a\n- b: 1\n"
    assert format_text("--- plain root\n") == "--- plain root\n"


def test_indentation_indicator_in_sequence() -> None:
    # `|1` is relative to the sequence, which moves from column 0 to 2: the text moves too.
    text = "list:\n-   |1\n      x\n"
    assert format_text(text) == "list:\n  - |1\n        x\n"


# -- what is never changed ------------------------------------------------------------------


def test_quoting_and_scalar_text_are_kept() -> None:
    text = "a: 'yes'\nb: \"0.5\"\nc: 0123\nd: ~\ne: 10:00:00\nf: ${x}\ng: a#b\n"
    assert format_text(text) == text


def test_key_order_is_kept() -> None:
    text = "+z:\n  sh>: a\n+a:\n  sh>: b\n+m:\n  sh>: c\n"
    assert format_text(text) == text


def test_unsupported_constructs_are_left_unchanged() -> None:
    complex_key = "? [a, b]\n:    1\nc:    2\n"
    assert format_text(complex_key) == complex_key
    odd_break = "a:    'x\u2028y'\n"
    assert format_text(odd_break) == odd_break


def test_recursive_alias_is_left_unchanged() -> None:
    text = "a: &x\n    b: *x\n"
    assert format_text(text) == text


# -- errors ---------------------------------------------------------------------------------


def test_yaml_error_reports_position() -> None:
    with pytest.raises(FormatError, match=r"^cannot format: .* at line 2, column \d+$"):
        format_text("a: 1\n  b: 2\n")


def test_binary_text_is_rejected() -> None:
    with pytest.raises(FormatError, match="file is not text"):
        format_text("a: 1\x00\n")


def test_non_utf8_is_rejected() -> None:
    with pytest.raises(FormatError, match="not valid UTF-8 at line 2, column 4"):
        decode_source(b"a: 1\nb: \xff\n")


def test_format_bytes() -> None:
    assert format_bytes("k:    é\n".encode()) == "k: é\n".encode()


def test_format_error_is_a_value_error() -> None:
    assert issubclass(FormatError, ValueError)


def test_bad_option() -> None:
    with pytest.raises(ValueError, match="indent"):
        FormatOptions(indent=1)


def test_safety_net_catches_changed_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt_module, "emit", lambda text, root, indent: "a: 2\n")
    with pytest.raises(FormatError, match="different data"):
        format_text("a: 1\n")


def test_safety_net_catches_lost_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt_module, "emit", lambda text, root, indent: "a: 1\n")
    with pytest.raises(FormatError, match="comment"):
        format_text("a: 1 # keep me\n")


def test_safety_net_catches_changed_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt_module, "emit", lambda text, root, indent: "a: true\n")
    with pytest.raises(FormatError, match="different data"):
        format_text("a: 'true'\n")


def test_safety_net_catches_reordered_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt_module, "emit", lambda text, root, indent: "b: 2\na: 1\n")
    with pytest.raises(FormatError, match="different data"):
        format_text("a: 1\nb: 2\n")
