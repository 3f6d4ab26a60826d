"""The Python code and the notebooks pass ruff (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from booktoc import ROOT

RUFF = Path(sys.executable).with_name("ruff")
#: Longest code line in a notebook: what the book's column shows without a scroll bar
#: (about 77 characters at 1280 px; one to spare).
NOTEBOOK_LINE_LENGTH = 76


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), "check", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean():
    done = ruff(".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_notebook_code_lines_fit_the_column():
    done = ruff("chapters", "--select", "E501", "--line-length", str(NOTEBOOK_LINE_LENGTH))
    assert done.returncode == 0, done.stdout + done.stderr
