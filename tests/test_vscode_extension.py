"""The VS Code extension (vscode-extension/): its manifest, grammars, snippets and settings agree.

`make vscode` builds and tests the TypeScript side (typecheck, unit tests, grammar tests,
packaging); these tests check what ties the pieces together without Node.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from diglang.check import check_text
from diglang.config import Config
from diglang.parse import parse

EXT = Path(__file__).resolve().parents[1] / "vscode-extension"
PACKAGE: dict[str, Any] = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
CONTRIBUTES: dict[str, Any] = PACKAGE["contributes"]
SETTINGS: dict[str, Any] = CONTRIBUTES["configuration"]["properties"]
COMMANDS = [command["command"] for command in CONTRIBUTES["commands"]]
SOURCES = {path.name: path.read_text(encoding="utf-8") for path in (EXT / "src").glob("*.ts")}
EXTENSION_TS = SOURCES["extension.ts"]
SETTINGS_TS = SOURCES["settings.ts"]

# The shape of `initializationOptions` the server reads (the `digdag` section less
# `server` and `trace`), with each key's default.
INIT_OPTIONS = {
    "lint": {"select": None, "ignore": [], "debounceMs": 100},
    "inlayHints": {"schedule": True, "values": True},
}


def load_json(relative: str) -> Any:
    path = EXT / relative
    assert path.is_file(), f"{relative} is contributed but missing"
    return json.loads(path.read_text(encoding="utf-8"))


def grammar_files() -> list[str]:
    return [grammar["path"] for grammar in CONTRIBUTES["grammars"]]


# --- the manifest ------------------------------------------------------------------------


def test_contributed_files_exist_and_are_json() -> None:
    (language,) = CONTRIBUTES["languages"]
    assert language["id"] == "digdag"
    assert language["extensions"] == [".dig"]
    assert "Digdag" in language["aliases"]
    assert isinstance(load_json(language["configuration"]), dict)
    for grammar in CONTRIBUTES["grammars"]:
        assert load_json(grammar["path"])["scopeName"] == grammar["scopeName"]
    for snippets in CONTRIBUTES["snippets"]:
        assert snippets["language"] == "digdag"
        assert load_json(snippets["path"])


def test_grammar_contributions() -> None:
    by_scope = {grammar["scopeName"]: grammar for grammar in CONTRIBUTES["grammars"]}
    assert by_scope["source.digdag"]["language"] == "digdag"
    injection = by_scope["digdag.expression.injection"]
    assert injection["injectTo"] == ["source.digdag"]
    assert load_json(injection["path"])["injectionSelector"].split()[0] == "R:source.digdag"


def test_versions_vsce_accepts() -> None:
    """vsce refuses @types/vscode newer than engines.vscode; languageclient 11 needs 1.91."""
    engine = PACKAGE["engines"]["vscode"]
    types = PACKAGE["devDependencies"]["@types/vscode"]
    assert engine == "^1.91.0"
    assert types.startswith("1.91.")
    assert PACKAGE["devDependencies"]["vscode-languageclient"].startswith("11.")
    assert PACKAGE["main"] == "./dist/extension.js"
    lock = json.loads((EXT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"] == PACKAGE["devDependencies"]


def test_check_script_runs_every_step() -> None:
    scripts = PACKAGE["scripts"]
    for step in ("typecheck", "build", "test:unit", "test:grammar", "package"):
        assert f"npm run {step}" in scripts["check"]
    assert "--external:vscode" in scripts["build"]
    assert "--no-dependencies" in scripts["package"]


def test_vscodeignore_lets_in_only_runtime_files() -> None:
    lines = [
        line
        for line in (EXT / ".vscodeignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "**"
    allowed = {line[1:] for line in lines[1:]}
    assert all(line.startswith("!") for line in lines[1:])
    assert "dist/extension.js" in allowed
    assert "package.json" in allowed
    assert not any(entry.startswith(("src", "tests", "node_modules")) for entry in allowed)


# --- settings and commands ---------------------------------------------------------------


def string_literals(text: str) -> set[str]:
    return set(re.findall(r"""['"`](digdag\.[A-Za-z0-9_.]+)['"`]""", text))


