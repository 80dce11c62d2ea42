"""Every rule: its fixtures (snapshots of what users see), docs and registry invariants."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from conftest import FIXTURES
from diglang.check import check
from diglang.config import Config
from diglang.fix import apply_edits, select_fixes
from diglang.parse import parse, parse_file
from diglang.project import Project
from diglang.render import render_text
from diglang.rules import RULES, RULES_BY_ID

RULE_FIXTURES = FIXTURES / "rules"
CASES = sorted(RULE_FIXTURES.glob("*/*.dig"))
SECTIONS = ("## What it does", "## Why", "## Example", "## Fix")


def _only(rule_id: str) -> Config:
    return Config(select=frozenset({rule_id}))


def _render(path: Path, rule_id: str) -> str:
    doc = parse_file(str(path))
    project = Project(str(path.parent))
    diags = check(doc, _only(rule_id), project=project)

    def shown(p: str | None) -> str:
        return os.path.relpath(p, RULE_FIXTURES) if p else "<stdin>"

    return render_text(diags, doc.source_of, display_path=shown) or "(no diagnostics)\n"


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_rule_fixture(path: Path, snapshot_text: SnapshotAssertion) -> None:
    rule_id = path.parent.name
    assert rule_id in RULES_BY_ID, f"fixture folder {rule_id} names no rule"
    assert _render(path, rule_id) == snapshot_text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule: object) -> None:
    from diglang.rule import Rule

    assert isinstance(rule, Rule)
    for section in SECTIONS:
        assert section in rule.doc, f"{rule.id}: missing `{section}` in the module docstring"
    assert rule.id == rule.id.lower() and " " not in rule.id


@pytest.mark.parametrize("rule", [r for r in RULES if r.check is not None], ids=lambda r: r.id)
def test_every_rule_has_fixtures(rule: object) -> None:
    from diglang.rule import Rule

    assert isinstance(rule, Rule)
    assert (RULE_FIXTURES / rule.id).is_dir(), f"add tests/fixtures/rules/{rule.id}/*.dig"


def test_rule_ids_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_fixes_converge_and_reparse(path: Path) -> None:
    rule_id = path.parent.name
    text = path.read_text(encoding="utf-8")
    project = Project(str(path.parent))
    before = {d.rule for d in parse(text, str(path)).diagnostics}
    fixable = RULES_BY_ID[rule_id].fixable.value
    had_fix = False
    for _ in range(3):
        diags = check(parse(text, str(path)), _only(rule_id), project=project)
        edits = select_fixes(diags, str(path), unsafe=True)
        if not edits:
            break
        had_fix = True
        text = apply_edits(text, edits)
    after = {d.rule for d in parse(text, str(path)).diagnostics}
    assert after <= before, "fixes introduced new syntax errors"
    if fixable == "never":
        assert not had_fix, f"{rule_id} says it is never fixable but produced a fix"


def test_rule_docs_are_up_to_date() -> None:
    from diglang.ruledocs import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m diglang.ruledocs`"


def _example(doc: str) -> str | None:
    """The YAML of a rule's `## Example` section (None when it has none)."""
    if "## Example" not in doc:
        return None
    section = doc.split("## Example", 1)[1].split("\n## ", 1)[0]
    if "```yaml" not in section:
        return None
    return section.split("```yaml", 1)[1].split("```", 1)[0].lstrip("\n")


# Examples that need more than one file (a project) to show the problem.
MULTI_FILE_EXAMPLES = {"include-cycle", "call-cycle", "include-error", "io-error", "missing-file"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docstring_example_gives_the_diagnostic(rule: object, tmp_path: Path) -> None:
    from diglang.rule import Rule

    assert isinstance(rule, Rule)
    example = _example(rule.doc)
    if example is None or rule.id in MULTI_FILE_EXAMPLES:
        pytest.skip("no single-file example")
    path = tmp_path / "example.dig"
    path.write_text(example, encoding="utf-8")
    doc = parse_file(str(path))
    diags = check(doc, _only(rule.id), project=Project(str(tmp_path)))
    assert any(d.rule == rule.id for d in diags), f"the example of {rule.id} gives nothing"
