"""`parse()`: text → `Document(source, workflow | None, diagnostics)`; never raises on input."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from diglang.diagnostics import Diagnostic, Severity
from diglang.loader import FileReader, LoadContext, load_root, read_file
from diglang.nodes import Workflow
from diglang.perf import without_gc
from diglang.source import Source, Span
from diglang.values import Mapping, Value, type_name
from diglang.workflow import build_workflow

MAX_FILE_CHARS = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Document:
    """A parsed file: its source, the workflow (None if unusable) and syntax diagnostics.

    `sources` holds every file read while loading (the file itself and its includes), by path.
    """

    source: Source
    workflow: Workflow | None
    diagnostics: tuple[Diagnostic, ...]
    root: Value | None = None
    includes: tuple[str, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when parsing found no error."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def source_of(self, path: str | None) -> Source:
        """The source a diagnostic's path refers to (this file when None)."""
        if path is None or path == self.source.path:
            return self.source
        return self.sources.get(path, self.source)


def workflow_name(path: str | None) -> str:
    """Digdag's workflow name: the file name without `.dig`."""
    if path is None:
        return "workflow"
    base = os.path.basename(path)
    return base[:-4] if base.endswith(".dig") else base


@without_gc
def parse(
    text: str,
    path: str | None = None,
    *,
    loader: FileReader | None = None,
    name: str | None = None,
) -> Document:
    """Parse a workflow file; `loader` reads included files (default: the file system)."""
    source = Source(path, text)
    ctx = LoadContext(loader or read_file)
    if path is not None:
        ctx.stack.append(os.path.normpath(os.path.abspath(path)))
    if len(text) > MAX_FILE_CHARS:
        ctx.report("yaml-syntax", Span(0, 0), f"file is too large ({len(text)} characters)", source)
        return Document(source, None, tuple(ctx.diagnostics))
    root = load_root(source, ctx)
    if root is None and ctx.diagnostics and ctx.diagnostics[0].rule == "yaml-syntax":
        root = _recover(source, ctx)
    workflow = None
    if isinstance(root, Mapping):
        workflow = build_workflow(name or workflow_name(path), source, root)
        ctx.diagnostics.extend(ctx.expression_errors)
    elif not any(d.rule == "yaml-syntax" for d in ctx.diagnostics):
        _not_a_mapping(source, root, ctx)
    diagnostics = tuple(sorted(ctx.diagnostics, key=Diagnostic.sort_key))
    return Document(
        source,
        workflow,
        diagnostics,
        root,
        tuple(ctx.includes),
        {source.path or "": source, **ctx.sources},
    )


def parse_file(
    path: str,
    *,
    loader: FileReader | None = None,
    name: str | None = None,
    previous: Document | None = None,
) -> Document:
    """Read and parse a file; unreadable or non-UTF-8 files give a diagnostic, not an error.

    `previous`, the file's document before an edit, lets an unchanged part be reused.
    """
    read = loader or read_file
    try:
        text = read(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        source = Source(path, "")
        diag = Diagnostic(
            "io-error", Severity.ERROR, Span(0, 0), f"cannot read file: {reason}", path
        )
        return Document(source, None, (diag,))
    if previous is not None and previous.source.path == path:
        from diglang.incremental import reparse  # it builds on this module

        return reparse(previous, text, loader=loader, name=name)
    return parse(text, path, loader=loader, name=name)


def _recover(source: Source, ctx: LoadContext) -> Value | None:
    """After a YAML error, build what the lines before the error give (for editors)."""
    offset = ctx.diagnostics[0].span.start
    cut = source.text.rfind("\n", 0, offset)
    for _ in range(3):
        if cut <= 0:
            break
        scratch = LoadContext(ctx.reader, stack=list(ctx.stack))
        # only whether the prefix loads matters here, not why it does not
        root = load_root(source, scratch, text=source.text[: cut + 1], explain=False)
        if root is not None:
            # keep what the partial tree points into; its diagnostics would repeat the error
            ctx.sources.update(scratch.sources)
            ctx.includes.extend(scratch.includes)
            ctx.expression_errors.extend(scratch.expression_errors)
            return root
        cut = source.text.rfind("\n", 0, cut)
    return None


def _not_a_mapping(source: Source, root: Value | None, ctx: LoadContext) -> None:
    if root is None:
        message = "the file is empty; a workflow is a mapping of tasks such as `+task: {echo>: hi}`"
        span = Span(0, 0)
    else:
        message = f"the top level must be a mapping (`key: value` lines), not {type_name(root)}"
        span = root.span
    ctx.report("invalid-document", span, message, source)
