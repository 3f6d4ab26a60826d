"""Unit tests of helpers.validate, helpers.repro, helpers.data and helpers.plot."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import data, plot, repro, validate  # noqa: E402


# --- validate -------------------------------------------------------------------------
def test_as_array_accepts_and_converts():
    arr = validate.as_array([[1.0, 2.0]], "x", ndim=2)
    assert arr.shape == (1, 2) and arr.dtype == np.float64


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (np.zeros(3), {"ndim": 2}, "x must have 2 dimensions, got 1 (shape (3,))"),
        (np.zeros((2, 2)), {"ndim": (3, 4)}, "x must have 3 or 4 dimensions, got 2"),
        (np.array(["a"]), {}, "x must have a numeric dtype of kind 'biuf', got <U1"),
        (np.array([1.0, np.nan, np.inf]), {}, "x must be finite, got 2 NaN or infinite value(s)"),
        (np.zeros(2, complex), {}, "numeric dtype"),
    ],
)
def test_as_array_rejects_bad_input(value, kwargs, message):
    with pytest.raises(ValueError) as err:
        validate.as_array(value, "x", **kwargs)
    assert message in str(err.value)


def test_check_range():
    validate.check_range(np.array([0.0, 1.0]), "img", 0, 1)
    with pytest.raises(ValueError, match=r"img must lie in \[0, 1\], got values in \[-0.5, 1\]"):
        validate.check_range(np.array([-0.5, 1.0]), "img", 0, 1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_check_positive_int_rejects(bad):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        validate.check_positive_int(bad, "n")


# --- repro ----------------------------------------------------------------------------
def test_setup_without_tensorflow_seeds_python_and_numpy():
    repro.setup(seed=3, tensorflow=False)
    a = (random.random(), np.random.rand())
    repro.setup(seed=3, tensorflow=False)
    assert a == (random.random(), np.random.rand())
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


@pytest.mark.parametrize("kwargs", [{"seed": -1}, {"seed": 1.5}, {"threads": 0}])
def test_setup_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        repro.setup(tensorflow=False, **kwargs)


def test_setup_with_tensorflow_is_deterministic():
    # In a fresh process: other tests may already have started TensorFlow's runtime here.
    script = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf
        from helpers import repro
        repro.setup(seed=0)
        a = tf.random.normal([4]).numpy()
        repro.setup(seed=0)
        b = tf.random.normal([4]).numpy()
        np.testing.assert_array_equal(a, b)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 2
        try:
            repro.setup(seed=0, threads=1)
        except RuntimeError as err:
            assert "must run before any TensorFlow op" in str(err)
        else:
            raise AssertionError("a second setup with other threads did not fail")
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != repro.THREADS_ENV}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.stdout.strip() == "ok", done.stdout + done.stderr


def test_default_threads_from_the_environment(monkeypatch):
    monkeypatch.delenv(repro.THREADS_ENV, raising=False)
    assert repro.default_threads() == 2
    monkeypatch.setenv(repro.THREADS_ENV, "1")
    assert repro.default_threads() == 1
    for bad in ("0", "two"):
        monkeypatch.setenv(repro.THREADS_ENV, bad)
        with pytest.raises(ValueError, match="BOOK_TF_THREADS must be a positive integer"):
            repro.default_threads()


# --- data -----------------------------------------------------------------------------
def test_load_mnist_shapes_and_scaling():
    (xtr, ytr), (xte, yte) = data.load_mnist()
    assert xtr.shape == (60000, 28, 28, 1) and xte.shape == (10000, 28, 28, 1)
    assert xtr.dtype == np.float32 and 0.0 == xtr.min() and xtr.max() == 1.0
    assert ytr.dtype == np.int64 and set(np.unique(yte)) == set(range(10))
    assert np.bincount(ytr).tolist()[:3] == [5923, 6742, 5958]


def test_load_fashion_mnist_is_balanced():
    (_, ytr), (xte, yte) = data.load_fashion_mnist()
    assert xte.shape == (10000, 28, 28, 1)
    assert np.bincount(ytr).tolist() == [6000] * 10 and np.bincount(yte).tolist() == [1000] * 10


def test_scale_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(5, 28, 28\)"):
        data._scale(np.zeros((5, 28, 27), np.uint8), np.zeros(5), 5, "toy")


def test_fill_keras_cache_checks_files(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="'mnist.npz' not found"):
        data.fill_keras_cache(tmp_path / "empty", tmp_path / "home")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mnist.npz").write_bytes(b"not mnist")
    with pytest.raises(ValueError, match="SHA-256 is"):
        data.fill_keras_cache(tmp_path / "src", tmp_path / "home")


def test_missing_data_names_the_file(tmp_path: Path, monkeypatch):
    import keras

    def offline():
        raise OSError("no network")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(FileNotFoundError, match=r"Keras looks for mnist.npz in .*datasets"):
        data.load_mnist()


def test_truncated_cache_file_is_reported_as_corrupt(tmp_path: Path, monkeypatch):
    """A truncated copy in the Keras cache: the error names it, both hashes and the fix."""
    import keras

    good = data.keras_home() / "datasets" / "mnist.npz"
    if not good.is_file():
        pytest.skip("mnist.npz is not in the Keras cache")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(good.read_bytes()[:100_000])
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    called = []
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: called.append(1))
    with pytest.raises(data.CorruptDataError) as err:
        data.load_mnist()
    message = str(err.value)
    assert str(tmp_path / "datasets" / "mnist.npz") in message
    assert "corrupt or truncated (100000 bytes)" in message
    assert data.KERAS_FILES["mnist.npz"] in message  # the expected hash
    assert data.sha256(tmp_path / "datasets" / "mnist.npz") in message  # the found one
    assert "Delete it" in message and "fill_keras_cache" in message
    assert "could not download" not in message and not called


def test_check_cached_files_passes_good_and_missing_files(tmp_path: Path):
    data.check_cached_files(["mnist.npz"], tmp_path)  # missing: left to Keras
    data.check_cached_files(list(data.KERAS_FILES), data.keras_home())


# --- plot -----------------------------------------------------------------------------
def test_image_grid_layout():
    fig = plot.image_grid(np.zeros((5, 4, 4, 1)), titles=list("abcde"), ncols=2)
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "a"


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.zeros((4, 4)), {}, "images must have 3 or 4 dimensions"),
        (np.zeros((2, 4, 4, 2)), {}, "1 or 3 channels"),
        (np.zeros((0, 4, 4)), {}, "at least one image"),
        (np.zeros((2, 4, 4)), {"titles": ["a"]}, "one entry per image (2), got 1"),
        (np.zeros((2, 4, 4)), {"ncols": 0}, "ncols must be a positive integer"),
    ],
)
def test_image_grid_rejects_bad_input(images, kwargs, message):
    with pytest.raises(ValueError) as err:
        plot.image_grid(images, **kwargs)
    assert message in str(err.value)


def test_import_tensorflow_silences_only_the_import(tmp_path):
    """In a fresh process the import notice of TensorFlow's C++ runtime is dropped,
    the module is returned, and the standard error stream works again afterwards."""
    script = textwrap.dedent(
        """
        import os, sys
        from helpers import repro
        tf = repro.import_tensorflow()
        assert tf is sys.modules["tensorflow"]
        assert repro.import_tensorflow() is tf
        os.write(2, b"stderr restored\\n")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "stderr restored"
