# icml2018-bot — `make run` starts the bot, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest eval bench load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/icml2018-bot run

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

eval: $(STAMP)
	$(BIN)/icml2018-bot eval ../shared/eval/dev_questions.yaml ../shared/eval/dev_questions_2.yaml

bench: $(STAMP)
	$(BIN)/icml2018-bot bench

load: $(STAMP)
	$(BIN)/python -m pytest -m load --load-full -s tests/test_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
