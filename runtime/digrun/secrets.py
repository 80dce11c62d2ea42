"""Secrets for `digrun run`: where they come from, `_secrets` grants, and masking.

A secret is looked up by its key (`pg.password`, `aws.s3.secret_access_key`, the `key` of
`${secret:key}`) in these places, the first one that has it wins:

1. the environment variable `DIGRUN_SECRET_<KEY>`, where `<KEY>` is the key upper-cased with
   every character that is not a letter or a digit replaced by `_` (`pg.password` is
   `DIGRUN_SECRET_PG_PASSWORD`; so `pg.password` and `pg_password` share a variable);
2. the project's `.digdag/secrets.yml`: a YAML mapping; nested mappings make dotted keys
   (`pg: {password: x}` is `pg.password`); values must be strings or numbers. `.digdag/`
   is where Digdag keeps local state and is normally git-ignored: keep it that way;
3. `secrets.<key>=value` entries of Digdag's local configuration file, as `digdag run` reads
   them: `$XDG_CONFIG_HOME/digdag/config` or `~/.config/digdag/config` (Java properties);
4. files `<digdag config dir>/secrets/<key>` (`~/.config/digdag/secrets/pg.password`); the
   file's content is the value, one trailing newline removed. `DIGDAG_CONFIG_HOME` replaces
   the `<config home>/digdag` directory for 3 and 4.

`_secrets` (a task's or its ancestors' `_export`) grants and remaps keys, as Digdag does:
`_secrets: {pg: {password: prod.pg.password}}` makes `pg.password` read the secret
`prod.pg.password`; a string value remounts the rest of the key (`_secrets: {aws: prod.aws}`
makes `aws.s3.secret` read `prod.aws.s3.secret`); `true` grants the key as it is. Digdag's
access policy (which operator may read which key) does not exist locally: every key is
readable.

Masking: every secret value that was read (and every value of sources 1 and 2, which are
loaded at once) is replaced by `***` in everything digrun shows or writes: the progress
output, the task logs, error messages and the state database's error column. A multi-line
value is also masked line by line (a PEM key printed by a script). Values shorter than
`MIN_MASKED` characters are not masked (masking `1` would hide every digit).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from diglang.parse import parse_file
from diglang.values import to_plain
from digrun.operator import Secrets

JSON = Any
ENV_PREFIX = "DIGRUN_SECRET_"
PROJECT_FILE = Path(".digdag") / "secrets.yml"
MASK = "***"
MIN_MASKED = 3


class SecretsError(Exception):
    """A secrets source cannot be read (an unreadable `.digdag/secrets.yml`)."""


class Masker:
    """Replaces known secret values by `***` (thread-safe; values can be added any time)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Mask `value` from now on (and each of its lines, if it has several)."""
        lines = value.splitlines()
        candidates = {value, value.strip(), *lines, *(line.strip() for line in lines)}
        new = {v for v in candidates if len(v) >= MIN_MASKED}
        with self._lock:
            if new <= self._values:
                return
            self._values |= new
            ordered = sorted(self._values, key=len, reverse=True)  # longest first
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def mask(self, text: str) -> str:
        """`text` with every known secret value replaced by `***`."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def mask_json(self, value: JSON) -> JSON:
        """A JSON-like value with every string masked."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self.mask_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask_json(v) for v in value]
        return value


def env_name(key: str) -> str:
    """The environment variable holding the secret `key` (`DIGRUN_SECRET_PG_PASSWORD`)."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", key).upper()


def digdag_config_dir(env: Mapping[str, str]) -> Path:
    """Digdag's local configuration directory (`~/.config/digdag`)."""
    if env.get("DIGDAG_CONFIG_HOME"):
        return Path(env["DIGDAG_CONFIG_HOME"])
    home = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(home) / "digdag"


def read_properties(path: Path) -> dict[str, str]:
    """A Java properties file, simply: `key=value` or `key: value` lines, `#`/`!` comments."""
    found: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return found
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        match = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _flatten(prefix: str, value: JSON, into: dict[str, str], where: Path) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), child, into, where)
        return
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise SecretsError(f"{where}: the secret `{prefix}` must be a string or a number")
    into[prefix] = str(value)


def read_yaml_mapping(
    path: Path, error: Callable[[str], Exception], not_mapping: str
) -> dict[str, JSON]:
    """A YAML file (with `!include`) holding a mapping, empty when it holds nothing; else
    `error("<path>: <first parse error>")` or `error("<path>: <not_mapping>")` is raised."""
    doc = parse_file(str(path))
    errors = [d for d in doc.diagnostics if d.severity.name == "ERROR"]
    if errors:
        raise error(f"{path}: {errors[0].message}")
    data = to_plain(doc.root) if doc.root is not None else {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: {not_mapping}")
    return data


def read_project_secrets(project_dir: Path) -> dict[str, str]:
    """The project's `.digdag/secrets.yml` as dotted keys (empty when there is none)."""
    path = project_dir / PROJECT_FILE
    if not path.is_file():
        return {}
    data = read_yaml_mapping(path, SecretsError, "expected a mapping of secret keys to values")
    found: dict[str, str] = {}
    _flatten("", data, found, path)
    return found


class LocalSecrets:
    """The `Secrets` of a local run (see the module docstring for the sources)."""

    def __init__(
        self,
        project_dir: Path,
        env: Mapping[str, str] | None = None,
        masker: Masker | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.masker = masker or Masker()
        self.config_dir = digdag_config_dir(self.env)
        self._project = read_project_secrets(project_dir)
        self._config: dict[str, str] | None = None
        for name, value in self.env.items():
            if name.startswith(ENV_PREFIX):
                self.masker.add(value)
        for value in self._project.values():
            self.masker.add(value)

    def get(self, key: str) -> str | None:
        """The secret `key`, or None; a value found is masked from now on."""
        value = self._lookup(key)
        if value is not None:
            self.masker.add(value)
        return value

    def _lookup(self, key: str) -> str | None:
        if not key or "*" in key or any(not part for part in key.split(".")):
            return None
        value = self.env.get(env_name(key))
        if value is not None:
            return value
        if key in self._project:
            return self._project[key]
        if self._config is None:
            props = read_properties(self.config_dir / "config")
            self._config = {
                k[len("secrets.") :]: v for k, v in props.items() if k.startswith("secrets.")
            }
        if key in self._config:
            return self._config[key]
        if "/" in key or key in (".", ".."):
            return None
        path = self.config_dir / "secrets" / key
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return None
        return text[:-1] if text.endswith("\n") else text

    def scoped(self, grants: JSON) -> Secrets:
        """The secrets a task with `_secrets: grants` sees (Digdag's remapping)."""
        if not isinstance(grants, dict) or not grants:
            return self
        return GrantedSecrets(self, grants)


class GrantedSecrets:
    """`_secrets` applied over another source (Digdag's `DefaultSecretProvider`)."""

    def __init__(self, base: LocalSecrets, grants: dict[str, JSON]) -> None:
        self.base = base
        self.grants = grants

    def get(self, key: str) -> str | None:
        return self.base.get(remap(self.grants, key))


def remap(grants: Mapping[str, JSON], key: str) -> str:
    """The key `key` reads under `_secrets: grants`."""
    segments = key.split(".")
    scope: Mapping[str, JSON] = grants
    for i, segment in enumerate(segments):
        node = scope.get(segment)
        if node is None:
            return key
        if isinstance(node, dict):
            if i + 1 >= len(segments):
                return key
            scope = node
            continue
        if isinstance(node, str):
            return ".".join([*node.split("."), *segments[i + 1 :]])
        return key  # `true` (or anything else): the key itself
    return key
