"""The project files an operator task names, from the `file_params` of its schema.

A reference is a literal relative path (or a `py>` dotted name, a `require>` workflow name):
`${...}` paths are only known at run time, remote URIs (`s3://`, `gs://`, `https://`) and
absolute paths are not project files, and output files (`download_file`) need not exist.
For `sh>` (a `heuristic` file param) only a command that clearly runs a file counts: its first
word when it is a relative path with an extension (`scripts/run.sh`, `./run.py`), or the
file an interpreter runs (`bash run.sh`, `python3 tasks/x.py`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from diglang.rules._operator_params import OperatorTask, is_null, value_span
from diglang.schemas import FileParamSpec
from diglang.source import Span
from diglang.values import Mapping, Scalar, Sequence, Template, Value

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_WORD = re.compile(r"\S+")
# Characters that make a shell word more than a plain path (quoting, globs, expansions...).
_SHELL_SPECIAL = re.compile(r"[$`*?~{}\[\]'\"\\;|&<>()=!#]")
INTERPRETERS = frozenset(
    {"sh", "bash", "zsh", "ksh", "dash", "python", "python2", "python3", "ruby", "perl",
     "Rscript", "node", "php"}
)  # fmt: skip
# `when` conditions of `file_params`, by their text in the schemas.
_WHEN: dict[str, Callable[[str], bool]] = {
    "always": lambda _: True,
    "string": lambda _: True,
    "not an s3:// URI": lambda _: True,  # every URI is skipped anyway
    "string ending in .yml or .yaml": lambda text: text.endswith((".yml", ".yaml")),
}


@dataclass(frozen=True, slots=True)
class FileRef:
    """`target` (as written) names a file of kind `kind`; `span` points at it."""

    node: Scalar
    span: Span
    target: str
    spec: FileParamSpec


def file_refs(ot: OperatorTask) -> Iterator[FileRef]:
    """Every input file the task names with a literal path."""
    for spec in ot.spec.file_params:
        if spec.direction != "input" or _elsewhere(ot, spec):
            continue
        value = param_value(ot, spec.param)
        if value is None:
            continue
        steps = spec.path.split(".")[1:] if spec.path else []
        for scalar in _at_path(value, steps):
            yield from _refs(scalar, spec)


def _elsewhere(ot: OperatorTask, spec: FileParamSpec) -> bool:
    """`require>` of another project names none of this project's files."""
    return spec.kind == "workflow_name" and any(
        ot.local(name) is not None for name in ("project_name", "project_id")
    )


def param_value(ot: OperatorTask, name: str) -> Value | None:
    """The value the operator reads for `name`: local or inherited, direct or nested default.

    A direct key anywhere in scope wins over a nested default (Digdag merges the params, then
    applies `td: {...}` as defaults). None when unset or hidden by a templated `_export`.
    """
    if name == "_command":
        return ot.local(name)
    sources = list(ot.sources(stand_ins=False))
    if None in sources:
        return None
    spaces = [ns.split(".") for ns in ot.spec.nested_defaults]
    for parts in [[], *spaces]:
        for mapping in sources:
            node: Value | None = mapping
            for part in [*parts, name]:
                node = node.get(part) if isinstance(node, Mapping) else None
            if not is_null(node):
                return node
    return None


def _at_path(value: Value, steps: list[str]) -> Iterator[Scalar]:
    if isinstance(value, Sequence):
        for item in value.items:
            yield from _at_path(item, steps)
    elif not steps:
        if isinstance(value, Scalar) and not isinstance(value, Template) and value.is_string:
            yield value
    elif isinstance(value, Mapping):
        child = value.get(steps[0].removesuffix("[]"))
        if child is not None:
            yield from _at_path(child, steps[1:])


def _refs(scalar: Scalar, spec: FileParamSpec) -> Iterator[FileRef]:
    text = scalar.text
    if spec.heuristic:
        for start, end in script_words(text):
            yield FileRef(scalar, value_span(scalar, start, end), text[start:end], spec)
        return
    when = _WHEN.get(spec.when)
    target = text.strip()
    if when is None or not target or not when(target) or _URI.match(target):
        return
    if os.path.isabs(target) or target.startswith("~"):
        return
    start = text.index(target)
    yield FileRef(scalar, value_span(scalar, start, start + len(target)), target, spec)


def script_words(command: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the file a shell command clearly runs, if any."""
    line = _first_line(command)
    if line is None:
        return
    offset, text = line
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if not words:
        return
    start, end, word = words[0]
    if os.path.basename(word) in INTERPRETERS and len(words) > 1:
        start, end, word = words[1]
        if word.startswith("-"):
            return
    elif "/" not in word:
        return
    if _plain_path(word):
        yield offset + start, offset + end


def _first_line(command: str) -> tuple[int, str] | None:
    offset = 0
    for line in command.splitlines(keepends=True):
        if line.strip():
            return offset, line
        offset += len(line)
    return None


def _plain_path(word: str) -> bool:
    """A relative path with an extension and nothing the shell would expand."""
    if _SHELL_SPECIAL.search(word) or word.startswith(("/", "-")) or _URI.match(word):
        return False
    base = os.path.basename(word)
    return bool(os.path.splitext(base)[1]) and not base.startswith(".")
