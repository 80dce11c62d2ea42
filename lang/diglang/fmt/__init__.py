"""Internals of `digfmt`; the public API is `diglang.format` (`format_text`, `FormatOptions`).

Modules: `errors` (exceptions), `text` (gaps between nodes: comments, blank lines, syntax),
`scalars` (re-indenting scalar and flow-collection source slices), `emit` (the block-structure
walk that writes the canonical text) and `verify` (the safety net run on every result).
"""
