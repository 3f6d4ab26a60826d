"""Test-session set-up, the order of the work, and the timing figures printed at the end."""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import bookenv  # noqa: E402

# Before any notebook kernel starts: quiet TensorFlow, offline Keras cache.
bookenv.prepare()

_START = time.perf_counter()
_NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)
#: Seconds assumed for test files that are not notebooks and take long (a whole book build).
_SLOW_FILES = {"test_book_build.py": 60.0}


@cache
def expected_seconds(path: str) -> float:
    """How long a test file is expected to take: for a notebook, the time its stored
    outputs took to compute (from the cells' execution timestamps)."""
    p = Path(path)
    if p.suffix != ".ipynb":
        return _SLOW_FILES.get(p.name, 0.0)
    total = 0.0
    try:
        cells = json.loads(p.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return 0.0
    for cell in cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.status.busy"), stamps.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return total


#: Glued values (MyST-NB ``glue``, ``helpers.report``) as stored in a notebook. nbval does not
#: compare them: they repeat at full precision (``repr``) numbers whose rounded display is
#: compared or whose goal is checked, and their last digits change with the BLAS thread count.
GLUE_KEYS = tuple(
    f"application/papermill.record/{mime}"
    for mime in ("text/plain", "text/html", "text/markdown", "text/latex", "image/png")
)


def pytest_collection_modifyitems(session, config, items):
    """Longest test files first (each file's own order kept), so that with two workers
    (``make test`` runs pytest-xdist with ``--dist loadfile``) the slowest notebooks do not
    start last and leave one core idle at the end; and glued values left out of nbval's
    comparison (see :data:`GLUE_KEYS`)."""
    items.sort(key=lambda item: -expected_seconds(str(item.path)))
    for item in items:
        notebook = getattr(item, "parent", None)
        skip = getattr(notebook, "skip_compare", None)
        if isinstance(skip, tuple) and GLUE_KEYS[0] not in skip:
            notebook.skip_compare = skip + GLUE_KEYS


def pytest_runtest_logreport(report):
    """Add up setup + call + teardown time of every nbval cell, per notebook."""
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _NOTEBOOK_SECONDS[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    """Print the suite's timing figures (pytest's own closing line stays last)."""
    tr = terminalreporter
    tr.section("timing")
    for path, secs in sorted(_NOTEBOOK_SECONDS.items(), key=lambda kv: -kv[1]):
        tr.write_line(f"{secs:7.1f} s  {path}")
    slowest = max(_NOTEBOOK_SECONDS.values(), default=0.0)
    tr.write_line(f"suite_seconds: {time.perf_counter() - _START:.0f}")
    tr.write_line(f"notebook_seconds_max: {slowest:.0f}")
