"""Reproducibility: one call at the top of every notebook.

:func:`setup` quiets TensorFlow's logs *before* TensorFlow is imported, seeds Python,
NumPy and TensorFlow, turns on op determinism and fixes the thread counts. With these,
two runs on the same machine give bit-identical training. Numbers that depend on the
CPU's floating point (another instruction set, another thread count) can still differ
between machines; notebooks print those in cells tagged ``nbval-ignore-output`` whose
first line is ``# Varies by machine: <reason>``, and check their goal in the next cell.
"""

from __future__ import annotations

import logging
import os
import random
import warnings

import numpy as np

from helpers.validate import check_positive_int

#: Environment set before TensorFlow is imported. oneDNN's kernels stay on (TensorFlow's
#: default on x86): turning them off (``TF_ENABLE_ONEDNN_OPTS=0``) made convolutional
#: training 1.5-2.8 times slower on the book's CPU. Their time-stamped import notice is
#: silenced by :func:`import_tensorflow` instead.
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "KERAS_BACKEND": "tensorflow",
}


def import_tensorflow():
    """Import and return :mod:`tensorflow`, dropping what its C++ runtime writes to the
    standard error stream while it loads (the time-stamped oneDNN notice, which
    ``TF_CPP_MIN_LOG_LEVEL`` does not reach: it is written before logging starts).
    Python errors raised by the import still propagate."""
    import sys

    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf


def quiet_environment() -> None:
    """Set :data:`QUIET_ENV` in ``os.environ`` (values already set are kept)."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


#: Environment variable that sets :func:`setup`'s default thread count (the test suite sets
#: it to 1 when it runs two notebooks at a time, one per core).
THREADS_ENV = "BOOK_TF_THREADS"


def default_threads() -> int:
    """TensorFlow's intra-op thread count when :func:`setup` is given none: ``$BOOK_TF_THREADS``
    if set (a positive int), else 2 (the book's 2-core machines)."""
    value = os.environ.get(THREADS_ENV, "2")
    try:
        return check_positive_int(int(value), THREADS_ENV)
    except ValueError as err:
        raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}") from err


#: Matplotlib settings of every notebook: figures at most :data:`helpers.plot.MAX_WIDTH`
#: inches wide at 100 dpi fill the 672-pixel column at natural size, with 10-point text.
FIGURE_RC = {"figure.figsize": (6.4, 3.6), "figure.dpi": 100, "font.size": 10}


def figure_style() -> None:
    """Apply :data:`FIGURE_RC` and, inside IPython, store inline figures at twice their
    pixel size ("retina"), shown at natural size: sharp on high-density screens, never
    scaled up. Does nothing where matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.rcParams.update(FIGURE_RC)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def setup(seed: int = 0, threads: int | None = None, tensorflow: bool = True) -> None:
    """Make a notebook reproducible; call it before anything else.

    Also sets the book's figure style (:func:`figure_style`).

    Parameters
    ----------
    seed: seed for Python's :mod:`random`, NumPy and TensorFlow (a non-negative int).
    threads: TensorFlow's intra-op thread count (a positive int); ``None`` takes
        :func:`default_threads`. Results may depend on it in the last bits, so numbers
        that do are never compared exactly by the tests.
    tensorflow: if false, TensorFlow is not imported (numpy-only notebooks start
        faster); Python and NumPy are still seeded.

    Raises
    ------
    ValueError: for a negative or non-integer seed or a non-positive thread count.
    RuntimeError: if TensorFlow already ran an op with other thread settings.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    threads = default_threads() if threads is None else check_positive_int(threads, "threads")
    quiet_environment()
    random.seed(seed)
    np.random.seed(seed)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    figure_style()
    if not tensorflow:
        return
    tf = import_tensorflow()
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError as err:  # TensorFlow's runtime was already initialised
        now = tf.config.threading.get_intra_op_parallelism_threads()
        if now != threads:
            raise RuntimeError(
                f"helpers.repro.setup() must run before any TensorFlow op: the runtime "
                f"already uses {now} intra-op threads, {threads} were asked for"
            ) from err
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
