"""The notebooks' first cell, run as Google Colab would run it.

A fake ``google.colab`` module makes the cell think it is in Colab; the install source
is overridden to this checkout (``BOOK_HELPERS_SOURCE``) and pip installs into a
temporary folder (``PIP_TARGET``), so nothing of this environment is touched. Then
``helpers`` must import from that folder, and pip must not have installed anything
else (Colab's own TensorFlow and NumPy stay).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from booktoc import ROOT

SETUP_CELL = (ROOT / "tests" / "setup_cell.py").read_text(encoding="utf-8")


def test_setup_cell_installs_helpers_as_in_colab(tmp_path: Path):
    target = tmp_path / "site"
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text("")
    script = "import google.colab\n" + SETUP_CELL
    env = {
        **os.environ,
        "PYTHONPATH": str(fake),
        "BOOK_HELPERS_SOURCE": str(ROOT),
        "PIP_TARGET": str(target),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=tmp_path, timeout=300)
    installed = sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info"))
    assert "helpers" in installed
    assert set(installed) <= {"helpers", "bin"}, f"the cell installed more than helpers: {installed}"
    check = textwrap.dedent(
        """
        import helpers, helpers.data, helpers.repro
        print(helpers.__file__)
        """
    )
    env["PYTHONPATH"] = str(target)
    out = subprocess.run(
        [sys.executable, "-c", check], env=env, check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout
    assert out.strip().startswith(str(target)), f"helpers imported from {out.strip()}, not {target}"


def test_setup_cell_does_nothing_outside_colab(tmp_path: Path):
    env = {**os.environ, "BOOK_HELPERS_SOURCE": "/nonexistent", "PIP_TARGET": str(tmp_path / "t")}
    subprocess.run([sys.executable, "-c", SETUP_CELL], env=env, check=True, timeout=60)
    assert not (tmp_path / "t").exists()
