# Two commands set up a fresh machine (Python 3.11 + pip): `make demo` (the main job) and `make test`.
# Both create or refresh the project's own virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SAMPLES ?= ../shared/samples
DEMO_DIR ?= out/demo
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: venv demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== installing into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install $(PIP_QUIET) -e ".[dev]" >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -c "import aiaudit, duckdb, sqlglot, pandas, papermill" || { echo "install failed"; exit 1; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name aiaudit --display-name "aiaudit (.venv)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	@start=$$(date +%s); \
	echo "== inventory of $(SAMPLES) (store in .cache/samples: the samples folder is read-only)"; \
	$(BIN)/aiaudit sources local:$(SAMPLES) --cache-dir .cache/samples || exit 1; \
	echo; echo "== one frame: CloudTrail, standard projection (first rows)"; \
	$(BIN)/python -m aiaudit.demo $(SAMPLES) .cache/samples || exit 1; \
	echo "demo took $$(( $$(date +%s) - start )) s"

lint: venv
	$(BIN)/ruff check aiaudit tests bench
	$(BIN)/ruff format --check aiaudit tests bench

typecheck: venv
	$(BIN)/mypy aiaudit

unit: venv
	$(BIN)/pytest -q -n 2

test: lint typecheck unit

bench: venv
	taskset -c 0,1 $(BIN)/python bench/ingest.py
	taskset -c 0,1 $(BIN)/python bench/queries.py

clean:
	rm -rf $(VENV) .cache out .pytest_cache .mypy_cache .ruff_cache
