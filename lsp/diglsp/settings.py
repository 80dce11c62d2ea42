"""Client settings: `initializationOptions` or the `digdag` section of the configuration.

```json
{"lint": {"select": ["..."] | null, "ignore": ["..."], "debounceMs": 100},
 "inlayHints": {"schedule": true, "values": true}}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diglang.config import Config


@dataclass
class Settings:
    """Client settings (initializationOptions or the `digdag` configuration section)."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    debounce_ms: int = 100
    schedule_hints: bool = True
    value_hints: bool = True

    @classmethod
    def parse(cls, data: object) -> Settings:
        """Settings from client JSON; unknown or ill-typed values keep their defaults."""
        if not isinstance(data, dict):
            return cls()
        section: dict[str, Any] = data["digdag"] if isinstance(data.get("digdag"), dict) else data
        lint_ = section.get("lint") if isinstance(section.get("lint"), dict) else {}
        hints = section.get("inlayHints") if isinstance(section.get("inlayHints"), dict) else {}
        assert isinstance(lint_, dict) and isinstance(hints, dict)
        settings = cls()
        select = lint_.get("select")
        if isinstance(select, list) and all(isinstance(s, str) for s in select):
            settings.select = select
        ignore = lint_.get("ignore")
        if isinstance(ignore, list) and all(isinstance(s, str) for s in ignore):
            settings.ignore = ignore
        debounce = lint_.get("debounceMs")
        if isinstance(debounce, int) and not isinstance(debounce, bool) and 0 <= debounce <= 5000:
            settings.debounce_ms = debounce
        if isinstance(hints.get("schedule"), bool):
            settings.schedule_hints = hints["schedule"]
        if isinstance(hints.get("values"), bool):
            settings.value_hints = hints["values"]
        return settings

    def overrides(self) -> Config | None:
        """The rule selection as a config overlay (None: the config files decide)."""
        if self.select is None and not self.ignore:
            return None
        return Config(
            select=frozenset(self.select) if self.select is not None else None,
            ignore=frozenset(self.ignore),
        )
