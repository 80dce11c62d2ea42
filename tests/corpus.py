"""Access to the shared corpora: manifests and a file reader with upstream placeholders."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from conftest import CORPUS


@cache
def manifest(name: str) -> dict[str, dict[str, str]]:
    """MANIFEST.tsv of corpus `name` (`digdag` or `realworld`), keyed by local path."""
    with open(CORPUS / name / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        key = "local_path" if name == "realworld" else "path"
        return {row[key]: row for row in rows}


@cache
def placeholders() -> dict[str, str]:
    """Absolute path → placeholder text for every referenced file that exists upstream."""
    found: dict[str, str] = {}
    for name in ("digdag", "realworld"):
        with open(CORPUS / name / "REFERENCES.tsv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                kind = row["placeholder"]
                if not kind:
                    continue
                base = CORPUS / name
                if name == "realworld":
                    base = base / row["local_path"].split("/", 1)[0]
                target = (base / row["resolved_path"]).resolve()
                found[str(target)] = "{}\n" if kind == "mapping" else ""
    return found


def read_with_placeholders(path: str) -> str:
    """Read a corpus file, or the placeholder of a referenced file that exists upstream."""
    real = Path(path)
    if real.is_file():
        return real.read_text(encoding="utf-8")
    text = placeholders().get(str(real.resolve()))
    if text is None:
        raise FileNotFoundError(path)
    return text


def loads_in_digdag(path: Path) -> bool:
    """True when the corpus says Digdag loads this file's YAML."""
    rel = path.relative_to(CORPUS)
    corpus, local = rel.parts[0], "/".join(rel.parts[1:])
    row = manifest(corpus).get(local)
    if row is None:
        return False
    if corpus == "realworld":
        return row["yaml_parse"] == "ok"
    return "yaml-parse-error" not in row.get("notes", "")
