"""Read a workflow file for running: diglang's parse (with `!include`s), errors refused.

`digrun run` reads the workflow it runs this way, and `call>` the file it calls: a YAML,
include or duplicate-key error, or a top level that is not a mapping, stops there with the
first error and its line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from diglang.parse import Document, parse_file
from diglang.values import to_plain

JSON = Any


class WorkflowFileError(Exception):
    """The file cannot be loaded; the message names it, with a line when there is one."""


def read_workflow(path: Path, shown: str) -> tuple[Document, dict[str, JSON]]:
    """The parsed file and its config as plain data; `shown` is how messages name it."""
    doc = parse_file(str(path))
    errors = [d for d in doc.diagnostics if d.severity.name == "ERROR"]
    if errors:
        first = errors[0]
        where = doc.source_of(first.path)
        line = where.index.position(first.span.start).line + 1
        name = shown if first.path in (None, str(path)) else os.path.basename(first.path or "")
        raise WorkflowFileError(f"{name}:{line}: {first.message}")
    config = to_plain(doc.root)
    if not isinstance(config, dict) or doc.workflow is None:
        raise WorkflowFileError(f"{shown}: the top level must be a mapping of tasks")
    return doc, config
