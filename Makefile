# Bootstraps .venv from pyproject.toml on first use; every target runs inside it.
PYTHON ?= python3.11
VENV ?= .venv
STACK ?= dev
BIN := $(VENV)/bin

.PHONY: preview test test-fast lint bench docs catalog-data wheel key-inputs clean

$(BIN)/regzone: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
	  echo "regzone needs Python 3.11 and '$(PYTHON)' is not it (or not found);" \
	       "point make at one: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

preview: $(BIN)/regzone  ## offline compliance preview of stacks/Pulumi.$(STACK).yaml
	$(BIN)/regzone preview --stack $(STACK)

test: $(BIN)/regzone  ## the full suite (what CI runs)
	$(BIN)/python -m pytest -n 2 --dist worksteal

test-fast: $(BIN)/regzone  ## skip slow end-to-end tests
	$(BIN)/python -m pytest -n 2 --dist worksteal -m "not slow"

lint: $(BIN)/regzone  ## static security analysis of the project's own code
	$(BIN)/bandit -q -c pyproject.toml -r regzone regzone_core components stacks incluster baseline policypacks/regulated-ai/regulated_ai

bench: $(BIN)/regzone  ## print the benchmark figures (bench/README.md); takes a few minutes
	$(BIN)/python bench/preview_scale.py
	$(BIN)/python bench/policy_overhead.py
	$(BIN)/python bench/servicer_cpu.py
	$(BIN)/python bench/evidence_scale.py
	bench/test_suite_time.sh

catalog-data:  ## copy catalog/*.yaml (the single source) into regzone/catalog_data/, the copy the wheel ships
	rm -rf regzone/catalog_data
	mkdir -p regzone/catalog_data
	cp catalog/*.yaml regzone/catalog_data/

wheel: $(BIN)/regzone catalog-data  ## build dist/regulated_ai_zones-<version>-py3-none-any.whl, what the policy pack requires
	rm -rf build
	$(BIN)/pip wheel --no-deps --no-build-isolation --wheel-dir dist .

docs: $(BIN)/regzone catalog-data  ## regenerate docs/compliance-matrix.md and docs/controls.md from the catalog, pack and tests
	$(BIN)/regzone matrix --write-docs

key-inputs: $(BIN)/regzone  ## regenerate regzone/data/key_inputs.json (key inputs per AWS type) from the pinned pulumi-aws
	$(BIN)/python -m regzone.coverage.key_inputs --write

clean:
	rm -rf $(VENV) .pytest_cache