def test_every_setting_the_code_reads_is_declared() -> None:
    declared = set(SETTINGS)
    sections = {key.rsplit(".", 1)[0] for key in declared}
    for name, source in SOURCES.items():
        for literal in string_literals(source):
            assert literal in declared or literal in COMMANDS or literal in sections, (
                f"{name} uses {literal!r}, which package.json does not declare"
            )


def test_every_declared_setting_is_used() -> None:
    constants = set(re.findall(r"""^\s+\w+: '(digdag\.[\w.]+)',$""", SETTINGS_TS, re.M))
    for key in SETTINGS:
        if key == "digdag.trace.server":
            # read by vscode-languageclient itself, from the id of the client
            assert "const CLIENT_ID = 'digdag';" in EXTENSION_TS
            continue
        assert key in constants, f"{key} is declared but never read"


def test_server_settings_restrict_in_untrusted_workspaces() -> None:
    restricted = PACKAGE["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert sorted(restricted) == sorted(key for key in SETTINGS if key.startswith("digdag.server."))
    assert "export const SERVER_SECTION = 'digdag.server';" in SETTINGS_TS


def test_initialization_options_cover_the_non_server_settings() -> None:
    """Each `digdag.lint.*`/`digdag.inlayHints.*` setting is one key of initializationOptions."""
    sent = {
        f"digdag.{group}.{key}": default
        for group, keys in INIT_OPTIONS.items()
        for key, default in keys.items()
    }
    declared = {
        key: spec["default"]
        for key, spec in SETTINGS.items()
        if not key.startswith(("digdag.server.", "digdag.trace."))
    }
    assert declared == sent
    assert f"DEFAULT_DEBOUNCE_MS = {INIT_OPTIONS['lint']['debounceMs']};" in SETTINGS_TS
    for group, keys in INIT_OPTIONS.items():
        for key in keys:
            assert re.search(rf"\b{key}:", SETTINGS_TS), f"{group}.{key} is not sent"


def test_server_defaults() -> None:
    assert SETTINGS["digdag.server.pythonPath"]["default"] == "python3"
    assert "export const DEFAULT_PYTHON = 'python3';" in SETTINGS_TS
    assert "export const SERVER_MODULE = 'diglsp';" in SETTINGS_TS
    assert SETTINGS["digdag.trace.server"]["enum"] == ["off", "messages", "verbose"]


def test_every_command_is_registered() -> None:
    match = re.search(r"export const COMMAND = \{(.*?)\} as const;", EXTENSION_TS, re.S)
    assert match
    names = dict(re.findall(r"(\w+): '([\w.]+)'", match.group(1)))
    assert sorted(names.values()) == sorted(COMMANDS)
    for name in names:
        assert f"registerCommand(COMMAND.{name}," in EXTENSION_TS, f"{name} is not registered"
    for command in CONTRIBUTES["commands"]:
        assert command["category"] == "Digdag" and command["title"]
    for entry in CONTRIBUTES["menus"]["commandPalette"]:
        assert entry["command"] in COMMANDS


def test_lint_workspace_asks_the_server() -> None:
    assert "const SERVER_LINT_WORKSPACE = 'diglsp.lintWorkspace';" in EXTENSION_TS
    assert "ExecuteCommandRequest.type" in EXTENSION_TS


# --- grammars ------------------------------------------------------------------------------

# Oniguruma syntax that Python's `re` does not know; such patterns are left to the grammar tests.
ONIGURUMA_ONLY = re.compile(r"\\g<|\\G|\\h|\\[1-9]|\(\?<[=!][^)]*(\||\*|\+)")


def regexes(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end", "while") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(regexes(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(regexes(item))
    return found


def scopes(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node[key] for key in ("name", "contentName") if isinstance(node.get(key), str)]
        return own + [scope for value in node.values() for scope in scopes(value)]
    if isinstance(node, list):
        return [scope for item in node for scope in scopes(item)]
    return []


def includes(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["include"]] if isinstance(node.get("include"), str) else []
        return own + [name for value in node.values() for name in includes(value)]
    if isinstance(node, list):
        return [name for item in node for name in includes(item)]
    return []


@pytest.mark.parametrize("relative", grammar_files())
def test_grammar_regexes_compile(relative: str) -> None:
    checked = 0
    for pattern in regexes(load_json(relative)):
        if ONIGURUMA_ONLY.search(pattern):
            continue
        re.compile(pattern)
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("relative", grammar_files())
def test_grammar_includes_resolve_and_rules_are_used(relative: str) -> None:
    grammar = load_json(relative)
    repository = grammar["repository"]
    local = set()
    for name in includes(grammar):
        if name.startswith("#"):
            assert name[1:] in repository, f"{relative}: {name} is not in the repository"
            local.add(name[1:])
        else:
            assert name in ("source.js#expression", "$self"), f"{relative}: unexpected {name}"
    assert set(repository) == local, f"{relative}: unused rules {set(repository) - local}"


def test_grammar_scopes_for_digdag_keys() -> None:
    grammar = load_json("syntaxes/digdag.tmLanguage.json")
    names = {
        rule["name"]: rule["match"]
        for rule in grammar["repository"]["key-name"]["patterns"]
        if "match" in rule
    }
    directive = re.compile(names["keyword.control.directive.digdag"])
    for key in ("_export", "_parallel", "_error", "_retry", "_check", "_do", "_else_do"):
        assert directive.fullmatch(key)
    for key in ("_background", "_env", "_secrets", "_type", "_command", "_disable", "_after"):
        assert directive.fullmatch(key)
    assert not directive.fullmatch("_exported")
    operator = re.compile(names["support.function.operator.digdag"])
    assert operator.fullmatch("td_run>") and operator.fullmatch("sh>")
    assert not operator.fullmatch("a>b")
    assert re.fullmatch(names["entity.name.function.task.digdag"], "+load_data")


def test_grammar_tests_cover_the_scopes() -> None:
    """Every scope the grammars assign is asserted in tests/grammar or the snapshot."""
    tests = "\n".join(
        path.read_text(encoding="utf-8")
        for pattern in ("tests/grammar/*.dig", "tests/snap/*.snap")
        for path in EXT.glob(pattern)
    )
    for relative in grammar_files():
        for scope in scopes(load_json(relative)["repository"]):
            for part in scope.split():
                if part != "source.js":
                    assert part in tests, f"{relative}: no grammar test shows {part}"


# --- language configuration ----------------------------------------------------------------

LANGUAGE_CONFIGURATION = load_json("language-configuration.json")


def test_word_pattern_keeps_digdag_names_together() -> None:
    word = re.compile(LANGUAGE_CONFIGURATION["wordPattern"])

    def words(line: str) -> list[str]:
        return [match.group(0) for match in word.finditer(line)]

    assert words("  +load_data:") == ["+load_data"]
    assert words("  - +step-2:") == ["+step-2"]
    assert words("  td_run>: q") == ["td_run>", "q"]
    assert words("echo ${session_date}") == ["echo", "session_date"]
    assert words("${a+b > 1.5}") == ["a", "b", "1.5"]


@pytest.mark.parametrize(
    ("line", "indents"),
    [
        ("+task:", True),
        ("  +task:   # why", True),
        ("- _do:", True),
        ("  query: |", True),
        ("  body: >-", True),
        ("  items: [", True),
        ("  sh>: echo a", False),
        ("# note:", False),
        ("  sh>: echo http://example.com", False),
    ],
)
def test_indentation_after_a_key(line: str, indents: bool) -> None:
    pattern = re.compile(LANGUAGE_CONFIGURATION["indentationRules"]["increaseIndentPattern"])
    assert bool(pattern.search(line)) is indents


def test_brackets_and_pairs() -> None:
    pairs = {pair["open"]: pair["close"] for pair in LANGUAGE_CONFIGURATION["autoClosingPairs"]}
    assert pairs["${"] == "}"
    assert pairs['"'] == '"' and pairs["'"] == "'"
    assert LANGUAGE_CONFIGURATION["comments"]["lineComment"] == "#"


# --- snippets ------------------------------------------------------------------------------

SNIPPETS: dict[str, Any] = load_json("snippets/digdag.json")


def expand_snippet(body: str) -> str:
    """The text a snippet inserts when every placeholder keeps its default (first choice)."""

    def text(i: int, nested: bool) -> tuple[str, int]:
        out: list[str] = []
        while i < len(body):
            char = body[i]
            if char == "\\" and i + 1 < len(body) and body[i + 1] in "$}\\":
                out.append(body[i + 1])
                i += 2
            elif nested and char == "}":
                return "".join(out), i + 1
            elif match := re.compile(r"\$(\d+)|\$\{\d+\}").match(body, i):
                i = match.end()
            elif match := re.compile(r"\$\{\d+\|([^|]*)\|\}").match(body, i):
                out.append(match.group(1).split(",")[0])
                i = match.end()
            elif match := re.compile(r"\$\{\d+:").match(body, i):
                inner, i = text(match.end(), True)
                out.append(inner)
            else:
                assert not body.startswith("${", i), f"unsupported snippet syntax at {body[i:]!r}"
                out.append(char)
                i += 1
        assert not nested, f"unclosed placeholder in {body!r}"
        return "".join(out), i

    return text(0, False)[0]


def test_expand_snippet() -> None:
    assert expand_snippet(r"a: ${1:x ${2:y}} \${b\} $0") == "a: x y ${b} "
    assert expand_snippet("k: ${1|one,two|}") == "k: one"


# Depend on the project around the snippet, not on the snippet.
PROJECT_RULES = {"missing-file", "undefined-variable"}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_is_a_valid_workflow(name: str, tmp_path: Path) -> None:
    snippet = SNIPPETS[name]
    assert snippet["prefix"] and snippet["description"]
    text = expand_snippet("\n".join(snippet["body"]))
    doc = parse(text, str(tmp_path / "snippet.dig"))
    assert doc.ok, [d.message for d in doc.diagnostics]
    result = check_text(text, str(tmp_path / "snippet.dig"), str(tmp_path), Config())
    problems = [f"{d.rule}: {d.message}" for d in result.diagnostics if d.rule not in PROJECT_RULES]
    assert problems == []


def test_snippets_keep_digdag_expressions() -> None:
    """`${...}` that Digdag evaluates is escaped in the snippet syntax and survives insertion."""
    bodies = {name: "\n".join(snippet["body"]) for name, snippet in SNIPPETS.items()}
    assert "${session_date}" in expand_snippet(bodies["sh> task"])
    assert "for_each>:\n    region: [us, eu, jp]" in expand_snippet(bodies["for_each> loop"])
    assert "sh>: echo ${region}" in expand_snippet(bodies["for_each> loop"])
    assert "if>: ${td.last_results.count > 0}" in expand_snippet(bodies["if> task"])


def test_snippets_cover_the_common_shapes() -> None:
    operators = "\n".join(line for snippet in SNIPPETS.values() for line in snippet["body"])
    for key in ("sh>", "py>", "call>", "for_each>", "loop>", "if>", "mail>", "td>", "pg>"):
        assert f"{key}:" in operators
    for key in ("_do", "_else_do", "_error", "_retry", "_parallel", "_export", "timezone"):
        assert f"{key}:" in operators
    assert "daily>:" in operators and "cron>:" in operators
