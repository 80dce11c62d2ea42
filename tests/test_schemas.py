"""schemas/: valid JSON Schema, complete against the reference, loader API, no false alarms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from corpus import loads_in_digdag, read_with_placeholders
from diglang import schemagen
from diglang.parse import parse
from diglang.schemas import (
    SchemaError,
    builtin_variables,
    literal_schema,
    load_directives,
    load_operators,
    schemas_dir,
)
from diglang.values import Mapping, Sequence, Value, to_plain

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
REFERENCE_TABLE = SHARED / "design" / "operators.json"
SAMPLES = ROOT / "tests" / "yls" / "samples"
SCHEMAS = schemas_dir()
DRAFT_07 = "http://json-schema.org/draft-07/schema#"

# The 40 operators Digdag registers (§13 of the reference).
REGISTERED = [
    *("echo", "fail", "if", "loop", "for_each", "for_range", "call", "require", "wait", "notify"),
    *("sh", "py", "rb", "embulk", "mail", "http", "http_call", "s3_wait", "emr"),
    *("pg", "redshift", "redshift_load", "redshift_unload"),
    *("td", "td_run", "td_for_each", "td_wait", "td_wait_table", "td_ddl", "td_load"),
    *("td_table_export", "td_partial_delete", "td_result_export"),
    *("bq", "bq_load", "bq_extract", "bq_ddl", "gcs_wait", "param_get", "param_set"),
]

# Rows of the reference table that are not literal keys of the operator's task.
NOT_TASK_KEYS = {
    ("py", "<function argument names>"): "any key: passthrough_params (kind arguments)",
    ("param_get", "<source key>"): "any key: passthrough_params (kind keys)",
    ("param_set", "<key>"): "any key: passthrough_params (kind keys)",
    ("http_call", "<all http> params>"): "expanded: every http> param but store_content",
    ("emr", "emr/s3/kms: {region, endpoint}"): "split into the emr, s3 and kms params",
}
# for_range> reads from/to/step/slices inside its command mapping.
COMMAND_KEYS = {"for_range": ("from", "to", "step", "slices")}

# Corpus files Digdag rejects, per the reference, at the paths the schema reports.
KNOWN_INVALID = {
    # §4.4: `_after` must be a list ("a bare string fails type conversion").
    "realworld/mickeey2525__digdag-lsp/packages/server/__tests__/fixtures/valid.dig": {
        "/+parallel_tasks/+task_b/_after"
    },
    "realworld/mickeey2525__digdag-lsp/packages/server/__tests__/fixtures/invalid.dig": {
        "/+no_parallel_after/+child/_after"
    },
    # §13.6: td> priority is an integer, "numbers only".
    "realworld/treasure-data__td-skills/semantic-layer/schema-auto-tagger/auto_schema_tagger.dig": {
        "/+store_audit_log/priority"
    },
    # §13.3: the http> command is a URI string; `{Slack URL}` is a YAML flow mapping.
    "realworld/marcy-t__digdag-embulk-gcp/run.dig": {"/sla/+notice/http>"},
}


def schema_files() -> list[Path]:
    """Every schema file of schemas/."""
    return sorted(SCHEMAS.glob("*.json")) + sorted((SCHEMAS / "operators").glob("*.json"))


def read_json(path: Path) -> Any:
    """A JSON file's content."""
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def combined_validator() -> Draft7Validator:
    """A validator for the committed combined schema."""
    return Draft7Validator(read_json(SCHEMAS / schemagen.OUTPUT_NAME))


@cache
def reference() -> dict[str, dict[str, Any]]:
    """operators.json (extracted from Digdag's source), by operator name."""
    if not REFERENCE_TABLE.is_file():
        pytest.skip("../shared/design/operators.json is absent")
    table = read_json(REFERENCE_TABLE)
    return {op["name"]: op for op in table["operators"]}


