"""The on-disk cache of `diglint` results, and the file reads it is keyed on.

One JSON file per project root, in `$DIGLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/diglint`, else
`~/.cache/diglint` (outside the project: nothing to ignore in git, works on read-only checkouts).
A stored result is reused only while all of these are unchanged:

- the settings key: the cache format, the digkit code (a fingerprint of the installed package
  files, which changes with every release and with every edit of an editable install), the
  effective configuration and the plugin schema files;
- the project listing: the names of the files below the root (rules look at which workflows
  exist and where `call>` leads);
- the bytes of every file read to lint the file: itself and everything it `!include`s,
  including includes that could not be read (so creating a missing include invalidates);
- the bytes of every file a rule read from other workflows (the `call>` graph): a change there
  invalidates every result of the project;
- whether another file includes the file (it is then checked as a fragment).

JSON, not pickle: a cache file must never be able to run code. This module imports nothing
heavy, so a run whose results are all cached does not load the parser.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diglang.config import Config
from diglang.diagnostics import Diagnostic, Edit, Fix, Severity
from diglang.source import Span

FORMAT = 1
# Recorded instead of a digest when all that mattered is that a file cannot refer to another
# workflow (see `FileReads.may_refer`): it can then change without affecting other results.
NO_REFERENCES = "no-references"
# What a reference needs: `call>`, `require>`, `_type: call`, or a tag or escape to spell one.
_MAY_REFER = re.compile(rb"call|require|%TAG|\\")
# An `!include` key on a line of its own, with a file name we can read without a YAML parser.
_INCLUDE = re.compile(
    rb"^[ \t]*(?:-[ \t]+)?!include[ \t]*:[ \t]*([\w.][\w./-]*|'[^'\n]*'|\"[^\"\n]*\")"
    rb"[ \t\r]*(?:#[^\n]*)?$",
    re.MULTILINE,
)


def default_dir() -> Path:
    """Where results are cached unless `--cache-dir` says otherwise."""
    explicit = os.environ.get("DIGLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diglint"


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def decode(data: bytes) -> str:
    """UTF-8 with universal newlines: what `open(path, encoding="utf-8").read()` returns."""
    text = data.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class FileReads:
    """Each file read at most once per run, with a digest of its bytes (or of why it failed)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes | OSError] = {}
        self._digests: dict[str, str] = {}

    def _read(self, path: str) -> bytes | OSError:
        found = self._data.get(path)
        if found is None:
            try:
                with open(path, "rb") as handle:
                    found = handle.read()
            except OSError as exc:
                found = exc
            self._data[path] = found
        return found

    def digest(self, path: str) -> str:
        """The digest of the file's bytes; `!errno` when it cannot be read."""
        known = self._digests.get(path)
        if known is None:
            data = self._read(path)
            if isinstance(data, OSError):
                known = f"!{data.errno}"
            else:
                known = hashlib.blake2b(data, digest_size=16).hexdigest()
            self._digests[path] = known
        return known

    def may_refer(self, path: str) -> bool:
        """False when neither the file nor what it includes can refer to another workflow.

        A conservative test on the bytes: anything unusual (an include written another way, an
        unreadable file) counts as a possible reference.
        """
        return self._may_refer(path, set(), top=True)

    def _may_refer(self, path: str, seen: set[str], *, top: bool) -> bool:
        if path in seen:
            return False  # an include cycle: each file's own bytes are tested once
        seen.add(path)
        data = self.data(path)
        if data is None:
            return top  # an include that cannot be read adds nothing to the includer
        if _MAY_REFER.search(data):
            return True
        names = _INCLUDE.findall(data)
        if len(names) != data.count(b"include"):
            return True
        try:
            targets = [_include_target(path, name.decode("utf-8")) for name in names]
        except UnicodeDecodeError:
            return True
        return any(self._may_refer(t, seen, top=False) for t in targets if t is not None)

    def holds(self, path: str, recorded: str) -> bool:
        """True when what was recorded about `path` (a digest, or `NO_REFERENCES`) still holds."""
        if recorded == NO_REFERENCES:
            return not self.may_refer(path)
        return self.digest(path) == recorded

    def data(self, path: str) -> bytes | None:
        """The file's bytes, or None when it cannot be read."""
        data = self._read(path)
        return None if isinstance(data, OSError) else data

    def text(self, path: str) -> str:
        """The file as `loader.read_file` reads it, raising the same errors."""
        data = self._read(path)
        if isinstance(data, OSError):
            raise OSError(data.errno, data.strerror, path)  # the errno picks the subclass
        return decode(data)


def _include_target(includer: str, name: str) -> str | None:
    """The file an `!include` names, resolved as `loader.include_file` does (None: refused)."""
    if name[:1] in ("'", '"'):
        name = name[1:-1].replace("''", "'") if name[0] == "'" else name[1:-1]
    base = os.path.dirname(os.path.abspath(includer))
    path = os.path.normpath(os.path.join(base, name))
    return None if os.path.isabs(name) or not path.startswith(base) else path


@functools.cache
def code_fingerprint() -> str:
    """Changes whenever the installed digkit code or the operator schemas it reads change."""
    package = Path(__file__).resolve().parent
    roots = [package, package.parents[1] / "schemas"]
    override = os.environ.get("DIGKIT_SCHEMAS_DIR")  # see `diglang.schemas.schemas_dir`
    return tree_stamp([*roots, Path(override)] if override else roots)


def tree_stamp(roots: Iterable[Path]) -> str:
    """A digest of the names, sizes and modification times of the files below `roots`."""
    lines = []
    for root in roots:
        if root.is_file():
            lines.append(_stamp(str(root)))
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            lines.extend(_stamp(os.path.join(folder, name)) for name in sorted(files))
    return _hash("\n".join(lines))


