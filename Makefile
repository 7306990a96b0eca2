# Veiligheidsanalyse — `make help` lists the targets.
# Every target creates the project environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config/westerveld.yaml
STAMP  := $(VENV)/.installed
LINT_PATHS := lib tests benchmarks

.DEFAULT_GOAL := help
.PHONY: help setup report test test-all lint faults lab clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo "  variables: CONFIG=$(CONFIG)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name veiligheidsanalyse \
		--display-name "Python (veiligheidsanalyse)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv and install the package, its kernel and the dev tools (idempotent)

report: $(STAMP)  ## Build the report for CONFIG (demo data when there is no network)
	$(BIN)/veiligheidsanalyse run $(CONFIG)

# Tests run in TEST_WORKERS processes (pytest-xdist); a test module stays on one worker (--dist loadfile),
# so its module fixtures are built once and its tests run in their order.
TEST_WORKERS ?= 2
TEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP)  ## Run the test suite without the slow end-to-end group (make test-all runs everything)
	$(BIN)/python -m pytest $(TEST_PARALLEL) -m "not slow"

test-all: $(STAMP)  ## Run every test, the slow end-to-end group too (as CI does)
	$(BIN)/python -m pytest $(TEST_PARALLEL)

lint: $(STAMP)  ## Lint, check the formatting and the types (ruff, mypy)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

faults: $(STAMP)  ## Run the fault-injection suite (bad inputs, network, kills, disk full, disclosure)
	VA_FAULTS=1 $(BIN)/python -m pytest -m fault -q

# JupyterLab serves the project folder (so the CSV links in the outputs, in outputs/interactief/, open)
# and starts in notebooks/; in a container as root it needs --allow-root. It prints its URL.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP)  ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(LAB_ROOT_FLAG)

clean:  ## Remove built reports and caches (keeps .venv, data/cache snapshots and data/demo)
	rm -rf outputs/*/ outputs/.intern outputs/.extern outputs/.cache outputs/.tmp outputs/.locks outputs/logs .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
