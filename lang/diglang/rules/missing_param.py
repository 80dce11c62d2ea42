"""An operator task lacks a parameter its operator requires.

## What it does
Checks that every operator task gets what its operator cannot run without: a command where one
is needed (`echo>:` with nothing after it), required parameters (`to` for `mail>`, `_do` for
`for_each>`, `database` for `td>`...), and one of the alternatives an operator needs
(`_do` or `_else_do` for `if>`, a command or `bucket` and `key` for `s3_wait>`). A parameter
counts as given when the task sets it, or an `_export` of the task or of a task above it sets
it (including `!include`d files and nested defaults such as `_export: {td: {database: ...}}`).
Nothing is reported when the value could come from where we cannot look: a `${...}`-valued
`_export` or an `!include` that adds nothing (a stand-in), a `py>`/`rb>` task storing values,
a workflow that `call>`s or `require>`s this one, a secret or the server's configuration
(e.g. `pg>`'s `host`, `mail>`'s `from`), a `-p` param declared in the diglint config, or
`-p` params in general when the workflow's `${...}` read names it never defines.

## Why
Digdag checks parameters only when the task runs: the attempt fails halfway with
`Parameter 'database' is required but not set`, after every earlier task already ran.

## Example
```yaml
+notify:
  mail>: templates/report.txt
  subject: Daily report
```

## Fix
Add the parameter to the task, or to an `_export:` of a task above it so that every task
below gets it (`_export: {td: {database: analytics}}` for all `td>` tasks).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Workflow
from diglang.rule import INCLUDE_PROBLEMS, Context, Fixable, Problem, rule
from diglang.rules import undefined_variable
from diglang.rules._operator_params import OperatorTask, file_exists, operator_tasks, provided
from diglang.rules.undefined_variable import analyzer_for
from diglang.rules.unknown_top_level_key import suggest
from diglang.schemas import OperatorSpec
from diglang.scope import Analyzer, Scope
from diglang.source import Span

if TYPE_CHECKING:
    from diglang.project import Reference

# Secrets the operator reads only as an override: `TDOperator.fromConfig` reads the `database`
# param before it looks at the `td.database` secret, so the param is required anyway.
_OVERRIDE_ONLY_SECRETS = frozenset({"td.database"})
# Secrets that replace the command: `http>:` with no URI takes the secret `http.uri`.
_COMMAND_SECRETS = frozenset({"http.uri"})


@rule("missing-param", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report operator tasks that lack a required parameter no scope can provide."""
    if ctx.fragment or any(d.rule in INCLUDE_PROBLEMS for d in ctx.document.diagnostics):
        return  # a fragment's scope is its includer's; a failed include hides exports
    analyzer: Analyzer | None = None
    outside: bool | None = None
    for ot in operator_tasks(wf, ctx):
        for names, message, fix in _missing(ot, ctx):
            # Commands and `_do` bodies are the task's own business; other params may also
            # come from what earlier tasks store or from a calling workflow.
            if not all(n.startswith("_") for n in names):
                if analyzer is None:
                    analyzer = analyzer_for(ctx)
                    analyzer.run(wf, Scope())
                if outside is None:
                    outside = given_from_outside(ctx) or _reads_unknown_names(wf, ctx)
                if outside or analyzer.scope_of(ot.task).open:
                    continue
            yield Problem(ot.operator.span, message, fix, source=ot.operator.key.source)


Missing = tuple[tuple[str, ...], str, Fix | None]


def _missing(ot: OperatorTask, ctx: Context) -> list[Missing]:
    """(the params that would do, message) for everything the task lacks."""
    spec = ot.spec
    found: list[Missing] = []
    command = spec.command
    if (
        command
        and command.required
        and not (_has(ot, "_command", ctx) or _external(spec, "_command"))
    ):
        message = f"`{ot.key}` has no command; write it after `{ot.key}:`"
        found.append((("_command",), message, None))
    for name in spec.required:
        if not _has(ot, name, ctx) and not _external(spec, name):
            typo = _typo(ot, name)
            found.append(((name,), _message(ot, name, typo), _fix(ot, name, typo)))
    groups = spec.requires_any_of
    if groups and not any(all(_has(ot, n, ctx) or _external(spec, n) for n in g) for g in groups):
        names = tuple(n for g in groups for n in g)
        found.append((names, f"`{ot.key}` needs {_alternatives(ot)}", None))
    return found


def _has(ot: OperatorTask, name: str, ctx: Context) -> bool:
    if name in ctx.config.params:
        return True
    if name == "_command" and ot.local("_command") is not None:
        return True
    return provided(ot.sources(), name, ot.spec.nested_defaults)