def error_paths(data: object) -> set[str]:
    """The JSON paths of the combined schema's errors, e.g. `/+task/priority`."""
    errors = combined_validator().iter_errors(data)
    return {pointer(leaf) for error in errors for leaf in leaves(error)}


def leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors behind an `anyOf`, from the alternative that got furthest into the value."""
    if not error.context:
        yield error
        return
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
    for sub in best:
        yield from leaves(sub)


def pointer(error: ValidationError) -> str:
    """`/a/b/0` for an error at `['a', 'b', 0]`."""
    return "".join(f"/{part}" for part in error.absolute_path)


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_schema_files_are_valid_draft_07(path: Path) -> None:
    schema = read_json(path)
    assert schema["$schema"] == DRAFT_07
    Draft7Validator.check_schema(schema)


def test_schemas_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (SCHEMAS / "directives.json").is_file()
    monkeypatch.setenv("DIGKIT_SCHEMAS_DIR", str(tmp_path))
    assert schemas_dir() == tmp_path


def test_all_registered_operators_have_a_schema() -> None:
    names = sorted(p.stem for p in (SCHEMAS / "operators").glob("*.json"))
    assert names == sorted(REGISTERED)
    assert sorted(load_operators()) == sorted(REGISTERED)


@pytest.mark.parametrize("name", REGISTERED)
def test_operator_schema_is_self_consistent(name: str) -> None:
    schema = read_json(SCHEMAS / "operators" / f"{name}.json")
    meta = schema["x-digdag"]
    key = f"{name}>"
    assert meta["operator"] == name
    assert schema["title"] == key
    prop = schema["properties"][key]
    assert {k: v for k, v in prop.items() if k != "description"} == meta["command"]["type"]
    assert prop["description"] == meta["command"]["description"]
    assert meta["docs"].startswith("https://docs.digdag.io/")
    params = set(schema["properties"]) | {"_command"}
    for group in [meta["required"], *meta["requires_any_of"], *meta["mutually_exclusive"]]:
        assert set(group) <= params, group
    for item in meta["file_params"]:
        assert item["param"] in params
        assert item["direction"] in ("input", "output")
    for prop in schema["properties"].values():
        assert prop.get("description"), "every key needs a description for hover"


@pytest.mark.parametrize("name", REGISTERED)
def test_every_reference_param_is_present(name: str) -> None:
    ref = reference()[name]
    schema = read_json(SCHEMAS / "operators" / f"{name}.json")
    props = schema["properties"]
    command = props[f"{name}>"]
    for param in ref["params"]:
        key = param["name"]
        if (name, key) in NOT_TASK_KEYS:
            continue
        if key in COMMAND_KEYS.get(name, ()):
            assert key in command["properties"]
            continue
        assert key in props, f"{name}>: `{key}` of the reference is missing"
        assert (key in schema["x-digdag"]["required"]) == param["required"], key


def test_http_call_takes_the_http_params() -> None:
    http = read_json(SCHEMAS / "operators" / "http.json")["properties"]
    http_call = read_json(SCHEMAS / "operators" / "http_call.json")["properties"]
    assert set(http) - {"http>", "store_content"} <= set(http_call)


@pytest.mark.parametrize("name", REGISTERED)
def test_metadata_matches_the_reference(name: str) -> None:
    ref = reference()[name]
    spec = load_operators()[name]
    assert spec.summary == ref["summary"]
    assert spec.supports_retry == ref["supports_retry"]
    assert spec.generates_subtasks == ref["generates_subtasks"]
    assert list(spec.nested_defaults) == ref["nested_defaults"]
    literal_stores = [s for s in ref["stores"] if not s.startswith("<")]
    assert [s.name for s in spec.stores if not s.dynamic] == literal_stores
    assert len(spec.stores) == len(ref["stores"])
    assert len(spec.exports_to_children) == len(ref["exports_to_children"])
    assert [s.key for s in spec.secrets] == [
        s.split(" ")[0] for s in ref["secrets"]
    ]  # "key (note)" and "key / fallback" keep the key first
    assert (spec.command is None) == (ref["command_param"]["type"] == "none")


def test_loader_gives_typed_specs() -> None:
    td = load_operators()["td"]
    assert td.key == "td>"
    assert td.command is not None and td.command.is_file and td.command.file_kind == "query"
    assert td.param("_command") is td.command is td.param("td>")
    priority = td.params["priority"]
    assert priority.type == {"type": "integer", "minimum": -2, "maximum": 2}
    assert priority.default == 0 and priority.string_coercible == ("integer",)
    assert td.params["download_file"].is_file and td.params["download_file"].file_kind == "download"
    assert td.params["engine"].enum == ("presto", "hive")
    assert td.required == ("database",)
    assert "td.last_job.id" in [s.name for s in td.stores]
    assert td.passthrough_params and td.passthrough_kind == "template"
    assert td.secrets[0].key == "td.apikey" and td.secrets[0].required
    assert load_operators()["emr"].command is None
    loop = load_operators()["loop"]
    assert [e.name for e in loop.exports_to_children] == ["i"]
    for_each = load_operators()["for_each"].exports_to_children[0]
    assert for_each.dynamic and for_each.names_from == "command_keys"
    assert load_operators()["call"].file_params[0].suffix == ".dig"


def test_passthrough_operators() -> None:
    found = {n: s.passthrough_kind for n, s in load_operators().items() if s.passthrough_params}
    assert found["sh"] == "environment"
    assert found["py"] == found["rb"] == "arguments"
    assert found["param_get"] == found["param_set"] == "keys"
    # §6.2: generated subtasks see only their ancestors' _export, not call>'s local keys;
    # require> forwards only its `params` mapping.
    assert "call" not in found and "require" not in found


def test_directives() -> None:
    directives = load_directives()
    expected = {
        *("_export", "_parallel", "_background", "_after", "_retry", "_error", "_check", "_do"),
        *("_else_do", "_type", "_command", "_env", "_secrets", "_workdir", "_disable"),
        *("timezone", "schedule", "sla"),
    }
    assert expected <= set(directives)
    # §3: the keys a workflow file may have besides +tasks.
    top = {name for name, spec in directives.items() if "top" in spec.where}
    assert top == {
        "_export",
        "_parallel",
        "_retry",
        "_error",
        "_check",
        "timezone",
        "schedule",
        "sla",
    }
    # §4.4: WorkflowCompiler.GROUPING_TASK_CONFIG_KEYS plus _disable.
    group = {name for name, spec in directives.items() if "group" in spec.where}
    assert group == top | {"_background", "_after", "_secrets", "_disable"}
    assert directives["_after"].parent == "parallel"
    assert directives["_background"].parent == "sequential"
    assert directives["_env"].operators == ("sh", "py", "rb", "embulk")
    assert directives["_retry"].type["properties"]["interval_type"]["enum"] == [
        "constant",
        "exponential",
    ]
    assert directives["_parallel"].compile_time_in == ("top", "group")


def test_schedule_kinds() -> None:
    schedule = load_directives()["schedule"].type
    kinds = {k for k in schedule["properties"] if k.endswith(">")}
    assert kinds == {
        "hourly>",
        "daily>",
        "weekly>",
        "monthly>",
        "minutes_interval>",
        "cron>",
        "seconds_interval>",
    }
    options = {"start", "end", "skip_on_overtime", "skip_delayed_by"}
    assert options <= set(schedule["properties"])


def test_builtin_variables() -> None:
    found = {var.name: var for var in builtin_variables()}
    assert len(found) == len(builtin_variables())
    for name in ("session_time", "session_date", "session_unixtime", "task_name", "timezone"):
        assert found[name].description and found[name].example is not None
    assert found["session_unixtime"].example == 1451703845
    assert found["last_session_time"].requires == "schedule"
    assert found["error"].scope == "error"
    assert "project_name" not in found and "workflow_name" not in found


def test_plugin_schemas_from_extra_dirs(tmp_path: Path) -> None:
    plugin = {
        "$schema": DRAFT_07,
        "title": "snow>",
        "type": "object",
        "properties": {
            "snow>": {"type": "string", "description": "Query file."},
            "warehouse": {"type": "string", "description": "Warehouse name."},
        },
        "x-digdag": {"operator": "snow", "summary": "Runs a Snowflake query.", "required": []},
    }
    (tmp_path / "snow.json").write_text(json.dumps(plugin), encoding="utf-8")
    clash = {**plugin, "x-digdag": {**plugin["x-digdag"], "operator": "sh"}}
    (tmp_path / "sh.json").write_text(json.dumps(clash), encoding="utf-8")
    found = load_operators([tmp_path])
    assert len(found) == len(REGISTERED) + 1
    snow = found["snow"]
    assert snow.params["warehouse"].description == "Warehouse name."
    assert snow.command is not None and snow.category == "plugin"
    assert found["sh"].summary != "Runs a Snowflake query."  # built-ins win, as in Digdag
    assert "snow" not in load_operators()
    (tmp_path / "other.json").write_text('{"properties": {}}', encoding="utf-8")
    assert len(load_operators([tmp_path])) == len(REGISTERED) + 1  # not an operator schema
    (tmp_path / "bad.json").write_text('{"x-digdag": {"summary": "?"}}', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"x-digdag\.operator"):
        load_operators([tmp_path])
    broken = {"x-digdag": {"operator": "broken", "file_params": [{"kind": "query"}]}}
    (tmp_path / "bad.json").unlink()
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(SchemaError, match="malformed"):
        load_operators([tmp_path])


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": "integer"}, [3, "3", " -2 ", "${n}", None], ["high", "3.5", True, [1]]),
        ({"type": "boolean"}, [True, "true", "false", "${b}", None], ["yes", "True", 1]),
        ({"type": "string"}, ["x", 1, 2.5, False, None], [{"a": 1}, [1]]),
        ({"type": "object"}, [{}, "${obj}", None], ["x", 1]),
        ({"type": "string", "enum": ["a", "b"]}, ["a", "${x}", None], ["c", 1]),
    ],
)
def test_literal_schema(schema: dict[str, Any], good: list[object], bad: list[object]) -> None:
    validator = Draft7Validator(literal_schema(schema))
    for value in good:
        assert validator.is_valid(value), value
    for value in bad:
        assert not validator.is_valid(value), value


def test_literal_schema_without_templates() -> None:
    validator = Draft7Validator(literal_schema({"type": "boolean"}, templates=False))
    assert validator.is_valid("true")
    assert not validator.is_valid("${x}")


def test_combined_schema_is_up_to_date() -> None:
    committed = (SCHEMAS / schemagen.OUTPUT_NAME).read_text(encoding="utf-8")
    assert committed == schemagen.render(), "run `python -m diglang.schemagen`"
    assert schemagen.main(["--check"]) == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"+t": {"td>": "q.sql", "priority": "high"}}, {"/+t/priority"}),
        ({"+t": {"_type": "td", "priority": "high"}}, {"/+t/priority"}),
        ({"+t": {"_type": "${op}", "priority": "high"}}, set()),  # known at run time only
        ({"+t": {"snow>": "q.sql", "priority": "high"}}, set()),  # a plugin operator
        ({"+t": {"sh>": "run.sh", "any_param": {"x": 1}}}, set()),  # params for ${...} use
        ({"+t": [{"echo>": "a"}, {"_retry": "${n}"}]}, set()),  # list of mappings, merged
        ({"+g": {"+t": {"loop>": 2, "_do": {"+u": {"wait>": "1 h"}}}}}, set()),
        ({"+g": {"+t": {"loop>": 2, "_do": {"+u": {"wait>": "soon"}}}}}, {"/+g/+t/_do/+u/wait>"}),
        ({"schedule": {"daily>": "07:00:00", "skip_on_over_time": True}}, {"/schedule"}),
        ({"schedule": {"cron>": "0 * * * *", "daily>": "07:00:00"}}, {"/schedule"}),
        ({"sla": {"time": "02:00", "+alert": {"echo>": "late"}}}, set()),
        ({"sla": {"alert": True}}, {"/sla"}),  # neither time nor duration
        ({"_parallel": {"limit": "x"}}, {"/_parallel/limit"}),
        ({"+t": {"_background": "${b}", "echo>": "x"}}, {"/+t/_background"}),  # compile time
        ({"+t": {"_env": {"1BAD": "x"}, "sh>": "env"}}, {"/+t/_env"}),
    ],
)
def test_combined_schema_cases(data: dict[str, Any], expected: set[str]) -> None:
    assert error_paths(data) == expected


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "digdag.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert schemagen.main(["--check", "--output", str(stale)]) == 1
    assert schemagen.main(["--output", str(stale)]) == 0
    assert schemagen.main(["--check", "--output", str(stale)]) == 0


def corpus_workflows() -> Iterator[Path]:
    """Corpus files that Digdag's YAML loader accepts (MANIFEST `yaml_parse == ok`)."""
    yield from (p for p in sorted((CORPUS / "realworld").rglob("*.dig")) if loads_in_digdag(p))


