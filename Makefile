# icml2018-bot — `make run` starts the bot, `make test` checks everything.
# Pick the interpreter with PYTHON (3.11 or newer): `PYTHON=python3.12 make run`.
PYTHON ?= python3
PYTHON_MIN := 3.11
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest eval bench load clean
.DEFAULT_GOAL := $(DEV_STAMP)

# Before a venv exists, check the interpreter that would make it: one clear line (Korean,
# then English) naming the version found and how to pick another, instead of a pip failure.
ifeq ($(wildcard $(BIN)/python),)
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),install)),)
PYTHON_FOUND := $(shell $(PYTHON) --version 2>&1 | sed -n 's/^Python \([0-9][0-9.]*\).*/\1/p')
ifeq ($(PYTHON_FOUND),)
$(error icml2018-bot: Python $(PYTHON_MIN) 이상이 필요한데 '$(PYTHON)'을(를) 실행할 수 없습니다. 다른 인터프리터를 고르세요: PYTHON=python3.12 make $(or $(MAKECMDGOALS),run) (needs Python >= $(PYTHON_MIN); '$(PYTHON)' not found))
endif
ifneq ($(firstword $(shell printf '%s\n' $(PYTHON_MIN) $(PYTHON_FOUND) | sort -t. -k1,1n -k2,2n)),$(PYTHON_MIN))
$(error icml2018-bot: Python $(PYTHON_MIN) 이상이 필요한데 '$(PYTHON)'은(는) $(PYTHON_FOUND)입니다. 다른 인터프리터를 고르세요: PYTHON=python3.12 make $(or $(MAKECMDGOALS),run) (needs Python >= $(PYTHON_MIN), found $(PYTHON_FOUND)))
endif
endif
endif

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run`: the bot and its runtime dependencies only.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# `make test` and the other developer targets: the dev extra too (ruff, mypy, pytest, …).
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/icml2018-bot run

test: $(DEV_STAMP) lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/python -m pytest

eval: $(DEV_STAMP)
	$(BIN)/icml2018-bot eval ../shared/eval/dev_questions.yaml ../shared/eval/dev_questions_2.yaml tests/data/blind_questions.yaml tests/data/fresh_questions.yaml tests/data/fifth_questions.yaml tests/data/sixth_questions.yaml tests/data/seventh_questions.yaml tests/data/eighth_questions.yaml tests/data/ninth_questions.yaml tests/data/tenth_questions.yaml tests/data/eleventh_questions.yaml

bench: $(DEV_STAMP)
	$(BIN)/icml2018-bot bench

load: $(DEV_STAMP)
	$(BIN)/python -m pytest -m load --load-full -s tests/test_load.py tests/test_slack_hostile.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