def _stamp(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return f"{path} missing"
    return f"{path} {info.st_size} {info.st_mtime_ns}"


def settings_key(config: Config) -> str:
    """Everything besides the files themselves that decides a result."""
    parts = [str(FORMAT), code_fingerprint(), config.fingerprint()]
    return _hash("\n".join([*parts, tree_stamp(config.plugin_schemas)]))


@dataclass(frozen=True)
class Entry:
    """What the cache knows about one file; `fragment` is None when it was only scanned."""

    deps: dict[str, str]
    includes: tuple[str, ...]
    fragment: bool | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


class ProjectCache:
    """The cached entries of one project root, valid for one settings key and listing."""

    def __init__(self, file: Path, header: dict[str, str]) -> None:
        self.file = file
        self.header = header
        self.entries: dict[str, Entry] = {}
        self.shared: dict[str, str] = {}
        self._dirty = False

    @classmethod
    def open(
        cls, directory: Path, root: str, key: str, listing: str, reads: FileReads
    ) -> ProjectCache:
        """The cache of `root`, empty when anything it was computed from changed."""
        header = {"root": root, "key": key, "listing": listing}
        cache = cls(directory / f"{_hash(root)}.json", header)
        try:
            data = json.loads(cache.file.read_text(encoding="utf-8"))
            if data["format"] == FORMAT and data["header"] == cache.header:
                shared = {str(p): str(d) for p, d in data["shared"].items()}
                if all(reads.holds(p, d) for p, d in shared.items()):
                    cache.shared = shared
                    cache.entries = {p: _load_entry(e) for p, e in data["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            cache.shared, cache.entries = {}, {}  # missing or unusable: start afresh
        return cache

    def get(self, path: str, reads: FileReads) -> Entry | None:
        """The entry of `path` if none of the files it was computed from changed."""
        entry = self.entries.get(path)
        if entry is None or not all(reads.holds(p, d) for p, d in entry.deps.items()):
            return None
        return entry

    def put(self, path: str, entry: Entry) -> None:
        """Remember `entry` for `path`."""
        self.entries[path] = entry
        self._dirty = True

    def share(self, deps: dict[str, str]) -> None:
        """Files rules read across workflows: every entry depends on them."""
        if not deps.items() <= self.shared.items():
            merge_deps(self.shared, deps)
            self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is just skipped."""
        if not self._dirty:
            return
        data = {
            "format": FORMAT,
            "header": self.header,
            "shared": self.shared,
            "entries": {p: _dump_entry(e) for p, e in sorted(self.entries.items())},
        }
        write_atomic(self.file, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def merge_deps(into: dict[str, str], more: dict[str, str]) -> None:
    """Add `more` to `into`; a digest says more than `NO_REFERENCES` and wins over it."""
    for path, recorded in more.items():
        if recorded != NO_REFERENCES or path not in into:
            into[path] = recorded


def write_atomic(file: Path, text: str) -> None:
    """Replace `file` in one step, so a concurrent run never reads half a cache."""
    with contextlib.suppress(OSError):
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, file)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _dump_entry(entry: Entry) -> dict[str, Any]:
    return {
        "deps": entry.deps,
        "includes": list(entry.includes),
        "fragment": entry.fragment,
        "diagnostics": [_dump_diagnostic(d) for d in entry.diagnostics],
    }


def _load_entry(data: dict[str, Any]) -> Entry:
    fragment = data["fragment"]
    return Entry(
        {str(p): str(d) for p, d in data["deps"].items()},
        tuple(str(p) for p in data["includes"]),
        None if fragment is None else bool(fragment),
        tuple(_load_diagnostic(d) for d in data["diagnostics"]),
    )


def _dump_diagnostic(diag: Diagnostic) -> list[Any]:
    fix = None
    if diag.fix is not None:
        edits = [[e.span.start, e.span.end, e.text] for e in diag.fix.edits]
        fix = [diag.fix.title, diag.fix.safe, edits]
    span = diag.span
    return [diag.rule, int(diag.severity), span.start, span.end, diag.message, diag.path, fix]


def _load_diagnostic(item: list[Any]) -> Diagnostic:
    rule, severity, start, end, message, path, fix = item
    loaded = None
    if fix is not None:
        title, safe, edits = fix
        spans = tuple(Edit(Span(int(s), int(e)), str(t)) for s, e, t in edits)
        loaded = Fix(str(title), spans, bool(safe))
    where = None if path is None else str(path)
    return Diagnostic(
        str(rule), Severity(int(severity)), Span(int(start), int(end)), str(message), where, loaded
    )


@dataclass(frozen=True)
class RuleInfo:
    """What the CLI needs to know about a rule, without importing the rules."""

    id: str
    severity: Severity
    fixable: str
    doc: str

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.id


def rule_infos(cache_dir: Path | None) -> tuple[RuleInfo, ...]:
    """The rule registry, from the cache while the digkit code is unchanged.

    Importing the rules loads the parser, which takes longer than a whole cached run.
    """
    file = None if cache_dir is None else cache_dir / f"rules-{code_fingerprint()}.json"
    if file is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            rows = json.loads(file.read_text(encoding="utf-8"))
            return tuple(RuleInfo(str(i), Severity(s), str(f), str(d)) for i, s, f, d in rows)
    from diglang.rules import RULES

    infos = tuple(RuleInfo(r.id, r.severity, r.fixable.value, r.doc) for r in RULES)
    if file is not None:
        for old in file.parent.glob("rules-*.json"):
            with contextlib.suppress(OSError):
                old.unlink()
        rows = [[r.id, int(r.severity), r.fixable, r.doc] for r in infos]
        write_atomic(file, json.dumps(rows, ensure_ascii=False))
    return infos
