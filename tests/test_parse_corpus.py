"""parse() over every `.dig` of the shared corpora: no crash, Digdag's verdicts reproduced."""

from __future__ import annotations

from pathlib import Path

from test_expr_corpus import KNOWN_INVALID

from conftest import CORPUS, corpus_files, require_corpus
from corpus import loads_in_digdag, read_with_placeholders
from diglang.parse import parse

LOAD_RULES = {"yaml-syntax", "duplicate-key", "invalid-document"}
# Files with expressions reviewed as really invalid (see test_expr_corpus.KNOWN_INVALID).
BAD_EXPRESSION_FILES = {path for path, _ in KNOWN_INVALID}


def relative(path: Path) -> str:
    """A corpus path relative to the corpus root."""
    return path.relative_to(CORPUS).as_posix()


def test_corpus_yaml_verdicts_match_digdag() -> None:
    require_corpus()
    files = corpus_files()
    assert len(files) > 900
    disagreements = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        doc = parse(text, str(path), loader=read_with_placeholders)
        own = [d for d in doc.diagnostics if d.rule in LOAD_RULES and d.path == str(path)]
        if loads_in_digdag(path) == bool(own):
            disagreements.append((str(path), [d.message for d in own]))
    assert disagreements == []


def test_corpus_files_digdag_loads_have_no_parse_errors() -> None:
    require_corpus()
    problems = []
    missing_upstream = 0
    for path in corpus_files():
        if not loads_in_digdag(path):
            continue
        doc = parse(path.read_text(encoding="utf-8"), str(path), loader=read_with_placeholders)
        for diag in doc.diagnostics:
            # Included files missing upstream too (REFERENCES.tsv `exists=no`): real errors.
            if diag.rule == "missing-file" and diag.message.endswith("does not exist"):
                missing_upstream += 1
                continue
            if diag.rule == "expression-syntax" and relative(path) in BAD_EXPRESSION_FILES:
                continue
            problems.append(f"{path}: {diag.rule} {diag.message}")
    assert problems == []
    assert missing_upstream == 10
