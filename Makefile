# The two commands of the README:   make book   and   make test
# Both create .venv (Python 3.11) on first use and install the pinned requirements.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test lint execute clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

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
