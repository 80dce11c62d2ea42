"""A hand-built `OperatorContext` for calling an operator directly, in a tmp project dir."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digrun.operator import OperatorContext, Session

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z_0-9.]*)\}")


@dataclass
class DictSecrets:
    """Secrets from a plain dict."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def simple_render(params: dict[str, Any]) -> Callable[[str], str]:
    """A stand-in for the executor's template engine: `${name}` and `${a.b}` only."""

    def render(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            current: Any = params
            for part in match.group(1).split("."):
                current = current[part]
            return str(current)

        return _PLACEHOLDER.sub(value, text)

    return render


@dataclass
class Harness:
    """Builds contexts for one tmp project and keeps what the operators logged."""

    project: Path
    lines: list[str] = field(default_factory=list)

    def ctx(
        self,
        operator: str,
        command: Any = None,
        params: dict[str, Any] | None = None,
        *,
        secrets: dict[str, str] | None = None,
        workdir: str = "",
        state: dict[str, Any] | None = None,
        dry_run: bool = False,
    ) -> OperatorContext:
        all_params = dict(params or {})
        if command is not None:
            all_params.setdefault("_command", command)
        if workdir:
            all_params.setdefault("_workdir", workdir)
        return OperatorContext(
            task_name=f"+wf+{operator}",
            operator=operator,
            params=all_params,
            command=command,
            project_dir=self.project,
            workdir=self.project / workdir,
            session=Session(datetime(2024, 2, 29, tzinfo=UTC), "UTC"),
            secrets=DictSecrets(secrets or {}),
            log=self.lines.append,
            state=dict(state or {}),
            dry_run=dry_run,
            render=simple_render(all_params),
        )

    def write(self, name: str, text: str) -> Path:
        path = self.project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
