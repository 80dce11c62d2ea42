"""Workflows call each other in a cycle.

## What it does
Follows `call>` between the project's workflow files and reports a `call>` task that starts a
cycle, with the chain of files in the message. Targets containing `${...}` are skipped.

## Why
Digdag expands `call>` at run time, so a cycle is only noticed when the attempt hits the task
limit (`Too many tasks. Limit: 1000`) after creating hundreds of tasks.

## Example
```yaml
# ping.dig
+to_pong:
  call>: pong.dig
# pong.dig
+to_ping:
  call>: ping.dig
```

## Fix
Break the cycle: move the shared tasks into a third workflow that both call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Problem, rule
from diglang.values import Scalar


@rule("call-cycle", severity=Severity.ERROR)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report each `call>` of this file that leads back to it."""
    project = ctx.project
    path = ctx.path
    if project is None or path is None:
        return
    here = os.path.abspath(path)
    for found in project.call_cycles():
        ring = found[:-1]
        if here not in ring:
            continue
        start = ring.index(here)
        cycle = [*ring[start:], *ring[:start], here]
        nxt = cycle[1]
        for ref in project.references(here):
            cmd = ref.task.operator.command if ref.task.operator else None
            if ref.kind == "call" and ref.path == nxt and isinstance(cmd, Scalar):
                chain = " -> ".join(project.relpath(p) for p in cycle)
                message = (
                    f"`call>` cycle: {chain}; break it by moving the shared tasks into a "
                    "workflow both can call"
                )
                if len(cycle) == 2:
                    message = f"`{chain.split(' -> ')[0]}` calls itself; remove this `call>`"
                yield Problem(cmd.span, message, source=cmd.source)
