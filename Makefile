# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# `make run HUBS=2` (or `make run-federation`): the second demo hub, Chablais, on PORT2 too.
HUBS ?= 1
PORT2 ?= 5001
CHABLAIS := ALVEOLE_HUB_ID=chablais ALVEOLE_HUB_NAME="Alvéole — PTCE du Chablais" \
	ALVEOLE_INSTANCE_DIR=$(CURDIR)/instance/chablais DATABASE_URL=sqlite:///$(CURDIR)/instance/chablais/alveole.db ALVEOLE_BASE_URL=http://$(HOST):$(PORT2) \
	ALVEOLE_SESSION_COOKIE=chablais_session
# The address the hub's emails and pages link to: where `make run` serves, unless set.
ARVE := ALVEOLE_BASE_URL=$${ALVEOLE_BASE_URL:-http://$(HOST):$(PORT)}

.PHONY: install run run-federation test lint translations schema

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

ifeq ($(HUBS),2)
run: run-federation
else
run: install
	$(BIN)/flask --app wsgi setup-demo
	@echo "Alvéole: http://$(HOST):$(PORT)/  (demo password: alveole-demo)"
	$(ARVE) ALVEOLE_PUBLIC_GRAPHQL_IDE=$${ALVEOLE_PUBLIC_GRAPHQL_IDE:-true} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)
endif

# Both demo hubs, each with its own database, key and cookie; Chablais runs in the background
# and stops with the Arve (Ctrl-C).
run-federation: install
	$(ARVE) $(BIN)/flask --app wsgi setup-demo
	$(CHABLAIS) $(BIN)/flask --app wsgi setup-demo
	@# Each demo hub registers the other with its public key (once: a known peer is kept).
	$(ARVE) $(BIN)/flask --app wsgi federation peer chablais "Alvéole — PTCE du Chablais" http://$(HOST):$(PORT2) \
		"$$($(CHABLAIS) $(BIN)/flask --app wsgi federation key | cut -d' ' -f2)"
	$(CHABLAIS) $(BIN)/flask --app wsgi federation peer arve "Alvéole — PTCE Vallée de l'Arve" http://$(HOST):$(PORT) \
		"$$($(ARVE) $(BIN)/flask --app wsgi federation key | cut -d' ' -f2)"
	@echo "Alvéole Arve:     http://$(HOST):$(PORT)/   (demo password: alveole-demo)"
	@echo "Alvéole Chablais: http://$(HOST):$(PORT2)/   (demo password: alveole-demo)"
	@$(CHABLAIS) $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT2) & chablais=$$!; \
	trap 'kill $$chablais' EXIT INT TERM; \
	$(ARVE) ALVEOLE_PUBLIC_GRAPHQL_IDE=$${ALVEOLE_PUBLIC_GRAPHQL_IDE:-true} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

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
