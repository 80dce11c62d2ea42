"""Secrets (sources, `_secrets` remapping, masking everywhere) and per-task log files."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from digrun.logs import log_file_name
from digrun.secrets import LocalSecrets, Masker, SecretsError, env_name, remap

from .cli_helpers import digrun, normalize, write

SECRET = "s3cr3t-Value"


def test_sources_in_order(tmp_path: Path) -> None:
    project = write(
        tmp_path / "p",
        {".digdag/secrets.yml": "api:\n  token: from-project\n  other: proj-other\nn: 42\n"},
    )
    config = write(
        tmp_path / "xdg" / "digdag",
        {
            "config": "# comment\nsecrets.api.other = from-config\nsecrets.c: colon\n",
            "secrets/api.file": "from-file\n",
            "secrets/api.other": "never",
        },
    )
    env = {"XDG_CONFIG_HOME": str(config.parent), env_name("api.token"): "from-env"}
    secrets = LocalSecrets(project, env)
    assert env_name("api.token") == "DIGRUN_SECRET_API_TOKEN"
    assert secrets.get("api.token") == "from-env"
    assert secrets.get("api.other") == "proj-other"
    assert secrets.get("n") == "42"
    assert secrets.get("c") == "colon"
    assert secrets.get("api.file") == "from-file"
    assert secrets.get("missing") is None
    assert secrets.get("../config") is None
    assert secrets.get("a..b") is None
    without_project = LocalSecrets(tmp_path, env)
    assert without_project.get("api.other") == "from-config"
    dig_home = LocalSecrets(tmp_path, {"DIGDAG_CONFIG_HOME": str(config)})
    assert dig_home.get("api.file") == "from-file"


def test_project_secrets_file_errors(tmp_path: Path) -> None:
    write(tmp_path, {".digdag/secrets.yml": "a: [1, 2]\n"})
    with pytest.raises(SecretsError, match="the secret `a` must be a string or a number"):
        LocalSecrets(tmp_path, {})
    write(tmp_path, {".digdag/secrets.yml": "a: [1\n"})
    with pytest.raises(SecretsError, match=r"secrets\.yml: expected"):
        LocalSecrets(tmp_path, {})


def test_secrets_remapping_as_digdag() -> None:
    grants = {"pg": {"password": "prod.pg.password", "user": True}, "aws": "prod.aws"}
    assert remap(grants, "pg.password") == "prod.pg.password"
    assert remap(grants, "pg.user") == "pg.user"
    assert remap(grants, "pg") == "pg"
    assert remap(grants, "aws.s3.secret") == "prod.aws.s3.secret"
    assert remap(grants, "td.apikey") == "td.apikey"
    secrets = LocalSecrets(Path("/nonexistent"), {env_name("prod.pg.password"): "pw!"})
    assert secrets.scoped(grants).get("pg.password") == "pw!"
    assert secrets.scoped(None) is secrets


def test_masker_masks_values_and_their_lines() -> None:
    masker = Masker()
    assert masker.mask("nothing known") == "nothing known"
    masker.add("ab")  # too short to mask
    masker.add("-----BEGIN KEY-----\nMIIEvQIBADAN\n-----END KEY-----\n")
    masker.add("token")
    masker.add("token-long")
    assert masker.mask("ab token-long token MIIEvQIBADAN") == "ab *** *** ***"
    assert masker.mask_json({"m": ["x token"], "n": 1}) == {"m": ["x ***"], "n": 1}


def test_secrets_are_masked_in_progress_logs_errors_and_state(project: Path) -> None:
    write(project, {".digdag/secrets.yml": f"api:\n  token: {SECRET}\n", "wf.dig": ""})
    write(project, {"wf.dig": "+show:\n  sh>: echo token=${secret:api.token}\n"})
    shown = digrun(project, "run", "wf")
    assert shown.exit_code == 0, shown.output
    assert "TS [OUT] +wf+show: token=***" in normalize(shown.stdout)
    write(project, {"wf.dig": "+leak:\n  leak>: api.token\n"})
    result = digrun(project, "run", "wf", "--session", "2024-03-01")
    assert result.exit_code == 1
    assert SECRET not in result.output
    assert "TS [OUT] +wf+leak: the secret is ***" in normalize(result.stdout)
    assert result.stderr.startswith("error:\n  * +wf+leak:\n    refused token ***\n")
    logs = project / ".digdag/digrun/logs/wf/20240301T000000+0000/attempt-1"
    log = (logs / "+wf+leak.log").read_text()
    assert SECRET not in log
    assert re.fullmatch(
        r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4} (the secret is \*\*\*|"
        r"refused token \*\*\*)\n){2}",
        log,
    )
    db = sqlite3.connect(project / ".digdag/digrun/digrun.sqlite3")
    errors = db.execute("SELECT error FROM tasks WHERE error IS NOT NULL").fetchall()
    assert errors and all(SECRET not in text for (text,) in errors)


def test_env_secrets_are_masked_even_when_printed_otherwise(project: Path) -> None:
    write(project, {"wf.dig": "+show:\n  sh>: echo $DIGRUN_SECRET_X\n"})
    result = digrun(project, "run", "wf", env={"DIGRUN_SECRET_X": "visible-value"})
    assert "TS [OUT] +wf+show: ***" in normalize(result.stdout)


def test_one_log_file_per_task_and_attempt(project: Path) -> None:
    write(project, {"wf.dig": "+a:\n  echo>: one\n+b:\n  sh>: printf 'x\\ny\\n'\n"})
    assert digrun(project, "run", "wf").exit_code == 0
    assert digrun(project, "run", "wf", "-a").exit_code == 0
    base = project / ".digdag/digrun/logs/wf/20240229T000000+0000"
    assert sorted(p.relative_to(base).as_posix() for p in base.rglob("*.log")) == [
        "attempt-1/+wf+a.log",
        "attempt-1/+wf+b.log",
        "attempt-2/+wf+a.log",
        "attempt-2/+wf+b.log",
    ]
    lines = (base / "attempt-2/+wf+b.log").read_text().splitlines()
    assert [line.split(" ", 3)[3] for line in lines] == ["x", "y"]


def test_long_task_names_make_short_file_names() -> None:
    name = "+wf" + "+" + "x" * 300
    file_name = log_file_name(name)
    assert len(file_name.encode()) <= 205
    assert file_name.endswith(".log")
    assert file_name != log_file_name(name + "y")
    assert log_file_name("+wf+a/b") == "+wf+a%2Fb.log"
