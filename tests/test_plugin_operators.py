"""A project's own schema folder teaches diglint its plugin operators."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from diglang.cli_lint import main

PLUGIN = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "snow>",
    "type": "object",
    "properties": {
        "snow>": {"type": "string", "description": "Query file."},
        "warehouse": {"type": "string", "description": "Warehouse name."},
    },
    "x-digdag": {"operator": "snow", "summary": "Runs a Snowflake query.", "required": []},
}
WORKFLOW = "+query:\n  snow>: select 1\n  warehous: compute_wh\n"


def _lint(project: Path) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        main, ["--no-cache", "--format", "json", str(project / "main.dig")], catch_exceptions=False
    )
    return result.exit_code, json.loads(result.stdout)


def test_unknown_without_the_schema_and_checked_with_it(tmp_path: Path) -> None:
    (tmp_path / "main.dig").write_text(WORKFLOW, encoding="utf-8")
    code, found = _lint(tmp_path)
    assert code == 1
    assert [d["rule"] for d in found] == ["unknown-operator"]

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "snow.json").write_text(json.dumps(PLUGIN), encoding="utf-8")
    (tmp_path / ".diglint.toml").write_text('plugin-schemas = ["schemas/"]\n', encoding="utf-8")
    code, found = _lint(tmp_path)
    assert code == 0
    assert [(d["rule"], d["severity"], d["message"]) for d in found] == [
        (
            "unknown-param",
            "warning",
            "unknown parameter `warehous` for `snow>`; did you mean `warehouse`?",
        )
    ]
