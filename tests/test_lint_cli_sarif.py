"""`diglint --format sarif` is valid against the SARIF 2.1.0 JSON schema.

The schema comes from the npm package `@microsoft/jest-sarif` (MIT), pinned in
`tests/sarif/package-lock.json` and installed by `npm ci --prefix tests/sarif`: it ships
`sarif-2.1.0-rtm.5.json`, the final committee draft of the OASIS SARIF 2.1.0 schema.
Without it the test is skipped locally and fails in CI.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from diglang.cli_lint import main

SCHEMA = ROOT / "tests/sarif/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"


def _validator() -> Any:
    if not SCHEMA.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMA} is missing: run `npm ci --prefix tests/sarif`")
        pytest.skip("SARIF schema not installed: run `npm ci --prefix tests/sarif`")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _sarif(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--no-cache", "--format", "sarif", *args])
    assert result.exit_code in (0, 1), result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def _errors(log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(log)]


def test_fixture_project_log_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "cli")
    log = _sarif()
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 7
    assert any("fixes" in result for result in log["runs"][0]["results"])
    assert _errors(log) == []


def test_every_rule_and_odd_paths_are_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All rules, a path that needs percent-encoding, an empty file and a zero-width span.
    shutil.copytree(FIXTURES / "cli", tmp_path / "with space", ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "with space" / "empty%.dig").write_text("")
    monkeypatch.chdir(tmp_path)
    log = _sarif("--select", "ALL", "with space")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "with%20space/empty%25.dig" in uris
    assert _errors(log) == []


def test_clean_run_is_valid(tmp_path: Path) -> None:
    (tmp_path / "ok.dig").write_text("+a:\n  echo>: hi\n")
    log = _sarif(str(tmp_path / "ok.dig"))
    assert log["runs"][0]["results"] == []
    assert _errors(log) == []


def test_an_invalid_log_is_caught() -> None:
    # Guards against a validator that accepts anything (a wrong or empty schema).
    assert _errors({"version": "2.1.0", "runs": [{"results": []}]})
    assert _errors({"version": "2.0.0", "runs": []})
