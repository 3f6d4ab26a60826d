"""The environment every notebook runs in, for the tests and for ``make execute``.

- TensorFlow's log noise is silenced by environment (see :mod:`helpers.repro`);
- ``KERAS_HOME`` points at the project-local cache ``.cache/keras``, filled from
  ``../shared/data`` (checked against its SHA-256 sums) when that folder exists, so
  that ``keras.datasets.mnist.load_data()`` works offline.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.data import fill_keras_cache
from helpers.repro import quiet_environment

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".cache" / "keras"


#: Set in the kernels of a test run that executes two notebooks at a time (pytest-xdist,
#: one worker per core): one TensorFlow thread and one BLAS thread each, so the two do not
#: fight for the cores (a two-thread BLAS call stalls whenever the other notebook holds the
#: second core, which makes timings meaningless).
PARALLEL_ENV = {"BOOK_TF_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def prepare() -> None:
    """Set the quiet TensorFlow environment and a filled, offline Keras cache."""
    quiet_environment()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for key, value in PARALLEL_ENV.items():
            os.environ.setdefault(key, value)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    if SHARED_DATA.is_dir():
        fill_keras_cache(SHARED_DATA, CACHE)
        os.environ["KERAS_HOME"] = str(CACHE)
