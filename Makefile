# Two commands set up a fresh machine (Python 3.11 + pip): `make demo` (the main job) and `make test`.
# Both create or refresh the project's own virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SAMPLES ?= ../shared/samples
DEMO_DIR ?= out/demo
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: venv demo demo-samples test lint typecheck unit bench fuzz reliability clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@date +%s > $(VENV)/.t0
	@echo "== installing into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install $(PIP_QUIET) -e ".[dev]" >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -c "import aiaudit, duckdb, sqlglot, pandas, papermill" || { echo "install failed"; exit 1; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name aiaudit --display-name "aiaudit (.venv)" >/dev/null
	@touch $(STAMP)
	@echo "== installed in $$(( $$(date +%s) - $$(cat $(VENV)/.t0) )) s"

venv: $(STAMP)

demo: venv
	@mkdir -p $(DEMO_DIR); t0=$$(date +%s); \
	echo "== simulate: 3 days, every scenario, seed 7 -> $(DEMO_DIR)/data"; \
	$(BIN)/aiaudit simulate --out $(DEMO_DIR)/data --days 3 --seed 7 > $(DEMO_DIR).simulate.log 2>&1 \
	  || { cat $(DEMO_DIR).simulate.log; exit 1; }; \
	t1=$$(date +%s); \
	echo "== ingest once into the local store"; \
	$(BIN)/aiaudit ingest local:$(DEMO_DIR)/data --quiet || exit 1; \
	t2=$$(date +%s); \
	echo "== run playbook daily-ai-audit over the last 24 h of the data"; \
	$(BIN)/aiaudit playbook run daily-ai-audit --source local:$(DEMO_DIR)/data --since 24h --anchor data-end \
	  --out $(DEMO_DIR)/report > $(DEMO_DIR).index; code=$$?; \
	t3=$$(date +%s); \
	if [ $$code -ne 0 ] && [ $$code -ne 3 ]; then echo "playbook failed (exit $$code)"; exit $$code; fi; \
	[ $$code -eq 3 ] && echo "(exit 3: findings at or above 'high', as planted by the simulator)"; \
	echo "timing: simulate $$(( t1 - t0 )) s, ingest $$(( t2 - t1 )) s, run $$(( t3 - t2 )) s (install: see above)"; \
	echo "report: $$(cat $(DEMO_DIR).index)"

demo-samples: venv
	@$(BIN)/aiaudit sources local:$(SAMPLES) --cache-dir .cache/samples
	@$(BIN)/python scripts/demo_samples.py $(SAMPLES) .cache/samples

lint: venv
	$(BIN)/lint-imports
	$(BIN)/ruff check aiaudit tests bench scripts
	$(BIN)/ruff format --check aiaudit tests bench scripts

typecheck: venv
	$(BIN)/mypy aiaudit

unit: venv
	$(BIN)/pytest -q -n 2

test: lint typecheck unit

bench: venv
	taskset -c 0,1 $(BIN)/python bench/ingest.py
	taskset -c 0,1 $(BIN)/python bench/queries.py

# Long coverage-guided fuzzing of every registered parser (tests/fuzz/harness.py); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 600
fuzz: venv
	$(BIN)/python -m tests.fuzz.campaign --seconds $(FUZZ_SECONDS) --out out/reliability/fuzz.json

# docs/reliability.md from measured runs (the corpus, injection, fault and fuzz tests, and the heavy store
# runs under bench/reliability/). Takes a while; other jobs on the machine affect the figures.
reliability: venv
	$(BIN)/python bench/reliability/run.py --out out/reliability
	$(BIN)/python bench/reliability/report.py out/reliability docs/reliability.md

clean:
	rm -rf $(VENV) .cache out .pytest_cache .mypy_cache .ruff_cache
