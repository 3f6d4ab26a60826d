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

## make test-colab: every notebook under nbval with the versions Google Colab ships
## (colab-requirements.txt), in a second environment .venv-colab; not part of make test
$(COLAB_STAMP): colab-requirements.txt pyproject.toml
	test -x $(COLAB_VENV)/bin/python || $(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install -q --upgrade pip==26.3
	$(COLAB_VENV)/bin/python -m pip install -q -r colab-requirements.txt
	$(COLAB_VENV)/bin/python -m pip install -q --no-deps -e .
	touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
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
