"""diglint configuration: `[tool.diglint]` in pyproject.toml or a `.diglint.toml` file.

```toml
[tool.diglint]
select = ["ALL"]                 # rule ids (default: all)
ignore = ["call-cycle"]
params = ["env", "target_date"]  # variables passed with `digdag run -p` (undefined-variable)
plugin-schemas = ["schemas/"]    # JSON Schemas of the project's plugin operators
[tool.diglint.severity]
invalid-task-name = "warning"    # error | warning | info | off
[tool.diglint.per-file-ignores]
"legacy/*.dig" = ["multiple-operators"]  # paths relative to this file; `*` spans folders
```
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from diglang.diagnostics import Severity

CONFIG_FILES = (".diglint.toml", "pyproject.toml")
KNOWN_SETTINGS = ("select", "ignore", "severity", "per-file-ignores", "params", "plugin-schemas")
ALL = "ALL"
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

    def with_options(self, select: Iterable[str] | None, ignore: Iterable[str]) -> Config:
        """This configuration with `--select` (replacing `select`) and `--ignore` (adding)."""
        config = self if select is None else replace(self, select=_selection(select))
        return replace(config, ignore=config.ignore | frozenset(ignore))

    def rule_ids(self) -> Iterator[tuple[str, Iterable[str]]]:
        """(setting, rule ids) of every setting that names rules."""
        yield "`select`", self.select or ()
        yield "`ignore`", self.ignore
        yield "`severity`", self.severity
        for pattern, rules in self.per_file_ignores:
            yield f"`per-file-ignores` `{pattern}`", rules

    def fingerprint(self) -> str:
        """A stable text of every setting that can change a result (for the cache)."""
        severity = {k: None if v is None else str(v) for k, v in self.severity.items()}
        data = {
            "select": None if self.select is None else sorted(self.select),
            "ignore": sorted(self.ignore),
            "severity": dict(sorted(severity.items())),
            "per_file_ignores": [[p, sorted(r)] for p, r in self.per_file_ignores],
            "params": sorted(self.params),
            "plugin_schemas": [str(p) for p in self.plugin_schemas],
            "root": str(self.root) if self.root is not None else os.getcwd(),
        }
        return json.dumps(data, sort_keys=True)

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
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: `tool.diglint` must be a table")
    return config_from_dict(data, path)


def _strings(value: object, what: str, where: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {what} must be a list of strings")
    return value


def _table(data: dict[str, Any], key: str, where: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key}` must be a table (`[tool.diglint.{key}]`)")
    return value


def _severities(table: dict[str, Any], where: Path) -> dict[str, Severity | None]:
    severity: dict[str, Severity | None] = {}
    for rule_id, level in table.items():
        if level == "off":
            severity[rule_id] = None
        elif isinstance(level, str) and level in SEVERITIES:
            severity[rule_id] = SEVERITIES[level]
        else:
            raise ConfigError(
                f'{where}: severity of `{rule_id}` must be "error", "warning", "info" '
                f'or "off", not {level!r}'
            )
    return severity


def config_from_dict(data: dict[str, Any], path: Path) -> Config:
    """Build a `Config` from parsed TOML (the `[tool.diglint]` table)."""
    unknown = sorted(set(data) - set(KNOWN_SETTINGS))
    if unknown:
        hint = ""
        if "tool" in unknown:
            hint = " (in .diglint.toml, write the settings at the top level)"
        raise ConfigError(
            f"{path}: unknown setting `{unknown[0]}`{hint}; known: {', '.join(KNOWN_SETTINGS)}"
        )
    select = data.get("select")
    per_file = tuple(
        (pattern, frozenset(_strings(rules, f"per-file-ignores `{pattern}`", path)))
        for pattern, rules in _table(data, "per-file-ignores", path).items()
    )
    root = path.parent
    return Config(
        select=_selection(None if select is None else _strings(select, "`select`", path)),
        ignore=frozenset(_strings(data.get("ignore", []), "`ignore`", path)),
        severity=_severities(_table(data, "severity", path), path),
        per_file_ignores=per_file,
        params=frozenset(_strings(data.get("params", []), "`params`", path)),
        plugin_schemas=tuple(
            root / p for p in _strings(data.get("plugin-schemas", []), "`plugin-schemas`", path)
        ),
        root=root,
        path=path,
    )


def _selection(ids: Iterable[str] | None) -> frozenset[str] | None:
    """None (every rule) for no selection or one that names `ALL`."""
    if ids is None:
        return None
    chosen = frozenset(ids)
    return None if ALL in chosen else chosen


def check_rule_ids(config: Config, known: Iterable[str]) -> None:
    """Raise `ConfigError` naming the first rule id the configuration uses that does not exist."""
    valid = set(known)
    where = f"{config.path}: " if config.path is not None else ""
    for setting, ids in config.rule_ids():
        for rule_id in sorted(set(ids) - valid - {ALL}):
            raise ConfigError(where + unknown_rule(rule_id, valid, f" in {setting}"))


def unknown_rule(rule_id: str, known: Iterable[str], where: str = "") -> str:
    """The message for a rule id that does not exist, with the closest one that does."""
    close = difflib.get_close_matches(rule_id, sorted(known), n=1)
    hint = f"did you mean `{close[0]}`?" if close else "`diglint --rules` lists them"
    return f"unknown rule `{rule_id}`{where}; {hint}"
