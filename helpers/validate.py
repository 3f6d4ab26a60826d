"""Input checks shared by all helpers.

Every public helper validates its arguments with these functions, so that bad input
fails early with a :class:`ValueError` that says what was expected and what was given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_array(
    x: object,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    kinds: str = "biuf",
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as a NumPy array after checking its rank, dtype kind and values.

    Parameters
    ----------
    x: the value to check (anything :func:`numpy.asarray` accepts).
    name: the argument's name, used in the error message.
    ndim: the allowed number(s) of dimensions, or ``None`` for any.
    kinds: allowed :attr:`numpy.dtype.kind` letters (``b`` bool, ``i``/``u`` integer,
        ``f`` float); the default accepts any real number type.
    finite: if true, NaN and infinite values are rejected.

    Raises
    ------
    ValueError: if the rank, dtype kind or values are not as expected.
    """
    arr = np.asarray(x)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(
                f"{name} must have {want} dimensions, got {arr.ndim} (shape {arr.shape})"
            )
    if arr.dtype.kind not in kinds:
        raise ValueError(
            f"{name} must have a numeric dtype of kind {kinds!r}, got {arr.dtype}"
        )
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
    return arr


def check_range(arr: np.ndarray, name: str, low: float, high: float) -> None:
    """Raise :class:`ValueError` unless every value of ``arr`` lies in ``[low, high]``."""
    if arr.size and (arr.min() < low or arr.max() > high):
        raise ValueError(
            f"{name} must lie in [{low}, {high}], got values in "
            f"[{arr.min():.6g}, {arr.max():.6g}]"
        )


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as ``int`` if it is a positive integer, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
