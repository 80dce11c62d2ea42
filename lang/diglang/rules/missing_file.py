"""A task names a project file that does not exist.

## What it does
Resolves the files a workflow names, the way Digdag does, and reports the missing ones:
`!include : file` targets (found by the parser, relative to the including file), `call>` targets
(`.dig` is appended when missing), `require>` workflows (`<name>.dig` in the
project), query and template files (`td>`, `pg>`, `redshift>`, `bq>`, `mail>`, `embulk>`,
`td_load>` configs...), `mail>` attachments, `rb>` `require:` files, `py>` modules
(`tasks.etl.run` → `tasks/etl.py` or `tasks/etl/__init__.py`) and the script a `sh>`
command runs (`scripts/load.sh`, `python3 tasks/x.py`). Paths are relative to the working
directory: the directory of the workflow file (which is the project root for top-level
workflows, and the called file's own directory for files reached by `call>`), plus `_workdir`.
Tasks of `!include`d files resolve against the including workflow's directory. Paths with
`${...}`, remote URIs and output files (`download_file`) are not checked. A `py>` module or a
`rb>` feature that is not in the project at all is only a warning: it may be installed where
the task runs.

## Why
Digdag opens these files only when the task runs, so a typo or a file that was never committed
fails the attempt halfway with `File not found`, `No module named ...` or a shell error.

## Example
```yaml
+load:
  td>: queries/laod.sql
+child:
  call>: workflows/child
```

## Fix
Fix the path (the message suggests a close existing file), add the file to the project, or
check the working directory (`_workdir`, or where the workflow file lives).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from diglang.diagnostics import Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Problem, rule
from diglang.rules._file_refs import FileRef, file_refs
from diglang.rules._operator_params import (
    OperatorTask,
    file_exists,
    mentions,
    nearest,
    operator_tasks,
)
from diglang.values import Mapping, Scalar, Template

_NOUNS = {
    "workflow": "workflow file",
    "query": "query file",
    "script": "script",
    "mail_body": "mail body file",
    "attachment": "attachment",
    "embulk_config": "embulk config",
    "bulk_load_config": "load config",
    "bq_schema": "schema file",
    "ruby_script": "ruby file",
}
_PY_EXTENSIONS = (".py", ".pyc", ".so", ".pyd")


@dataclass
class _Files:
    """Existence checks: the disk, then the project's loader (editor buffers, test doubles)."""

    ctx: Context
    root: str

    def exists(self, path: str) -> bool:
        """True for a file or directory on disk, or a file the project's loader can read."""
        return file_exists(self.ctx, path)

    def read(self, path: str) -> str | None:
        """The text of a file (through the project's loader), or None."""
        loader = self.ctx.project.loader if self.ctx.project is not None else None
        try:
            if loader is not None:
                return loader(path)
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except Exception:
            return None

    def shown(self, directory: str) -> str:
        return self.ctx.cached(("missing-file:shown", directory), lambda: self._shown(directory))

    def _shown(self, directory: str) -> str:
        rel = os.path.relpath(directory, self.root).replace(os.sep, "/")
        return "./" if rel == "." else rel + "/"


@rule("missing-file", severity=Severity.ERROR)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report files named by operator tasks that do not exist in the working directory."""
    if ctx.fragment or ctx.path is None:
        return  # an included fragment's files resolve in its includer's working directory
    path = os.path.abspath(ctx.path)
    base = ctx.project.workdir(path) if ctx.project is not None else os.path.dirname(path)
    files = _Files(ctx, ctx.project.root if ctx.project is not None else base)
    for ot in operator_tasks(wf, ctx):
        refs = list(file_refs(ot))
        workdir = _workdir(ot, wf, base, ctx) if refs else None
        if workdir is None:
            continue
        for ref in refs:
            problem = _resolve(ref, workdir, files)
            if problem is not None:
                yield problem


def _workdir(ot: OperatorTask, wf: Workflow, base: str, ctx: Context) -> str | None:
    """Working directory of the task; None when `_workdir` is dynamic or ambiguous."""
    value, certain = nearest(ot.sources(stand_ins=False), "_workdir")
    if not certain:
        return None
    if value is None:
        return base
    if not isinstance(value, Scalar) or isinstance(value, Template) or not value.is_string:
        return None
    top = wf.export.get("_workdir") if isinstance(wf.export, Mapping) else None
    called = ctx.project is not None and ctx.path is not None and ctx.project.callers(ctx.path)
    if value is not top and called:
        return None  # a nested `_workdir` of a called file is relative to the caller's root
    return os.path.normpath(os.path.join(base, value.text))


def _resolve(ref: FileRef, workdir: str, files: _Files) -> Problem | None:
    kind = ref.spec.kind
    if kind == "python_module":
        return _python(ref, workdir, files)
    if kind == "workflow_name":
        return _workflow_name(ref, workdir, files)
    target = ref.target
    suffix = ref.spec.suffix
    if suffix and not target.endswith(suffix):
        target += suffix
    full = os.path.normpath(os.path.join(workdir, target))
    if files.exists(full):
        return None
    noun = _NOUNS.get(kind, "file")
    message = f"{noun} `{target}` does not exist (relative to `{files.shown(workdir)}`)"
    severity = None
    if kind == "ruby_script" and "/" not in ref.target:
        severity = Severity.WARNING  # `-r name` also loads gems and the standard library
        message += f"; fine if `{ref.target}` is a gem installed where the task runs"
    else:
        message += _did_you_mean(target, full, workdir, files)
    return Problem(ref.span, message, source=ref.node.source, severity=severity)


def _did_you_mean(target: str, full: str, workdir: str, files: _Files) -> str:
    """A close existing file in the same folder; for workflows, the same name elsewhere."""
    key = ("missing-file:did-you-mean", target, full, workdir)
    return files.ctx.cached(key, lambda: _find_close(target, full, workdir, files))


def _find_close(target: str, full: str, workdir: str, files: _Files) -> str:
    folder = os.path.dirname(full)
    try:
        names = sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)))
    except OSError:
        names = []
    if full.endswith(".dig"):
        names = [n for n in names if n.endswith(".dig")]
    close = difflib.get_close_matches(os.path.basename(full), names, n=1, cutoff=0.75)
    if close:
        head = os.path.dirname(target)
        return f"; did you mean `{head + '/' if head else ''}{close[0]}`?"
    if full.endswith(".dig") and files.ctx.project is not None:
        same = [
            p
            for p in files.ctx.project.dig_files()
            if os.path.basename(p) == os.path.basename(full)
        ]
        if len(same) == 1:
            return f"; did you mean `{os.path.relpath(same[0], workdir).replace(os.sep, '/')}`?"
    return ""


def _workflow_name(ref: FileRef, workdir: str, files: _Files) -> Problem | None:
    """`require>: name` needs `name.dig` among the project's top-level workflows."""
    name = ref.target
    if name.endswith(".dig"):
        stem = name[:-4]
        message = f"workflow `{name}` does not exist: `require>` takes a name without `.dig`"
        if files.exists(os.path.join(workdir, name)):
            message += f"; write `{stem}`"
        return Problem(ref.span, message, source=ref.node.source)
    for folder in _up_to_root(workdir, files.root):
        if files.exists(os.path.join(folder, name + ".dig")):
            return None
    message = f"workflow `{name}` does not exist: there is no `{name}.dig` in the project"
    hint = _did_you_mean(name + ".dig", os.path.join(workdir, name + ".dig"), workdir, files)
    return Problem(ref.span, message + hint.replace(".dig`?", "`?"), source=ref.node.source)