def load_plain(path: Path) -> object:
    """The file as Digdag's JSON tree (includes resolved, placeholders for missing files)."""
    doc = parse(read_with_placeholders(str(path)), str(path), loader=read_with_placeholders)
    return to_plain(doc.root)


def test_no_false_alarms_on_the_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    found: dict[str, set[str]] = {}
    count = 0
    for path in corpus_workflows():
        count += 1
        paths = error_paths(load_plain(path))
        if paths:
            found[path.relative_to(CORPUS).as_posix()] = paths
    assert count > 600
    assert found == KNOWN_INVALID


def test_upstream_invalid_schedules_are_flagged() -> None:
    fixtures = CORPUS / "digdag" / "digdag-tests" / "src" / "test" / "resources" / "acceptance"
    if not fixtures.is_dir():
        pytest.skip("../shared/corpus is absent")
    expected = {
        "schedule/invalid_schedule.dig": "/schedule/hourly>",  # hourly> 10:11:12
        "scheduler/invalid.dig": "/schedule",  # skip_on_over_time
        "scheduler/invalid_op.dig": "/schedule",  # wrong>
        "scheduler/unknown_type.dig": "/schedule",  # no_such_scheduler>
    }
    for name, where in expected.items():
        assert where in error_paths(load_plain(fixtures / name)), name


