"""`digfmt` over every real `.dig` file we have: the shared corpus and the formatter fixtures.

For every file that composes: no `FormatError`, idempotent, same ordered data, same comments in
order, canonical whitespace, and indent 2 → 4 → 2 gives the same text back. Files that do not
compose must raise `FormatError`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_format import fixture_paths, load_fixture
from test_format_invariants import assert_formats_well, normalized

from diglang.format import FormatError, FormatOptions, format_text
from diglang.yamlload import compose

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")


def corpus_paths() -> list[Path]:
    """Every `.dig` of `../shared/corpus` (`digdag/` and `realworld/`), or none if absent."""
    return sorted(CORPUS.rglob("*.dig")) if CORPUS.is_dir() else []


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS)) if path.is_relative_to(CORPUS) else path.name


def _check_file(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    _root, error = compose(normalized(text))
    if error is not None:
        with pytest.raises(FormatError, match=r"^cannot format: "):
            format_text(text)
        return
    once = assert_formats_well(text)
    assert_indent_round_trip(once)


def assert_indent_round_trip(formatted: str) -> None:
    """Re-indenting to 4 columns and back gives the same text: layout depends on structure only."""
    wide = format_text(formatted, FormatOptions(indent=4))
    assert format_text(wide, FormatOptions(indent=4)) == wide
    assert format_text(wide) == formatted


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
@pytest.mark.parametrize("path", corpus_paths(), ids=_id)
def test_corpus_file(path: Path) -> None:
    _check_file(path)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture_file_as_a_whole(path: Path) -> None:
    _check_file(path)


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture_input_invariants(path: Path) -> None:
    source, _expected, options = load_fixture(path)
    once = assert_formats_well(source)
    if options == FormatOptions():
        assert_indent_round_trip(once)


CANONICAL = [
    "timezone: UTC\n",
    "# only a comment\n",
    "+a:\n  sh>: echo a\n\n+b:\n  call>: b.dig\n",
    "_export:\n  list:\n    - a\n    - b: 1\n      c: 2\n  map: {a: 1}\n",
    "+t:\n  !include : t.dig\n",
    "+t:\n  sh>: |\n    echo 1\n\n    echo 2\n  _retry: 3 # retries\n",
    "a: &x\n  k: 1\nb: *x\nc:\n  <<: *x\n  d: 2\n",
    "schedule:\n  daily>: 07:00:00\n# trailing comment\n",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_text_is_unchanged(text: str) -> None:
    assert format_text(text) == text
