"""MNIST and Fashion-MNIST through the ordinary Keras calls, checked and scaled.

Notebooks call :func:`load_mnist` / :func:`load_fashion_mnist`. Both use
``keras.datasets.*.load_data()``, which reads Keras's cache (``$KERAS_HOME/datasets``,
default ``~/.keras/datasets``) and downloads on a miss. The tests fill a project-local
cache from ``../shared/data`` with :func:`fill_keras_cache`, so the same call works
offline; in Colab, Keras simply downloads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

#: Files Keras looks for, relative to ``$KERAS_HOME/datasets``, with their SHA-256.
KERAS_FILES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "fashion-mnist/train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "fashion-mnist/train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "fashion-mnist/t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}

#: Fashion-MNIST class names, index = label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

Split = tuple[np.ndarray, np.ndarray]


def sha256(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keras_home() -> Path:
    """Keras's cache folder: ``$KERAS_HOME`` if set, else ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()


def fill_keras_cache(source: str | os.PathLike, home: str | os.PathLike) -> list[Path]:
    """Copy the data files from ``source`` into the Keras cache ``home/datasets``.

    ``source`` is laid out like ``shared/data`` (``mnist.npz`` and ``fashion-mnist/``).
    Every file is checked against :data:`KERAS_FILES` before and after copying; a file
    already in the cache with the right hash is left alone.

    Returns the cache paths. Raises ``FileNotFoundError`` naming a missing source file
    and ``ValueError`` for a file whose SHA-256 does not match.
    """
    source, target = Path(source), Path(home) / "datasets"
    done = []
    for rel, want in KERAS_FILES.items():
        dst = target / rel
        if dst.is_file() and sha256(dst) == want:
            done.append(dst)
            continue
        src = source / rel
        if not src.is_file():
            raise FileNotFoundError(f"data file {rel!r} not found in {source}")
        got = sha256(src)
        if got != want:
            raise ValueError(f"{src}: SHA-256 is {got}, expected {want}")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        done.append(dst)
    return done


class CorruptDataError(ValueError):
    """A data file in Keras's cache is there but is not the file it should be."""


def check_cached_files(files: list[str], home: str | os.PathLike | None = None) -> None:
    """Check the SHA-256 of each of ``files`` (keys of :data:`KERAS_FILES`) that is present
    in the Keras cache ``home/datasets`` (default :func:`keras_home`); missing files are
    left to Keras, which downloads them.

    Raises :class:`CorruptDataError` naming the file, the expected and the found hash, and
    how to replace it, for a file that is present but truncated or corrupt.
    """
    where = (Path(home) if home is not None else keras_home()) / "datasets"
    for rel in files:
        path = where / rel
        if not path.is_file():
            continue
        got, want = sha256(path), KERAS_FILES[rel]
        if got != want:
            raise CorruptDataError(
                f"the cached data file {path} is corrupt or truncated "
                f"({path.stat().st_size} bytes): its SHA-256 is {got}, expected {want}. "
                f"Delete it so that Keras downloads it again, or replace it with the copy "
                f"in the book's shared/data folder (helpers.data.fill_keras_cache does this)."
            )


def _load(name: str, files: list[str]) -> tuple[Split, Split]:
    from helpers.repro import import_tensorflow

    import_tensorflow()  # Keras loads TensorFlow: without its import-time notice
    import keras

    check_cached_files(files)
    loader = getattr(keras.datasets, name)
    try:
        return loader.load_data()
    except Exception as err:  # a download that failed (offline) or a broken file
        where = keras_home() / "datasets"
        missing = [f for f in files if not (where / f).is_file()]
        raise FileNotFoundError(
            f"could not load {name}: Keras looks for {', '.join(missing) or files} in "
            f"{where} and could not download it ({type(err).__name__}: {err}). "
            f"Either connect to the internet, or copy the files from the book's "
            f"shared/data folder there (helpers.data.fill_keras_cache does this), "
            f"or point KERAS_HOME at a folder whose datasets/ holds them."
        ) from err


def _scale(images: np.ndarray, labels: np.ndarray, n: int, name: str) -> Split:
    if images.shape != (n, 28, 28) or images.dtype != np.uint8 or labels.shape != (n,):
        raise ValueError(
            f"{name}: expected uint8 images of shape ({n}, 28, 28) and {n} labels, got "
            f"{images.dtype} {images.shape} and {labels.shape}"
        )
    x = (images.astype(np.float32) / np.float32(255.0))[..., np.newaxis]
    return x, labels.astype(np.int64)


def load_mnist() -> tuple[Split, Split]:
    """MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Images are float32 in [0, 1] with a channel axis (N x 28 x 28 x 1, N = 60 000 and
    10 000); labels are int64 digits 0-9.
    """
    (xtr, ytr), (xte, yte) = _load("mnist", ["mnist.npz"])
    return _scale(xtr, ytr, 60000, "MNIST train"), _scale(xte, yte, 10000, "MNIST test")


def load_fashion_mnist() -> tuple[Split, Split]:
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``, scaled like :func:`load_mnist`.

    Class names are in :data:`FASHION_MNIST_CLASSES`.
    """
    files = [k for k in KERAS_FILES if k.startswith("fashion-mnist/")]
    (xtr, ytr), (xte, yte) = _load("fashion_mnist", files)
    return (
        _scale(xtr, ytr, 60000, "Fashion-MNIST train"),
        _scale(xte, yte, 10000, "Fashion-MNIST test"),
    )
