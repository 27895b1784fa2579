# Two commands for a newcomer: `make serve` and `make test`. Both bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
LIGHTHOUSE := tools/lighthouse/node_modules/.bin/lighthouse

.PHONY: venv serve build test check lint lighthouse notebooks conformance golden bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

serve: $(STAMP)  ## build the site and serve it on localhost:8000; a prose edit rebuilds only its page
	$(BIN)/mkdocs serve --strict --dirty -a localhost:$(PORT)

build: $(STAMP)  ## build the site into site/
	$(BIN)/mkdocs build --strict

lint: $(STAMP)  ## ruff (lint and format), and mypy on the typed core (lossref/_core, _domains, _checks, _reductions)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Lighthouse for the site tests, pinned by tools/lighthouse/package-lock.json (needs Node.js and npm)
$(LIGHTHOUSE): tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --silent --no-audit --no-fund
	touch $(LIGHTHOUSE)

lighthouse: $(LIGHTHOUSE)

test: $(STAMP) lint $(LIGHTHOUSE)  ## every test: library, gradients, conformance, docs, notebooks, site
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25 --junit-xml=.cache/junit.xml

check: $(STAMP) lint  ## the fast tier for the edit loop: everything but the site, browser, notebooks and mpmath sweep
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not site and not slow"

notebooks: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab notebooks/

# the pins are pyproject.toml's conformance extra: PyTorch 2.13 (CPU), Keras 3.15.1 on JAX, optax 0.2.8,
# pytorch-metric-learning 2.9.0 and Kornia 0.9.0
CONFORMANCE := torch==2.13.0 jax==0.10.2 jaxlib==0.10.2 keras==3.15.1 optax==0.2.8 ml_dtypes==0.7.0 absl-py==2.5.1 \
	h5py==3.16.0 namex==0.1.0 opt_einsum==3.4.0 optree==0.20.0 rich==15.0.0 \
	pytorch-metric-learning==2.9.0 tqdm==4.70.1 kornia==0.9.0 kornia_rs==0.2.0

conformance: $(STAMP)  ## install PyTorch, Keras (JAX backend), optax, pytorch-metric-learning and Kornia for the live conformance tests
	$(BIN)/python -m pip install --quiet $(CONFORMANCE)

golden: conformance  ## regenerate tests/golden/{torch,keras,optax,pml,kornia,sklearn}.json with the pinned frameworks
	$(BIN)/python scripts/make_golden.py
	$(BIN)/python scripts/make_golden_jax.py
	$(BIN)/python scripts/make_golden_torch_libs.py
	$(BIN)/python scripts/make_golden_sklearn.py

bench: $(STAMP)  ## time lossref against PyTorch (if installed) and NumPy; writes bench/results.json
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis tools/lighthouse/node_modules
