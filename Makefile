# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint translations schema

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(BIN)/flask --app wsgi setup-demo
	@echo "Alvéole: http://$(HOST):$(PORT)/  (demo password: alveole-demo)"
	ALVEOLE_PUBLIC_GRAPHQL_IDE=$${ALVEOLE_PUBLIC_GRAPHQL_IDE:-true} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest -n auto --cov --cov-report=term $(PYTEST_ARGS)

# ruff (pyflakes, bugbear, isort, complexity) and the import contracts of pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

schema: install
	$(BIN)/flask --app wsgi graphql-schema

translations: install
	$(BIN)/flask --app wsgi translations
