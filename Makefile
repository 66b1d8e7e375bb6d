# kopdana — the two commands of the README:
#   make run    set up, migrate, seed demo data, start sandbox + bot + admin web
#   make test   set up, then static checks and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint format clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "kopdana needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kopdana run

test: $(STAMP)
	scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/mypy && $(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.webhook_bench
	$(BIN)/python -m bench.ledger_bench
	$(BIN)/python -m bench.connect_bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
