"""The structure rules over the shared corpora: no error on a workflow Digdag accepts.

Every error these rules report on a corpus file that Digdag loads was reviewed; the ones left
are listed in `KNOWN_ERRORS` with the reason they are real (Digdag's own fixtures for its
compile errors, and mistakes in real-world repositories).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from conftest import CORPUS, corpus_files, require_corpus
from corpus import loads_in_digdag, read_with_placeholders
from diglang.check import check
from diglang.config import Config
from diglang.diagnostics import Diagnostic, Severity
from diglang.parse import Document, parse_file
from diglang.project import Project

RULE_IDS = frozenset(
    {
        "unknown-top-level-key",
        "invalid-group-key",
        "unknown-directive",
        "invalid-directive",
        "invalid-task",
        "operator-with-subtasks",
        "invalid-timezone",
        "invalid-schedule",
        "ignored-directive",
        "hardcoded-credential",
    }
)
# Plain YAML maps used as expression-engine inputs and outputs, not workflows (corpus README).
NOT_WORKFLOWS = "digdag/digdag-core/src/test/resources/io/digdag/core/agent/eval/"
_CORE = "digdag/digdag-core/src/test/resources/io/digdag/core/workflow/"
_TESTS = "digdag/digdag-tests/src/test/resources/acceptance/"
_LSP = "realworld/mickeey2525__digdag-lsp/packages/server/__tests__/fixtures/"
KNOWN_ERRORS: dict[tuple[str, str], str] = {
    (_CORE + "parallel_variable_group.dig", "invalid-directive"): (
        "Digdag's fixture for `_parallel: ${parallel}` on a group failing to compile"
    ),
    (_CORE + "unused_keys_in_group.dig", "invalid-group-key"): (
        "Digdag's fixture for `contains invalid keys: 'parallel'`"
    ),
    (_TESTS + "parallel/parallel_variable_group.dig", "invalid-directive"): (
        "Digdag's acceptance fixture for `_parallel: ${parallel}` on a group"
    ),
    (_TESTS + "background_after/after_without_parallel.dig", "invalid-directive"): (
        "Digdag's fixture for `_after` in a sequential group"
    ),
    (_TESTS + "background_after/background_with_parallel.dig", "invalid-directive"): (
        "Digdag's fixture for `_background: true` in a parallel group"
    ),
    (_TESTS + "schedule/invalid_schedule.dig", "invalid-schedule"): (
        "Digdag's fixture for `hourly>: 10:11:12`"
    ),
    (_TESTS + "scheduler/invalid.dig", "invalid-schedule"): (
        "Digdag's fixture for the unused schedule option `skip_on_over_time`"
    ),
    (_TESTS + "scheduler/invalid_op.dig", "invalid-schedule"): (
        "Digdag's fixture for a second schedule type `wrong>`"
    ),
    (_TESTS + "scheduler/unknown_type.dig", "invalid-schedule"): (
        "Digdag's fixture for `Unknown scheduler type`"
    ),
    (_LSP + "invalid.dig", "operator-with-subtasks"): "another linter's invalid fixture",
    (_LSP + "invalid.dig", "invalid-directive"): "another linter's invalid fixture (`_after`)",
    (_LSP + "valid.dig", "invalid-directive"): (
        "`_after: task_a` is a string without `+`; Digdag needs `[+task_a]`"
    ),
    (
        "realworld/treasure-data__td-skills/semantic-layer/schema-auto-tagger/"
        "auto_schema_tagger.dig",
        "unknown-top-level-key",
    ): "`session_date:` and `session_time_unix:` written at the top level, not under `_export`",
    (
        "realworld/tsukaharakazuki__td_onb_pkg/workflow_training/sample.dig",
        "unknown-top-level-key",
    ): "`store_last_results: true` lost its indentation and sits at the top level",
    (
        "realworld/tsukaharakazuki__td_tas_skill_extension/td-datafeed-workflow/td_datafeed/"
        "td_datafeed.dig",
        "invalid-timezone",
    ): "`timezone: ${common.timezone}`: the time zone is never evaluated",
}


def relative(path: Path | str) -> str:
    """A corpus path relative to the corpus root."""
    return Path(path).relative_to(CORPUS).as_posix()


def project_root(path: Path) -> Path:
    """Where `diglint` would be run: the repository for real-world files, else the file's dir."""
    parts = path.relative_to(CORPUS).parts
    if parts[0] == "realworld":
        return CORPUS / "realworld" / parts[1]
    return path.parent


@cache
def corpus_diagnostics() -> tuple[tuple[str, Diagnostic], ...]:
    """(file, diagnostic) of the structure rules on every workflow Digdag loads."""
    docs: dict[Path, Document] = {}
    fragments: set[str] = set()
    for path in corpus_files():
        if loads_in_digdag(path) and not relative(path).startswith(NOT_WORKFLOWS):
            docs[path] = parse_file(str(path), loader=read_with_placeholders)
            fragments.update(docs[path].includes)
    found = []
    config = Config(select=RULE_IDS)
    for path, doc in docs.items():
        project = Project(str(project_root(path)), loader=read_with_placeholders)
        fragment = str(path) in fragments
        for diag in check(doc, config, project=project, fragment=fragment):
            found.append((relative(diag.path or str(path)), diag))
    return tuple(found)


def test_no_errors_on_workflows_digdag_accepts() -> None:
    require_corpus()
    errors = {(path, d.rule) for path, d in corpus_diagnostics() if d.severity is Severity.ERROR}
    unexpected = sorted(errors - set(KNOWN_ERRORS))
    assert unexpected == []
    assert sorted(set(KNOWN_ERRORS) - errors) == [], "a known error is no longer reported"


def test_warnings_on_the_corpus_stay_few() -> None:
    require_corpus()
    warnings = [d for _, d in corpus_diagnostics() if d.severity is Severity.WARNING]
    # Reviewed: `_parallel` on `sh>` (2), timezones of workflows included under a task (5),
    # literal passwords and keys in samples (5).
    assert len(warnings) <= 12


def test_fragment_is_checked_where_it_is_included(tmp_path: Path) -> None:
    (tmp_path / "steps.dig").write_text(
        "_parallel: true\nbogus: 1\n+a:\n  echo>: a\n+b:\n  _after: [+a]\n  echo>: b\n",
        encoding="utf-8",
    )
    main = tmp_path / "main.dig"
    main.write_text("+group:\n  !include : steps.dig\n", encoding="utf-8")
    project = Project(str(tmp_path))
    config = Config(select=RULE_IDS)
    steps = parse_file(str(tmp_path / "steps.dig"))
    assert check(steps, config, project=project, fragment=True) == []
    found = check(parse_file(str(main)), config, project=project)
    assert [(d.rule, d.path) for d in found] == [("invalid-group-key", str(tmp_path / "steps.dig"))]