def _up_to_root(folder: str, root: str) -> Iterator[str]:
    """`folder` and its parents up to `root` (each could be the Digdag project's root)."""
    yield folder
    while folder != root and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        if not (folder + os.sep).startswith(root + os.sep) and folder != root:
            return
        yield folder


def _python(ref: FileRef, workdir: str, files: _Files) -> Problem | None:
    """`py>: a.b.func` imports `a.b` (or `a` with class `b`) with the workdir on sys.path."""
    command = ref.target
    if "/" in command or (command.endswith(".py") and command.count(".") == 1):
        message = (
            f"`{command}` is a file path, but `py>` takes a dotted callable "
            "such as `scripts.module.function`"
        )
        return Problem(ref.span, message, source=ref.node.source)
    parts = command.split(".")
    if len(parts) < 2 or not all(parts):
        return None  # not a callable path Digdag can import; another rule's business
    if _module_exists(workdir, parts[:-1], files) or parts[0] in _stdlib():
        return None
    if len(parts) > 2 and _defines(workdir, parts[:-2], parts[-2], files) is not False:
        return None  # `module.Class.method`
    expected = "/".join(parts[:-1])
    where = f"(relative to `{files.shown(workdir)}`)"
    message = (
        f"python module `{'.'.join(parts[:-1])}` of `{command}` not found: "
        f"no `{expected}.py` or `{expected}/__init__.py` {where}"
    )
    if len(parts) > 2 and parts[-2][:1].isupper() and _module_exists(workdir, parts[:-2], files):
        module = ".".join(parts[:-2])
        message = (
            f"`{command}` not found: module `{module}` does not define `{parts[-2]}`, and there "
            f"is no `{expected}.py` or `{expected}/__init__.py` {where}"
        )
    severity = None
    if not _module_exists(workdir, parts[:1], files):
        severity = Severity.WARNING
        message += f"; fine if `{parts[0]}` is installed where the task runs"
    else:
        message += _module_suggestion(workdir, parts)
    return Problem(ref.span, message, source=ref.node.source, severity=severity)


def _module_suggestion(workdir: str, parts: list[str]) -> str:
    folder = os.path.join(workdir, *parts[:-2])
    try:
        entries = os.listdir(folder)
    except OSError:
        return ""
    names = [n[:-3] if n.endswith(".py") else n for n in entries if not n.startswith(".")]
    close = difflib.get_close_matches(parts[-2], sorted(names), n=1, cutoff=0.75)
    if not close:
        return ""
    return f"; did you mean `{'.'.join([*parts[:-2], close[0], parts[-1]])}`?"


def _module_exists(workdir: str, parts: list[str], files: _Files) -> bool:
    base = os.path.join(workdir, *parts)
    if os.path.isdir(base) or files.exists(os.path.join(base, "__init__.py")):
        return True
    return any(files.exists(base + ext) for ext in _PY_EXTENSIONS)


def _defines(workdir: str, parts: list[str], name: str, files: _Files) -> bool | None:
    """Whether module `parts` mentions `name` (None: no readable, non-empty source)."""
    base = os.path.join(workdir, *parts)
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        text = files.read(path)
        # An empty text only counts from disk: test doubles stand in for files with "".
        if text is not None and (text.strip() or os.path.isfile(path)):
            return mentions([text], name)
        if files.exists(path):
            return None
    # Only a namespace package (a bare directory) or compiled code is left: a namespace
    # package has no attributes, compiled code we cannot read.
    compiled = any(files.exists(base + ext) for ext in _PY_EXTENSIONS)
    return None if compiled else False


def _stdlib() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names)
