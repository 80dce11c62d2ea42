"""The schema-driven rules over the shared corpus: no error on a file Digdag loads, unless real.

Every `.dig` file Digdag loads is checked (one project root per real-world repository, the
whole Digdag tree as one root), with placeholders standing in for the files that exist
upstream (`corpus.placeholders()`, served through the project's loader, which `missing-file`
consults). Each remaining error was reviewed: a `missing-file` error must name a target that
REFERENCES.tsv lists as missing upstream too; the others are listed in `REVIEWED` with why they
are real problems of that file. The deliberately invalid Digdag fixtures (see the corpus README)
need no exception: none of them breaks these rules' expectations in a way they report.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from conftest import CORPUS, require_corpus
from corpus import loads_in_digdag, read_with_placeholders
from diglang.check import check
from diglang.config import Config
from diglang.diagnostics import Diagnostic, Severity
from diglang.parse import parse
from diglang.project import Project
from diglang.rules import missing_file, missing_param, param_type, unknown_param

RULES = (unknown_param.check, missing_param.check, param_type.check, missing_file.check)
CONFIG = Config(select=frozenset(r.id for r in RULES))

# (file relative to the corpus, rule) -> (number of errors, why they are real).
REVIEWED: dict[tuple[str, str], tuple[int, str]] = {
    (
        "realworld/exoego__intellij-digdag/src/test/resources/annotator/export_last_value_td.dig",
        "missing-param",
    ): (2, "IDE test resource: two td> tasks and no `database` anywhere"),
    (
        "realworld/mickeey2525__digdag-lsp/packages/server/__tests__/fixtures/invalid.dig",
        "missing-param",
    ): (1, "deliberately invalid LSP fixture: td> without `database`"),
    ("realworld/treasure-data__treasure-boxes/td/power_bi/td_power_bi.dig", "missing-param"): (
        1,
        "sample with placeholders (`your_connections_name`): td> without `database`",
    ),
    ("digdag/examples/treasuredata.dig", "missing-param"): (
        1,
        "the `_error` task runs td_ddl> and nothing sets `database` (it also uses an unknown"
        " `delete_table`)",
    ),
    (
        "digdag/digdag-tests/src/test/resources/acceptance/td/td_ddl/rename_not_exists.dig",
        "missing-param",
    ): (2, "the Java test passes `database` with -p; the file alone lacks it"),
    (
        "digdag/digdag-tests/src/test/resources/acceptance/td/td_ddl/rename_partial_exists.dig",
        "missing-param",
    ): (3, "the Java test passes `database` with -p; the file alone lacks it"),
    (
        "realworld/treasure-data__td-skills/semantic-layer/schema-auto-tagger/auto_schema_tagger.dig",
        "param-type",
    ): (1, "td> `priority: VERY_LOW`: Digdag reads an integer (see test_schemas.KNOWN_INVALID)"),
}


def corpus_roots() -> list[Path]:
    """One project root per real-world repository, and the Digdag tree."""
    realworld = [p for p in sorted((CORPUS / "realworld").iterdir()) if p.is_dir()]
    return [*realworld, CORPUS / "digdag"]


def diagnostics() -> Iterator[tuple[Path, Diagnostic]]:
    """Every diagnostic of the four rules on the corpus files Digdag loads."""
    for root in corpus_roots():
        project = Project(str(root), loader=read_with_placeholders)
        files = project.dig_files()
        fragments = {i for f in files for i in project.document(f).includes}
        for name in files:
            path = Path(name)
            if not loads_in_digdag(path):
                continue
            doc = project.document(name)
            found = check(doc, CONFIG, project=project, rules=RULES, fragment=name in fragments)
            for diag in found:
                yield Path(diag.path or name), diag


@cache
def missing_upstream() -> dict[str, set[str]]:
    """Corpus file -> targets (as written) that REFERENCES.tsv says are missing upstream."""
    found: dict[str, set[str]] = {}
    for corpus in ("digdag", "realworld"):
        with open(CORPUS / corpus / "REFERENCES.tsv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["exists"] == "no":
                    key = f"{corpus}/{row['local_path']}"
                    found.setdefault(key, set()).add(row["ref_target"])
    return found


def confirmed_missing(rel: str, message: str) -> bool:
    """True when the error's target is missing upstream as well (a real error)."""
    match = re.search(r"`([^`]+)`", message)
    if match is None:
        return False
    target = match.group(1)
    known = missing_upstream().get(rel, set())
    return any(target in (ref, ref + ".dig", ref + ".rb") for ref in known)


