"""End to end: navigation requests through the real server on a multi-file project."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from diglsp.convert import uri_of
from diglsp.formatting import apply
from lspclient import SERVER, copy_navigation_project, open_doc, pos, start


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_navigation_project(tmp_path_factory.mktemp("project"))


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, project: Path):
    await start(lsp_client, project)
    for name in ("main.dig", "sub/other.dig"):
        await open_doc(lsp_client, project / name, (project / name).read_text())
    yield
    await lsp_client.shutdown_session()


def doc(project: Path, name: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri_of(str(project / name)))


async def test_definition_of_call_target_and_variable(
    client: LanguageClient, project: Path
) -> None:
    main = (project / "main.dig").read_text()
    [target] = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(project, "main.dig"), position=pos(main, "sub/other", 2)
        )
    )
    assert target.uri == uri_of(str(project / "sub" / "other.dig"))
    other = (project / "sub" / "other.dig").read_text()
    exports = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(project, "sub/other.dig"), position=pos(other, "target_db", 1)
        )
    )
    # both workflows that `call>` sub/other.dig export it
    by_file = {e.uri.rsplit("/", 1)[-1]: e.range.start for e in exports}
    assert by_file.keys() == {"main.dig", "upstream.dig"}
    assert by_file["main.dig"] == pos(main, "target_db: analytics")


async def test_rename_variable_across_files(client: LanguageClient, project: Path) -> None:
    main = (project / "main.dig").read_text()
    position = pos(main, "target_db: analytics")
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(project, "main.dig"), position=position)
    )
    assert prepared.placeholder == "target_db"
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=doc(project, "main.dig"), position=position, new_name="warehouse"
        )
    )
    changes = edit.changes or {c.text_document.uri: c.edits for c in edit.document_changes or []}
    other_uri = uri_of(str(project / "sub" / "other.dig"))
    renamed = apply(main, changes[uri_of(str(project / "main.dig"))])
    assert "target_db" not in renamed and renamed.count("warehouse") == main.count("target_db")
    other = (project / "sub" / "other.dig").read_text()
    assert "target_db" not in apply(other, changes[other_uri])
    with pytest.raises(Exception, match="not a valid variable name"):
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=doc(project, "main.dig"), position=position, new_name="1abc"
            )
        )


async def test_references_of_a_variable(client: LanguageClient, project: Path) -> None:
    main = (project / "main.dig").read_text()
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(project, "main.dig"),
            position=pos(main, "target_db: analytics"),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    files = {r.uri.rsplit("/", 1)[-1] for r in found}
    assert files == {"main.dig", "other.dig"}
    assert len(found) == main.count("${target_db}") + 2  # `.users` use, two in other.dig


async def test_symbols_folding_links(client: LanguageClient, project: Path) -> None:
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(project, "main.dig"))
    )
    names = [s.name for s in symbols]
    assert [n for n in names if n in ("+prepare", "+load", "+transform", "+report")] == [
        "+prepare",
        "+load",
        "+transform",
        "+report",
    ]
    load = next(s for s in symbols if s.name == "+load")
    assert [c.name for c in load.children if c.name.startswith("+")] == ["+users", "+items"]
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="summ"))
    assert [s.name for s in found] == ["+summary"]
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=doc(project, "main.dig"))
    )
    assert any(f.kind == types.FoldingRangeKind.Comment for f in folds)
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=doc(project, "main.dig"))
    )
    targets = {link.target.rsplit("/", 1)[-1] for link in links}
    assert {"users.sql", "items.sql", "prepare.sh", "other.dig", "common.yml"} <= targets


async def test_completion_hover_tokens_hints(client: LanguageClient, project: Path) -> None:
    main = (project / "main.dig").read_text()
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=doc(project, "main.dig"),
            position=pos(main, "${target_db}", 2),
            context=types.CompletionContext(
                trigger_kind=types.CompletionTriggerKind.TriggerCharacter, trigger_character="{"
            ),
        )
    )
    labels = [i.label for i in items.items]
    assert "target_db" in labels and "session_date" in labels
    shown = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(project, "main.dig"), position=pos(main, "td>", 1))
    )
    assert shown.contents.value.startswith("**td>**")
    value = await client.text_document_hover_async(
        types.HoverParams(
            text_document=doc(project, "main.dig"), position=pos(main, "${target_db}.users", 3)
        )
    )
    assert "analytics" in value.contents.value
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(project, "main.dig"))
    )
    assert len(tokens.data) % 5 == 0 and len(tokens.data) > 50
    end = types.Position(line=main.count("\n") + 1, character=0)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc(project, "main.dig"),
            range=types.Range(start=types.Position(line=0, character=0), end=end),
        )
    )
    labels = [
        h.label if isinstance(h.label, str) else "".join(p.value for p in h.label) for h in hints
    ]
    assert any(label.startswith("next:") and "07:00" in label for label in labels)
    assert any(label == "= analytics" for label in labels)