@pytest.mark.parametrize("path", sorted((ROOT / "examples").rglob("*.dig")), ids=str)
def test_examples_are_valid(path: Path) -> None:
    doc = parse(path.read_text(encoding="utf-8"), str(path))
    assert error_paths(to_plain(doc.root)) == set()


def marked_lines(text: str) -> set[int]:
    """0-based numbers of the lines ending in `# error`."""
    return {n for n, line in enumerate(text.splitlines()) if line.rstrip().endswith("# error")}


def line_of(root: Value, path: str) -> int:
    """0-based line of the value at a JSON path of the document."""
    node = root
    for part in path.strip("/").split("/") if path else []:
        if isinstance(node, Mapping):
            node = next(e.value for e in node.entries if e.key.text == part)
        elif isinstance(node, Sequence):
            node = node.items[int(part)]
    return node.source.text.count("\n", 0, node.span.start)


def test_samples_valid_and_invalid() -> None:
    valid = parse((SAMPLES / "valid.dig").read_text(encoding="utf-8"))
    assert error_paths(to_plain(valid.root)) == set()
    text = (SAMPLES / "invalid.dig").read_text(encoding="utf-8")
    invalid = parse(text)
    assert invalid.root is not None
    lines = {line_of(invalid.root, p) for p in error_paths(to_plain(invalid.root))}
    assert lines == marked_lines(text)
