"""A real editor as the client: headless Neovim talks to diglsp over stdio.

`make test` installs Neovim (Debian's package); elsewhere the test is skipped when `nvim` is
missing, except in CI where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "nvim" / "client.lua"
WORKFLOW = """\
timezone: UTC
_export:
  table: items
+load:
  shh>: echo ${table}
"""


def test_neovim_gets_diagnostics_completion_and_hover(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        if os.environ.get("CI"):
            pytest.fail("nvim is not installed; `make test` installs it")
        pytest.skip("nvim is not installed")
    path = tmp_path / "wf.dig"
    path.write_text(WORKFLOW)
    env = {
        **os.environ,
        "DIGLSP_PYTHON": sys.executable,
        "DIG_FILE": str(path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    events = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            events[event["kind"]] = event["value"]
    assert proc.returncode == 0 and "fail" not in events, (proc.stdout, proc.stderr)
    [diag] = events["diagnostics"]
    assert diag["code"] == "unknown-operator"
    assert (diag["line"], diag["character"]) == (4, 2)
    assert diag["message"] == "unknown operator `shh>`; did you mean `sh>`?"
    assert events["edited"] == []
    assert "table" in events["completion"]
    assert "session_date" in events["completion"]
    assert "**sh>**" in events["hover"]
    assert events["done"] is True
