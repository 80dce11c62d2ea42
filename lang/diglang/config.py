"""diglint configuration: `[tool.diglint]` in pyproject.toml or a `.diglint.toml` file.

```toml
[tool.diglint]
select = ["ALL"]                 # rule ids (default: all)
ignore = ["unknown-param"]
params = ["env", "target_date"]  # variables passed with `digdag run -p` (undefined-variable)
plugin-schemas = ["schemas/"]    # JSON Schemas of the project's plugin operators
[tool.diglint.severity]
unknown-param = "error"          # error | warning | info | off
[tool.diglint.per-file-ignores]
"legacy/*.dig" = ["undefined-variable"]
```
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diglang.diagnostics import Severity

CONFIG_FILES = (".diglint.toml", "pyproject.toml")
SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


class ConfigError(ValueError):
    """A configuration file that cannot be used."""


@dataclass(frozen=True)
class Config:
    """Which rules run, how severe they are, and project facts the rules need."""

    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity | None] = field(default_factory=dict)  # None: off
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    params: frozenset[str] = frozenset()
    plugin_schemas: tuple[Path, ...] = ()
    root: Path | None = None  # the directory of the config file
    path: Path | None = None

    def enabled(self, rule_id: str, file: str | None = None) -> bool:
        """True when `rule_id` runs on `file`."""
        if self.select is not None and rule_id not in self.select:
            return False
        if rule_id in self.ignore or self.severity.get(rule_id, Severity.INFO) is None:
            return False
        if file is not None and self.per_file_ignores:
            rel = self._relative(file)
            for pattern, rules in self.per_file_ignores:
                if rule_id in rules and fnmatch.fnmatch(rel, pattern):
                    return False
        return True

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        """The configured severity of `rule_id`, else its default."""
        return self.severity.get(rule_id) or default

    def _relative(self, file: str) -> str:
        base = str(self.root) if self.root is not None else os.getcwd()
        return os.path.relpath(os.path.abspath(file), base).replace(os.sep, "/")


def find_config(start: Path) -> Path | None:
    """The nearest `.diglint.toml`, or `pyproject.toml` with `[tool.diglint]`, upwards."""
    directory = start if start.is_dir() else start.parent
    for folder in [directory.resolve(), *directory.resolve().parents]:
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool(candidate)):
                return candidate
    return None


def _has_tool(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return "diglint" in data.get("tool", {})


def load_config(path: Path) -> Config:
    """Read a config file; raises `ConfigError` with a message that says what to fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("diglint", {})
    return config_from_dict(data, path)


def _strings(data: dict[str, Any], key: str, where: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return value


def config_from_dict(data: dict[str, Any], path: Path) -> Config:
    """Build a `Config` from parsed TOML (the `[tool.diglint]` table)."""
    known = {"select", "ignore", "severity", "per-file-ignores", "params", "plugin-schemas"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting `{unknown[0]}`; known: {', '.join(sorted(known))}"
        )
    select = _strings(data, "select", path)
    severity: dict[str, Severity | None] = {}
    for rule_id, level in dict(data.get("severity", {})).items():
        if level == "off":
            severity[rule_id] = None
        elif level in SEVERITIES:
            severity[rule_id] = SEVERITIES[level]
        else:
            raise ConfigError(
                f"{path}: severity of `{rule_id}` must be error, warning, info or off, "
                f"not `{level}`"
            )
    per_file = tuple(
        (pattern, frozenset(rules))
        for pattern, rules in dict(data.get("per-file-ignores", {})).items()
    )
    root = path.parent
    return Config(
        select=None if not select or "ALL" in select else frozenset(select),
        ignore=frozenset(_strings(data, "ignore", path)),
        severity=severity,
        per_file_ignores=per_file,
        params=frozenset(_strings(data, "params", path)),
        plugin_schemas=tuple(root / p for p in _strings(data, "plugin-schemas", path)),
        root=root,
        path=path,
    )
