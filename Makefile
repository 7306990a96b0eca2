# Veiligheidsanalyse — `make help` lists the targets.
# Every target creates the project environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config/westerveld.yaml
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup report test faults lab clean

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

test: $(STAMP)  ## Run the test suite
	$(BIN)/python -m pytest

faults: $(STAMP)  ## Run the fault-injection suite (bad inputs, network, kills, disk full, disclosure)
	VA_FAULTS=1 $(BIN)/python -m pytest -m fault -q

# JupyterLab serves the project folder (so the CSV links in the outputs, in outputs/interactief/, open)
# and starts in notebooks/; in a container as root it needs --allow-root. It prints its URL.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP)  ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(LAB_ROOT_FLAG)

clean:  ## Remove built reports and caches (keeps .venv, data/cache snapshots and data/demo)
	rm -rf outputs/*/ outputs/.intern outputs/.extern outputs/.cache outputs/.tmp outputs/.locks outputs/logs .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
