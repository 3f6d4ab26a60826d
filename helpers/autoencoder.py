"""Autoencoders (Chapter 4): PCA by the SVD, principal angles, the transposed
convolution and the Gaussian KL divergence, in NumPy.

The transposed convolution reuses Chapter 2's :func:`helpers.nn.conv2d_backward`:
it *is* the gradient of a convolution with respect to its input.
"""

from __future__ import annotations

import numpy as np

from helpers import nn
from helpers.validate import as_array, check_positive_int


def pca_svd(x: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal component analysis of the rows of ``x`` (N x d) by the SVD.

    With the centred data ``X_c = x - mean = U S V^T``, the principal directions are the
    rows of ``V^T`` and the variances (eigenvalues of the covariance
    ``X_c^T X_c / (N - 1)``) are ``S**2 / (N - 1)``, largest first.

    Returns
    -------
    ``(mean, components, variances)``: the mean (d,), the directions as orthonormal rows
    (r x d, r = min(N, d)) and their variances (r,). Each direction's sign is fixed so
    that its entry of largest magnitude is positive (SVD signs are arbitrary). The
    centred data have rank at most N - 1: when N <= d the last direction has variance 0
    and is arbitrary (any unit vector orthogonal to the others).

    Raises
    ------
    ValueError: unless ``x`` is a finite 2-D real array with at least two rows.
    """
    x = as_array(x, "x", ndim=2)
    if x.shape[0] < 2:
        raise ValueError(f"x must have at least 2 rows (examples), got {x.shape[0]}")
    if x.shape[1] < 1:
        raise ValueError("x must have at least 1 column (feature), got 0")
    x = x.astype(np.float64)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    sign = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    return mean, vt * sign[:, None], s**2 / (x.shape[0] - 1)


def pca_reconstruct(x: object, mean: object, components: object) -> np.ndarray:
    """Project the rows of ``x`` (N x d) on the span of ``components`` (k x d, orthonormal
    rows) through ``mean`` and map back: ``mean + (x - mean) V_k^T V_k``.

    Raises ``ValueError`` for mismatched or wrongly shaped arguments, and for components
    whose rows are not orthonormal (the formula is a projection only then).
    """
    x = as_array(x, "x", ndim=2)
    mean = as_array(mean, "mean", ndim=1)
    comps = as_array(components, "components", ndim=2)
    if mean.shape[0] != x.shape[1] or comps.shape[1] != x.shape[1]:
        raise ValueError(
            f"x is N x d = {x.shape}; mean must be (d,) and components k x d, got "
            f"{mean.shape} and {comps.shape}"
        )
    gram = comps @ comps.T
    if not np.allclose(gram, np.eye(len(comps)), atol=1e-6):
        raise ValueError(
            "components must have orthonormal rows (C C^T = I); max |C C^T - I| = "
            f"{np.abs(gram - np.eye(len(comps))).max():.3g}"
        )
    return mean + ((x - mean) @ comps.T) @ comps


def principal_angles(a: object, b: object) -> np.ndarray:
    """Principal angles, in degrees, between the column spaces of ``a`` and ``b`` (d x k).

    Orthonormalise both bases (QR); the cosines of the angles are the singular values of
    ``Q_a^T Q_b``, and the sines those of ``Q_b - Q_a Q_a^T Q_b``. An angle whose cosine
    is near 1 is taken from its sine (arccos of a number near 1 loses half the digits:
    its resolution is about 1e-6 degrees), the others from their cosine, as in
    Knyazev and Argentati (2002) and ``scipy.linalg.subspace_angles``. Returns k angles
    in [0, 90], smallest first. The columns need not be orthogonal (the weights of a
    linear autoencoder are not).

    Raises ``ValueError`` unless both are finite 2-D arrays of the same shape with
    d >= k >= 1 and full column rank.
    """
    a = as_array(a, "a", ndim=2).astype(np.float64)
    b = as_array(b, "b", ndim=2).astype(np.float64)
    if a.shape != b.shape or a.shape[0] < a.shape[1] or a.shape[1] < 1:
        raise ValueError(
            f"a and b must both be d x k with d >= k >= 1, got {a.shape} and {b.shape}"
        )
    qa, ra = np.linalg.qr(a)
    qb, rb = np.linalg.qr(b)
    for name, r in (("a", ra), ("b", rb)):
        diag = np.abs(np.diag(r))
        if diag.min() <= 1e-10 * max(diag.max(), 1e-300):
            raise ValueError(f"{name} must have full column rank")
    cross = qa.T @ qb
    cos = np.linalg.svd(cross, compute_uv=False)  # largest first: smallest angle first
    sin = np.linalg.svd(qb - qa @ cross, compute_uv=False)[::-1]  # smallest first
    angles = np.where(cos**2 >= 0.5, np.arcsin(np.clip(sin, 0.0, 1.0)),
                      np.arccos(np.clip(cos, 0.0, 1.0)))
    return np.degrees(angles)


def conv_transpose_output_size(n: int, k: int, s: int = 1, padding: str = "valid") -> int:
    """Output length of a transposed convolution along one axis, as Keras computes it:
    ``n * s`` for ``"same"``, ``(n - 1) * s + max(k, s)`` for ``"valid"``."""
    n, k, s = (check_positive_int(v, name) for v, name in ((n, "n"), (k, "k"), (s, "s")))
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return n * s if padding == "same" else (n - 1) * s + max(k, s)


def conv2d_transpose(
    x: object, w: object, b: object | None = None, stride: int = 1, padding: str = "valid"
) -> np.ndarray:
    """Transposed convolution of ``x`` (N x H x W x C_in) with ``w`` (kh x kw x C_out x C_in,
    the layout of a Keras ``Conv2DTranspose`` kernel), like that layer.

    It is the gradient with respect to its input of the convolution ``nn.conv2d(., w,
    stride=stride)`` whose output is ``x``: each input pixel scatters ``x[n, i, j, :] @ w^T``
    onto the window at ``(i*stride, j*stride)``. The full ("valid") output has
    ``(H - 1)*stride + kh`` rows (zero rows are added when ``stride > kh``); ``"same"`` keeps
    ``H*stride`` rows, cutting ``max(kh - stride, 0) // 2`` from the top as TensorFlow does
    (likewise for columns).

    Like the Keras layer without ``output_padding`` and ``dilation_rate`` (not
    implemented). Raises ``ValueError`` for wrong ranks, empty axes, mismatched
    channels, a bias of the wrong length, a non-positive stride or an unknown padding.
    """
    x = as_array(x, "x", ndim=4)
    w = as_array(w, "w", ndim=4)
    stride = check_positive_int(stride, "stride")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    if w.shape[3] != x.shape[3]:
        raise ValueError(
            f"w (kh x kw x C_out x C_in = {w.shape}) expects {w.shape[3]} input channels, "
            f"x (N x H x W x C = {x.shape}) has {x.shape[3]}"
        )
    if min(x.shape) < 1 or min(w.shape) < 1:
        raise ValueError(
            f"x (N x H x W x C = {x.shape}) and w (kh x kw x C_out x C_in = {w.shape}) "
            "must have no empty axis"
        )
    n, h, wd, _ = x.shape
    kh, kw, cout, _ = w.shape
    full = ((h - 1) * stride + kh, (wd - 1) * stride + kw)
    ghost = np.zeros((n, *full, cout), dtype=np.result_type(x, w, np.float32))
    y, _, _ = nn.conv2d_backward(x, ghost, w, stride=stride)
    out = [conv_transpose_output_size(m, k, stride, padding)
           for m, k in ((h, kh), (wd, kw))]
    top = [max(k - stride, 0) // 2 if padding == "same" else 0 for k in (kh, kw)]
    y = np.pad(y, ((0, 0), (0, max(out[0] + top[0] - full[0], 0)),
                   (0, max(out[1] + top[1] - full[1], 0)), (0, 0)))
    y = y[:, top[0]: top[0] + out[0], top[1]: top[1] + out[1], :]
    if b is not None:
        b = as_array(b, "b", ndim=1)
        if b.shape[0] != cout:
            raise ValueError(f"b must have one value per output channel ({cout}), "
                             f"got {b.shape[0]}")
        y = y + b
    return np.ascontiguousarray(y)


def gaussian_kl(
    mu: object,
    logvar: object,
    mu_p: object | float = 0.0,
    logvar_p: object | float = 0.0,
) -> np.ndarray:
    """KL divergence ``KL(N(mu, diag e^logvar) || N(mu_p, diag e^logvar_p))`` per row.

    Closed form, summed over the last axis:
    ``0.5 * sum(logvar_p - logvar + (e^logvar + (mu - mu_p)^2) / e^logvar_p - 1)``.
    The defaults give the VAE's term against the standard normal prior,
    ``0.5 * sum(mu^2 + e^logvar - logvar - 1)``.

    Raises ``ValueError`` for non-finite input or shapes that do not broadcast to
    ``mu``'s shape (at least 1-D). Log-variances beyond about +-700 overflow ``exp`` in
    float64 (the result is then ``inf``, with NumPy's RuntimeWarning).
    """
    mu = as_array(mu, "mu", ndim=(1, 2), kinds="iuf").astype(np.float64)
    arrays = {}
    for name, v in (("logvar", logvar), ("mu_p", mu_p), ("logvar_p", logvar_p)):
        arr = as_array(v, name, kinds="iuf").astype(np.float64)
        try:
            if np.broadcast_shapes(arr.shape, mu.shape) != mu.shape:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{name} must broadcast to mu's shape {mu.shape}, got {arr.shape}"
            ) from None
        arrays[name] = arr
    lv, mp, lvp = arrays["logvar"], arrays["mu_p"], arrays["logvar_p"]
    terms = lvp - lv + (np.exp(lv) + (mu - mp) ** 2) / np.exp(lvp) - 1.0
    return 0.5 * terms.sum(axis=-1)
