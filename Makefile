# Two commands for a newcomer: `make serve` and `make test`. Both bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
LIGHTHOUSE := tools/lighthouse/node_modules/.bin/lighthouse

.PHONY: venv serve build test check lint lighthouse notebooks conformance golden bench clean

# uv installs the pinned packages: it downloads and unpacks in parallel, where pip does each in
# turn (the lock: 48 s with pip, 18 s with uv, from an empty cache on two cores). The venv keeps
# the pip it was made with, for the site's wheel build.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_INSTALL = $(UV) pip install --quiet --python $(BIN)/python
# Bytecode is written when a module is first imported, as Python does by default, not compiled for
# every file at install: the tests and the site import 5,800 of the 14,400 modules .venv holds
# (with the conformance frameworks), so compiling all of them cost 43 CPU-s where these take 16.
# A machine that sets PYTHONDONTWRITEBYTECODE would recompile every module in every process
# instead (each notebook kernel, test worker and build), so the commands here unset it; the
# checkout's own __pycache__ folders are ignored by git.
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) --no-deps -e .
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
	$(UV_INSTALL) jupyterlab
	$(BIN)/jupyter lab notebooks/

# the pins are pyproject.toml's conformance extra: PyTorch 2.13 (CPU), Keras 3.15.1 on JAX, optax 0.2.8,
# pytorch-metric-learning 2.9.0 and Kornia 0.9.0
CONFORMANCE := torch==2.13.0 jax==0.10.2 jaxlib==0.10.2 keras==3.15.1 optax==0.2.8 ml_dtypes==0.7.0 absl-py==2.5.1 \
	h5py==3.16.0 namex==0.1.0 opt_einsum==3.4.0 optree==0.20.0 rich==15.0.0 \
	pytorch-metric-learning==2.9.0 tqdm==4.70.1 kornia==0.9.0 kornia_rs==0.2.0

# uv does not read pip's configuration: a folder of wheels that pip is told to look in (a machine's
# CPU build of PyTorch) is passed on, so that uv takes the same file pip would
PIP_WHEELS = $(shell $(PYTHON) -m pip config list 2>/dev/null | sed -n "s/^.*find-links='\(.*\)'$$/\1/p" | head -1 | cut -d' ' -f1)

conformance: $(STAMP)  ## install PyTorch, Keras (JAX backend), optax, pytorch-metric-learning and Kornia for the live conformance tests
	$(UV_INSTALL) $(if $(PIP_WHEELS),--find-links $(PIP_WHEELS)) $(CONFORMANCE)

golden: conformance  ## regenerate tests/golden/{torch,keras,optax,pml,kornia,sklearn}.json with the pinned frameworks
	$(BIN)/python scripts/make_golden.py
	$(BIN)/python scripts/make_golden_jax.py
	$(BIN)/python scripts/make_golden_torch_libs.py
	$(BIN)/python scripts/make_golden_sklearn.py

bench: $(STAMP)  ## time lossref against PyTorch (if installed) and NumPy; writes bench/results.json
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis tools/lighthouse/node_modules