def _external(spec: OperatorSpec, name: str) -> bool:
    """True when a secret or the server's config may provide `name`."""
    if name == "_command":
        return any(secret.key in _COMMAND_SECRETS for secret in spec.secrets)
    param = spec.params.get(name)
    if param is not None and param.default_note and "config." in param.default_note:
        return True
    for secret in spec.secrets:
        keys = (secret.key, *secret.fallbacks)
        if any(k.rsplit(".", 1)[-1] == name and k not in _OVERRIDE_ONLY_SECRETS for k in keys):
            return True
    return False


def _typo(ot: OperatorTask, name: str) -> str | None:
    """The task's one key that looks like a misspelling of `name`, if any."""
    if name.startswith("_"):
        return None
    typo = suggest(name, [e.key.text for e in ot.task.config.entries if e.key.is_string])
    return typo[0] if len(typo) == 1 else None


def _fix(ot: OperatorTask, name: str, typo: str | None) -> Fix | None:
    """Rename the misspelt key, or add `name: ` on a line of its own below the operator.

    Never safe: the value has to come from the user (the added key is left empty).
    """
    if name.startswith("_") or ot.task.config.entry(name) is not None:
        return None  # a command, or the key is there with no value: the user must write it
    if typo is not None:
        entry = ot.task.config.entry(typo)
        if entry is None or entry.key.source.slice(entry.key.span) != typo:
            return None  # quoted or escaped: not a plain rename
        return Fix(f"rename `{typo}` to `{name}`", (Edit(entry.key.span, name),), safe=False)
    key = ot.operator.key
    source = key.source
    index = source.index
    line = index.position(key.span.start).line
    line_start = index.line_start(line)
    indent = source.text[line_start : key.span.start]
    if indent.strip(" ") or ot.task.config.source is not source:
        return None  # a flow mapping (`{td>: q.sql}`) or a key from an included file
    entry = next((e for e in ot.task.config.entries if e.key is key), None)
    end = entry.value.span.end if entry is not None else key.span.end
    while end > key.span.end and source.text[end - 1] == "\n":
        end -= 1  # a block scalar's span ends after its last line break
    at = index.line_end(index.position(end).line)
    return Fix(f"add `{name}:` to the task", (Edit(Span(at, at), f"\n{indent}{name}: "),), False)


def _message(ot: OperatorTask, name: str, typo: str | None) -> str:
    message = f"`{ot.key}` requires `{name}`"
    if name.startswith("_"):
        return f"{message}; add it to the task"
    if typo is not None:
        return f"{message}; `{typo}` looks like a misspelling of it"
    where = "the task"
    if ot.spec.nested_defaults:
        where += f" or to an `_export:` above it (`{ot.spec.nested_defaults[0]}: {{{name}: ...}}`"
        where += " works too)"
    else:
        where += " or to an `_export:` above it"
    return f"{message}; add it to {where}"


def _alternatives(ot: OperatorTask) -> str:
    names = []
    for group in ot.spec.requires_any_of:
        shown = [f"a command (`{ot.key}: ...`)" if n == "_command" else f"`{n}`" for n in group]
        names.append(" and ".join(shown))
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _reads_unknown_names(wf: Workflow, ctx: Context) -> bool:
    """True when some `${...}` reads a name defined nowhere we can see.

    Such a workflow is run with parameters from elsewhere (`-p`, a caller, an includer that
    the project does not show), which may just as well hold the missing parameter.
    """
    run = undefined_variable.check.check
    return run is not None and any(True for _ in run(wf, ctx))


def given_from_outside(ctx: Context) -> bool:
    """True when another workflow may pass params in: it calls or requires this file."""
    project, path = ctx.project, ctx.path
    if project is None or path is None:
        return False
    path = os.path.abspath(path)
    if project.callers(path):
        return True
    return any(_may_reach(ctx, ref, other, path) for other, ref in project.all_references())


def _may_reach(ctx: Context, ref: Reference, caller: str, path: str) -> bool:
    home, folder, name = os.path.dirname(caller), os.path.dirname(path), os.path.basename(path)
    if ref.kind == "require":
        # `require>` starts a top-level workflow of the caller's project, maybe with `params`.
        same_project = folder == home or home.startswith(folder + os.sep)
        return same_project and (ref.path is None or ref.target in (name, name[:-4]))
    if ref.path is None:  # `call>: ${...}` reaches files below its literal prefix
        prefix = os.path.dirname(ref.target.split("${", 1)[0])
        return path.startswith(os.path.normpath(os.path.join(home, prefix)) + os.sep)
    # A call of a missing file with this file's name was probably meant to reach it.
    return os.path.basename(ref.path) == name and not file_exists(ctx, ref.path)
