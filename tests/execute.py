"""Re-run notebooks top to bottom in a fresh kernel and store their outputs in place.

Usage: ``python tests/execute.py chapters/some/notebook.ipynb [...]`` (or ``make execute NB=...``).
This is how every stored output in the book is produced; nbval then checks them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bookenv  # noqa: E402


def execute(path: Path) -> float:
    """Execute the notebook at ``path`` in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bookenv.prepare()
    for arg in sys.argv[1:]:
        print(f"{arg}: {execute(Path(arg)):.1f} s", flush=True)
