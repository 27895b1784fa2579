# Two commands for a newcomer: `make serve` and `make test`. Both bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
LIGHTHOUSE := tools/lighthouse/node_modules/.bin/lighthouse

.PHONY: venv serve build test lint lighthouse notebooks conformance golden bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

serve: $(STAMP)  ## build the site and serve it on localhost:8000
	$(BIN)/mkdocs serve --strict -a localhost:$(PORT)

build: $(STAMP)  ## build the site into site/
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .

# Lighthouse for the site tests, pinned by tools/lighthouse/package-lock.json (needs Node.js and npm)
$(LIGHTHOUSE): tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --silent --no-audit --no-fund
	touch $(LIGHTHOUSE)

lighthouse: $(LIGHTHOUSE)

test: $(STAMP) lint $(LIGHTHOUSE)  ## every test: library, gradients, conformance, docs, notebooks, site
	$(BIN)/python -m pytest -n 2 --dist loadfile

notebooks: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab notebooks/

conformance: $(STAMP)  ## install PyTorch 2.13 (CPU) for the live conformance tests
	$(BIN)/python -m pip install --quiet torch==2.13.0

golden: conformance  ## regenerate tests/golden/torch.json with PyTorch
	$(BIN)/python scripts/make_golden.py

bench: $(STAMP)  ## time lossref against PyTorch (if installed) and NumPy; writes bench/results.json
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis tools/lighthouse/node_modules
