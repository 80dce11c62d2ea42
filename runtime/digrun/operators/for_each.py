"""`for_each>: {var: [values], ...}` runs `_do` once per combination of the values.

The first variable is the outermost loop; each copy exports the variables with their JSON
types. The mapping, or any of its lists, may be a JSON string (the result of `${...}`). Task
names are Digdag's: `+for-<i>=<key>=<j>=<value>` joined by `&`, key and value cut to 8
characters and URL-encoded (`+` as `%20`). Digdag's quirk is kept: an empty list before the
last variable is skipped, an empty last list gives no iterations.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from digrun.operator import ConfigError, OperatorContext, TaskResult
from digrun.operators._common import body, generated_group, listed, nested, with_export

JSON = Any
Choice = tuple[int, str, int, JSON]  # (variable index, name, value index, value)


class ForEach:
    name = "for_each"
    retry = False
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        do = body(ctx)
        variables = nested(ctx)
        entries = [(key, listed(variables, key)) for key in variables]
        count = 1
        for _, values in entries:
            count *= len(values)
            if count > ctx.task_limit:
                raise ConfigError(f"Too many for_each subtasks. Limit: {ctx.task_limit}")
        children: dict[str, JSON] = {}
        for combination in _combinations(entries):
            export = {name: value for _, name, _, value in combination}
            children[_task_name(combination)] = with_export(do, export)
        return TaskResult(subtask_config=generated_group(ctx, children))


def _combinations(entries: list[tuple[str, list[JSON]]]) -> list[list[Choice]]:
    current: list[list[Choice]] = []
    for i, (name, values) in enumerate(entries):
        if not current:
            current = [[(i, name, j, v)] for j, v in enumerate(values)]
        else:
            current = [[*seed, (i, name, j, v)] for seed in current for j, v in enumerate(values)]
    return current


def _task_name(combination: list[Choice]) -> str:
    parts = [f"{i}={_tag(name)}={j}={_tag(value)}" for i, name, j, value in combination]
    return "+for-" + "&".join(parts)


def _tag(value: JSON) -> str:
    raw = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    # Java's URLEncoder: like quote_plus, but `~` is encoded too; `+` is not a name character
    encoded = urllib.parse.quote_plus(raw[:8], safe="*").replace("~", "%7E")
    return encoded.replace("+", "%20")


OPERATOR = ForEach()
