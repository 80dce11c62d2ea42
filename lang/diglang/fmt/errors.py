"""Exceptions of the formatter."""

from __future__ import annotations


class FormatError(ValueError):
    """The text cannot be formatted (bad YAML, binary, or a formatter bug caught by checks)."""


class Unsupported(Exception):
    """A construct the emitter does not rewrite; `format_text` then returns the text unchanged."""
