"""End to end: the real server in a subprocess, driven over stdio by pytest-lsp."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from diglsp.convert import uri_of
from diglsp.formatting import apply
from lspclient import SERVER, change_doc, close_doc, open_doc, pos, published, replace, start

MAIN = """\
timezone: UTC
_export:
  table: items
+include:
  !include : parts/step.dig
+load:
  shh>: echo ${table}
"""
STEP = "+step:\n  echo>: ${tabel}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "parts").mkdir()
    (root / "main.dig").write_text(MAIN)
    (root / "parts" / "step.dig").write_text(STEP)
    (root / "other.dig").write_text("+a:\n  ech>: hi\n")
    (root / ".diglint.toml").write_text('ignore = ["hardcoded-credential"]\n')
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, project: Path):
    await start(lsp_client, project)
    yield
    await lsp_client.shutdown_session()


def by_rule(diagnostics) -> dict[str, types.Diagnostic]:
    return {str(d.code): d for d in diagnostics}


async def test_diagnostics_on_open(client: LanguageClient, project: Path) -> None:
    diagnostics = by_rule(await open_doc(client, project / "main.dig", MAIN))
    unknown = diagnostics["unknown-operator"]
    assert unknown.message == "unknown operator `shh>`; did you mean `sh>`?"
    assert unknown.range == types.Range(start=pos(MAIN, "shh>"), end=pos(MAIN, "shh>", 4))
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert unknown.source == "diglint"
    # the included file's problem is shown on the `!include`, pointing to the real place
    moved = diagnostics["undefined-variable"]
    assert moved.message.startswith("in included `parts/step.dig`: ")
    assert moved.range.start == pos(MAIN, "!include")
    related = moved.related_information[0]
    assert related.location.uri == uri_of(str(project / "parts" / "step.dig"))
    assert related.location.range.start == pos(STEP, "tabel")
    close_doc(client, project / "main.dig")


async def test_incremental_change_updates_diagnostics(
    client: LanguageClient, project: Path
) -> None:
    path = project / "main.dig"
    assert "unknown-operator" in by_rule(await open_doc(client, path, MAIN, version=1))
    fixed, change = replace(MAIN, "shh>", "sh>")
    assert "unknown-operator" not in by_rule(await change_doc(client, path, 2, [change]))
    _, change = replace(fixed, "sh>:", "sh>: [")
    diagnostics = await change_doc(client, path, 3, [change])
    assert [d.code for d in diagnostics] == ["yaml-syntax"]
    close_doc(client, path)


async def test_code_action_applies_the_rule_fix(client: LanguageClient, project: Path) -> None:
    path = project / "main.dig"
    diagnostics = await open_doc(client, path, MAIN)
    unknown = by_rule(diagnostics)["unknown-operator"]
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(str(path))),
            range=unknown.range,
            context=types.CodeActionContext(diagnostics=[unknown]),
        )
    )
    titles = [a.title for a in result]
    assert titles[0] == "replace with `sh>`"
    fix = result[0]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert not fix.is_preferred  # an unsafe fix: offered, never applied automatically
    edits = fix.edit.changes[uri_of(str(path))]
    assert apply(MAIN, edits) == MAIN.replace("shh>", "sh>")
    assert "Disable `unknown-operator` for this line" in titles
    close_doc(client, path)


async def test_formatting(client: LanguageClient, project: Path) -> None:
    path = project / "fmt.dig"
    text = "+a:\n    sh>:   echo hi   # note\n+b:\n    echo>: x\n"
    await open_doc(client, path, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(str(path))),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert apply(text, edits) == "+a:\n  sh>: echo hi # note\n+b:\n  echo>: x\n"
    close_doc(client, path)


async def test_config_file_and_settings_select_rules(client: LanguageClient, project: Path) -> None:
    path = project / "secret.dig"
    text = "+a:\n  pg>: q.sql\n  password: hunter22\n"
    # .diglint.toml ignores hardcoded-credential; missing-file is on
    assert "hardcoded-credential" not in by_rule(await open_doc(client, path, text))
    waiting = published(client, uri_of(str(path)))
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"digdag": {"lint": {"ignore": ["missing-file"], "debounceMs": 10}}}
        )
    )
    assert "missing-file" not in by_rule(await waiting)
    waiting = published(client, uri_of(str(path)))
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"digdag": {"lint": {"debounceMs": 10}}})
    )
    assert "missing-file" in by_rule(await waiting)
    close_doc(client, path)


async def test_lint_workspace_command(client: LanguageClient, project: Path) -> None:
    other = uri_of(str(project / "other.dig"))
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="diglsp.lintWorkspace", arguments=[])
    )
    assert result["files"] == 3  # main, other, parts/step (the others exist only in buffers)
    assert [d.code for d in client.diagnostics[other]] == ["unknown-operator"]


async def test_garbage_documents_do_not_break_the_server(
    client: LanguageClient, project: Path
) -> None:
    junk = "\x00\x01\ufffd: [ {{\n\t- !!binary\n" * 50
    diagnostics = await open_doc(client, project / "junk.dig", junk)
    assert diagnostics and all(d.severity == types.DiagnosticSeverity.Error for d in diagnostics)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(str(project / "junk.dig"))),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert not edits
    # and it still answers
    assert by_rule(await open_doc(client, project / "ok.dig", "+a:\n  echo>: hi\n")) == {}


async def test_editing_an_included_file_rechecks_its_includer(
    client: LanguageClient, project: Path
) -> None:
    main = project / "main.dig"
    step = project / "parts" / "step.dig"
    assert "undefined-variable" in by_rule(await open_doc(client, main, MAIN))
    # the fragment is checked as a fragment: no scope of its own, so no undefined-variable
    assert by_rule(await open_doc(client, step, STEP)) == {}
    includer = published(client, uri_of(str(main)))
    _, change = replace(STEP, "tabel", "table")
    await change_doc(client, step, 2, [change])  # unsaved: the includer sees the buffer
    assert "undefined-variable" not in by_rule(await includer)
    close_doc(client, step)
    close_doc(client, main)
