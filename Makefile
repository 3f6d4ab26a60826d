# The two commands of the README:   make book   and   make test
# Both create .venv (Python 3.11) on first use and install the pinned requirements.
# They install requirements.lock: every package, direct or not, at the version and with the
# hashes locked there (generated from requirements.txt by `make lock`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COLAB_VENV  ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed

.PHONY: book test test-colab lock lint execute clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==26.3
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip check
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## make lock: re-resolve requirements.txt into requirements.lock (all packages, exact
## versions, hashes), after changing a pin in requirements.txt
lock: $(STAMP)
	$(BIN)/uv pip compile requirements.txt --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" --output-file requirements.lock

## make test-colab: every notebook under nbval as Google Colab runs it: Colab's Python
## (3.13) and Colab's package versions (colab-requirements.txt), in a second environment
## .venv-colab; not part of make test. PYTHON_COLAB=/path/to/python3.13 overrides the search.
COLAB_PYTHON_VERSION := 3.13
PYTHON_COLAB ?= $(shell for p in python$(COLAB_PYTHON_VERSION) \
	$$HOME/.pyenv/versions/$(COLAB_PYTHON_VERSION)*/bin/python$(COLAB_PYTHON_VERSION) \
	/usr/local/bin/python$(COLAB_PYTHON_VERSION) /usr/bin/python$(COLAB_PYTHON_VERSION); do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma) ,$(COLAB_PYTHON_VERSION))))' \
	2>/dev/null && { command -v $$p || echo $$p; } && break; done)
comma := ,

$(COLAB_STAMP): colab-requirements.txt colab-test-requirements.txt pyproject.toml
	@if [ -z "$(PYTHON_COLAB)" ]; then \
	  echo "make test-colab needs Python $(COLAB_PYTHON_VERSION), the version Google Colab runs," \
	    "and found none (looked for python$(COLAB_PYTHON_VERSION) on PATH and in pyenv)."; \
	  echo "Install it (e.g. 'pyenv install $(COLAB_PYTHON_VERSION)' or your system's" \
	    "python$(COLAB_PYTHON_VERSION) package), or pass PYTHON_COLAB=/path/to/python$(COLAB_PYTHON_VERSION)."; \
	  exit 1; fi
	@$(PYTHON_COLAB) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; \
	  sys.exit(0 if v == "$(COLAB_PYTHON_VERSION)" else \
	  f"PYTHON_COLAB={sys.executable} is Python {v}; Colab runs $(COLAB_PYTHON_VERSION)")'
	rm -rf $(COLAB_VENV)
	$(PYTHON_COLAB) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install -q --upgrade pip==26.3
	$(COLAB_VENV)/bin/python -m pip install -q -r colab-requirements.txt -r colab-test-requirements.txt
	$(COLAB_VENV)/bin/python -m pip install -q --no-deps -e .
	touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
	@$(COLAB_VENV)/bin/python -c 'import sys; v = "%d.%d" % sys.version_info[:2]; \
	  sys.exit(0 if v == "$(COLAB_PYTHON_VERSION)" else \
	  f"$(COLAB_VENV) runs Python {v}, not $(COLAB_PYTHON_VERSION): rm -rf $(COLAB_VENV) and retry")'
	$(COLAB_VENV)/bin/python -m pytest -n 2 --dist loadfile chapters

## make book: build the HTML book from the stored notebook outputs into _build/html
book: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build . -W --keep-going || exit 1; \
	echo "build_seconds: $$(( $$(date +%s) - start ))"

## make test: every test (helpers, notebooks under nbval, toc, hygiene, book build),
## two test files at a time (one per core; each notebook's cells stay in one kernel, in order)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## make lint: ruff over the Python files (also run by make test)
lint: $(STAMP)
	$(BIN)/ruff check .

## make execute NB=path/to/notebook.ipynb: re-run one notebook top to bottom in place
execute: $(STAMP)
	$(BIN)/python tests/execute.py $(NB)

clean:
	rm -rf _build .pytest_cache
