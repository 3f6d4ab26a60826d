"""Test-session set-up and the timing figures printed at the end of ``make test``."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import bookenv  # noqa: E402

# Before any notebook kernel starts: quiet TensorFlow, offline Keras cache.
bookenv.prepare()

_START = time.perf_counter()
_NOTEBOOK_SECONDS: dict[str, float] = defaultdict(float)


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
