# digkit: `make run` runs the main job on examples/, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest bench schemas clean nvim vscode services
YLS := tests/yls/node_modules/.package-lock.json
SARIF_SCHEMA := tests/sarif/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json
VSCODE := vscode-extension/node_modules/.package-lock.json

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/digfmt --check examples/ecommerce
	$(BIN)/diglint examples/ecommerce
	$(BIN)/digtree examples/ecommerce
	$(BIN)/digrun run main.dig --project examples/ecommerce --session 2024-06-01 --dry-run

test: lint typecheck pytest vscode

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# yaml-language-server, the third-party consumer of schemas/digdag.schema.json in the tests
$(YLS): tests/yls/package-lock.json
	npm ci --prefix tests/yls --no-audit --no-fund

# the official SARIF 2.1.0 schema, to validate `diglint --format sarif`
$(SARIF_SCHEMA): tests/sarif/package-lock.json
	npm ci --prefix tests/sarif --ignore-scripts --no-audit --no-fund
	touch $@

# the VS Code extension: typecheck, bundle, tests (with this diglsp), vscode-extension/digdag-*.vsix
$(VSCODE): vscode-extension/package-lock.json
	npm ci --prefix vscode-extension --no-audit --no-fund
	touch $@

vscode: $(VSCODE) $(STAMP)
	DIGKIT_PYTHON=$(abspath $(BIN)/python) npm run --prefix vscode-extension check

# Neovim: the real editor the language server tests drive (Debian's package)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
nvim:
	command -v nvim >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq neovim >/dev/null; }

# digrun's tests: a JavaScript engine with moment.js as the oracle of `${...}` evaluation
JSORACLE := tests/runtime/js/node_modules/.package-lock.json
$(JSORACLE): tests/runtime/js/package-lock.json
	npm ci --prefix tests/runtime/js --no-audit --no-fund
	touch $@

# digrun's tests: the real servers its operators talk to (PostgreSQL, an S3-compatible
# server, SMTP), installed here; the tests start and stop them
services: $(STAMP)
	bash tests/runtime/services/install.sh

pytest: $(STAMP) $(YLS) $(SARIF_SCHEMA) $(JSORACLE) nvim services
	$(BIN)/pytest

schemas: $(STAMP)
	$(BIN)/python -m diglang.schemagen

bench: $(STAMP)
	$(BIN)/python bench/parse_format.py
	$(BIN)/python bench/lint.py
	$(BIN)/python bench/lsp_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/yls/node_modules tests/sarif/node_modules \
		tests/runtime/js/node_modules \
		vscode-extension/node_modules vscode-extension/dist vscode-extension/out vscode-extension/*.vsix