def test_schema_rules_raise_no_false_errors_on_the_corpus() -> None:
    require_corpus()
    errors: Counter[tuple[str, str]] = Counter()
    unexplained = []
    seen = 0
    for path, diag in diagnostics():
        seen += 1
        if diag.severity is not Severity.ERROR:
            continue
        rel = path.relative_to(CORPUS).as_posix()
        if diag.rule == "missing-file" and confirmed_missing(rel, diag.message):
            continue
        errors[(rel, diag.rule)] += 1
        if (rel, diag.rule) not in REVIEWED:
            unexplained.append(f"{rel}: {diag.rule}: {diag.message}")
    assert unexplained == []
    assert dict(errors) == {key: count for key, (count, _) in REVIEWED.items()}
    assert seen > 100  # warnings included: the rules did run


def _project(tmp_path: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return Project(str(tmp_path))


def _messages(project: Project, name: str, *, fragment: bool = False) -> list[str]:
    doc = project.document(str(Path(project.root) / name))
    return [d.message for d in check(doc, CONFIG, project=project, rules=RULES, fragment=fragment)]


def test_called_file_resolves_in_its_own_directory(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "main.dig": "+c:\n  call>: sub/child\n",
            "sub/child.dig": "+q:\n  td>: queries/q.sql\n  database: d\n+r:\n  td>: q.sql\n",
            "sub/queries/q.sql": "SELECT 1\n",
            "q.sql": "SELECT 1\n",  # in the project root, not in `sub/`
        },
    )
    assert _messages(project, "main.dig") == []
    assert _messages(project, "sub/child.dig") == [
        "query file `q.sql` does not exist (relative to `sub/`)"
    ]


def test_included_tasks_resolve_against_the_includer(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "main.dig": "_export:\n  td: {database: d}\n+inc:\n  !include : parts/q.dig\n",
            "parts/q.dig": "+q:\n  td>: queries/q.sql\n",
            "queries/q.sql": "SELECT 1\n",
        },
    )
    assert _messages(project, "main.dig") == []
    assert _messages(project, "parts/q.dig", fragment=True) == []


def test_files_the_loader_serves_exist(tmp_path: Path) -> None:
    served = str(tmp_path / "queries" / "q.sql")

    def loader(path: str) -> str:
        if path == served:
            return ""
        return read_with_placeholders(path)

    (tmp_path / "main.dig").write_text("+q:\n  td>: queries/q.sql\n  database: d\n")
    project = Project(str(tmp_path), loader=loader)
    assert _messages(project, "main.dig") == []
    assert _messages(Project(str(tmp_path)), "main.dig") == [
        "query file `queries/q.sql` does not exist (relative to `./`)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+t:\n  td>: q.sql\n  database: d\n  engine: ${e}\n", []),
        ("+t:\n  if>: ${x}\n  _do: {echo>: hi}\n", []),
        ("+t:\n  http>: https://x\n  timeout: '30'\n", []),
    ],
)
def test_templates_and_coercible_strings_are_accepted(text: str, expected: list[str]) -> None:
    doc = parse(text, None)
    found = check(doc, Config(select=frozenset({"param-type"})), rules=[param_type.check])
    assert [d.message for d in found] == expected
