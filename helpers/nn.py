"""Neural-network layers in plain NumPy: forward and backward passes.

The layers of Chapter 2, written from scratch so that each formula of the text can be
read in code and checked against TensorFlow. Conventions match Keras, so that the weights
of a trained Keras model plug in directly:

- activations are **NHWC** (batch, height, width, channels), as in ``tf.nn.conv2d``;
- convolution kernels are **HWIO** (``kh x kw x C_in x C_out``), as ``Conv2D.kernel``;
- dense weights are ``D x M`` (inputs x outputs), as ``Dense.kernel``.

What a CNN layer computes is a cross-correlation (the kernel is not flipped), like every
deep-learning library. Every function works in the dtype it is given: float32 in gives
float32 out, float64 in gives float64 out (integer input is converted to float64).
Padding is symmetric zero padding of ``padding`` pixels on each side (Keras's
``padding="valid"`` is ``padding=0``; ``"same"`` with stride 1 and an odd kernel ``k`` is
``padding=(k - 1) // 2``). Pooling uses Keras's ``"valid"`` rule: windows that do not fit
are dropped (the output size is rounded down).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from helpers.validate import as_array, check_positive_int

__all__ = [
    "conv_output_size",
    "conv_params",
    "conv2d",
    "conv2d_naive",
    "im2col",
    "conv2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "dense",
    "dense_backward",
    "relu",
    "relu_backward",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_backward",
]


# --- small checks -----------------------------------------------------------------------
def _check_nonneg_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _float(arr: np.ndarray) -> np.ndarray:
    """Keep float32/float64; turn anything else (ints, bools, float16) into float64."""
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def _common_float(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    dtype = np.result_type(*[_float(a) for a in arrays])
    return tuple(np.asarray(a, dtype=dtype) for a in arrays)


# --- sizes and counts -------------------------------------------------------------------
def conv_output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """Output length of a convolution or pooling along one axis: ``floor((n + 2p - k)/s) + 1``.

    ``n`` input length, ``k`` kernel (window) size, ``p`` zero padding on each side,
    ``s`` stride. Raises ``ValueError`` if the kernel does not fit in the padded input.
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    p = _check_nonneg_int(p, "p")
    s = check_positive_int(s, "s")
    if k > n + 2 * p:
        raise ValueError(
            f"kernel size {k} is larger than the padded input {n} + 2*{p} = {n + 2 * p}"
        )
    return (n + 2 * p - k) // s + 1


def conv_params(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Number of trainable parameters of a ``k x k`` convolution: ``(k*k*c_in + 1) * c_out``.

    With ``bias=False`` the ``+ 1`` (one bias per output channel) is left out.
    """
    k = check_positive_int(k, "k")
    c_in = check_positive_int(c_in, "c_in")
    c_out = check_positive_int(c_out, "c_out")
    return (k * k * c_in + int(bool(bias))) * c_out


# --- convolution ------------------------------------------------------------------------
def _check_conv(
    x: object, w: object, b: object | None, stride: object, padding: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, int, int, int]:
    x = as_array(x, "x", ndim=4)
    w = as_array(w, "w", ndim=4)
    stride = check_positive_int(stride, "stride")
    padding = _check_nonneg_int(padding, "padding")
    if w.shape[2] != x.shape[3]:
        raise ValueError(
            f"w expects {w.shape[2]} input channels (w is kh x kw x C_in x C_out = "
            f"{w.shape}), but x has {x.shape[3]} channels (x is N x H x W x C = {x.shape})"
        )
    if b is not None:
        b = as_array(b, "b", ndim=1)
        if b.shape[0] != w.shape[3]:
            raise ValueError(
                f"b must have one value per output channel ({w.shape[3]}), got {b.shape[0]}"
            )
        x, w, b = _common_float(x, w, b)
    else:
        x, w = _common_float(x, w)
    kh, kw = w.shape[:2]
    h, wd = x.shape[1:3]
    if kh > h + 2 * padding or kw > wd + 2 * padding:
        raise ValueError(
            f"kernel {kh}x{kw} is larger than the padded input "
            f"{h + 2 * padding}x{wd + 2 * padding} (input {h}x{wd}, padding {padding})"
        )
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (wd + 2 * padding - kw) // stride + 1
    return x, w, b, stride, padding, ho, wo


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    if padding == 0:
        return x
    return np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))


def _patches(xp: np.ndarray, kh: int, kw: int, stride: int, ho: int, wo: int) -> np.ndarray:
    """Read-only view ``N x Ho x Wo x kh x kw x C`` of every window of ``xp`` (no copy)."""
    sn, sh, sw, sc = xp.strides
    return as_strided(
        xp,
        shape=(xp.shape[0], ho, wo, kh, kw, xp.shape[3]),
        strides=(sn, sh * stride, sw * stride, sh, sw, sc),
        writeable=False,
    )


def im2col(x: object, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The im2col matrix of ``x`` (N x H x W x C): one row per output pixel.

    Row ``(n, i, j)`` holds the ``kh x kw x C`` window whose top-left corner is at
    ``(i*stride, j*stride)`` of the padded input, flattened in HWC order, so that
    ``im2col(x, ...) @ w.reshape(-1, C_out)`` is the convolution with an HWIO kernel ``w``.
    Returns an array of shape ``(N*Ho*Wo, kh*kw*C)``.
    """
    x = _float(as_array(x, "x", ndim=4))
    kh, kw = check_positive_int(kh, "kh"), check_positive_int(kw, "kw")
    stride = check_positive_int(stride, "stride")
    padding = _check_nonneg_int(padding, "padding")
    hp, wp = x.shape[1] + 2 * padding, x.shape[2] + 2 * padding
    if kh > hp or kw > wp:
        raise ValueError(f"kernel {kh}x{kw} is larger than the padded input {hp}x{wp}")
    ho, wo = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    cols = _patches(_pad(x, padding), kh, kw, stride, ho, wo)
    return cols.reshape(x.shape[0] * ho * wo, kh * kw * x.shape[3])


def conv2d(
    x: object, w: object, b: object | None = None, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """2-D convolution layer (cross-correlation), vectorised: im2col and one matrix product.

    Parameters
    ----------
    x: input batch, ``N x H x W x C_in``.
    w: kernel, ``kh x kw x C_in x C_out`` (HWIO, the layout of a Keras ``Conv2D`` kernel).
    b: bias, ``C_out`` values, or ``None`` for no bias.
    stride: step between windows (a positive int, the same along both axes).
    padding: zeros added on each side of H and W (a non-negative int).

    Returns
    -------
    ``N x Ho x Wo x C_out`` with ``Ho = floor((H + 2p - kh)/s) + 1`` (likewise ``Wo``) and
    ``y[n, i, j, o] = b[o] + sum_{u, v, c} xpad[n, i*s + u, j*s + v, c] * w[u, v, c, o]``.

    Raises
    ------
    ValueError: wrong rank, mismatched channels, bias of the wrong length, a
        non-positive stride, negative padding, or a kernel larger than the padded input.
    """
    x, w, b, stride, padding, ho, wo = _check_conv(x, w, b, stride, padding)
    kh, kw, cin, cout = w.shape
    n = x.shape[0]
    cols = _patches(_pad(x, padding), kh, kw, stride, ho, wo).reshape(n * ho * wo, kh * kw * cin)
    y = cols @ w.reshape(kh * kw * cin, cout)
    if b is not None:
        y += b
    return y.reshape(n, ho, wo, cout)


def conv2d_naive(
    x: object, w: object, b: object | None = None, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """The same convolution as :func:`conv2d`, written as explicit loops (slow; for teaching).

    Loops over the batch, the output pixels and the output channels; the innermost sum over
    the ``kh x kw x C_in`` window is one ``np.sum`` of an element-wise product.
    """
    x, w, b, stride, padding, ho, wo = _check_conv(x, w, b, stride, padding)
    kh, kw, _, cout = w.shape
    xp = _pad(x, padding)
    y = np.zeros((x.shape[0], ho, wo, cout), dtype=x.dtype)
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                window = xp[n, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
                for o in range(cout):
                    y[n, i, j, o] = np.sum(window * w[:, :, :, o])
    if b is not None:
        y += b
    return y


def conv2d_backward(
    dy: object, x: object, w: object, stride: int = 1, padding: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a :func:`conv2d` layer: ``(dx, dw, db)`` given ``dy = dL/dy``.

    ``dw`` is the correlation of the (padded) input with ``dy``:
    ``dw[u, v, c, o] = sum_{n, i, j} xpad[n, i*s + u, j*s + v, c] * dy[n, i, j, o]``;
    ``db[o] = sum_{n, i, j} dy[n, i, j, o]``; and ``dx`` scatters ``dy @ w^T`` back onto the
    windows it came from (col2im), which for stride 1 is the *full* convolution of ``dy``
    with the kernel flipped in both spatial axes and transposed in its channel axes.
    Padding rows and columns are cut off ``dx``, so ``dx.shape == x.shape``.

    Raises ``ValueError`` for inconsistent shapes (``dy`` must be ``N x Ho x Wo x C_out``).
    """
    x, w, _, stride, padding, ho, wo = _check_conv(x, w, None, stride, padding)
    dy = as_array(dy, "dy", ndim=4)
    n, h, wd, cin = x.shape
    kh, kw, _, cout = w.shape
    if dy.shape != (n, ho, wo, cout):
        raise ValueError(
            f"dy must have the shape of the layer's output {(n, ho, wo, cout)}, got {dy.shape}"
        )
    x, w, dy = _common_float(x, w, dy)
    xp = _pad(x, padding)
    cols = _patches(xp, kh, kw, stride, ho, wo).reshape(n * ho * wo, kh * kw * cin)
    dy2 = dy.reshape(n * ho * wo, cout)
    dw = (cols.T @ dy2).reshape(kh, kw, cin, cout)
    db = dy2.sum(axis=0)
    dcols = (dy2 @ w.reshape(kh * kw * cin, cout).T).reshape(n, ho, wo, kh, kw, cin)
    dxp = np.zeros_like(xp)
    for u in range(kh):
        for v in range(kw):
            dxp[:, u : u + stride * ho : stride, v : v + stride * wo : stride, :] += dcols[
                :, :, :, u, v, :
            ]
    dx = dxp[:, padding : padding + h, padding : padding + wd, :]
    return np.ascontiguousarray(dx), dw, db


# --- pooling ----------------------------------------------------------------------------
def _check_pool(x: object, size: object, stride: object | None) -> tuple[np.ndarray, int, int, int, int]:
    x = _float(as_array(x, "x", ndim=4))
    size = check_positive_int(size, "size")
    stride = size if stride is None else check_positive_int(stride, "stride")
    h, wd = x.shape[1:3]
    if size > h or size > wd:
        raise ValueError(f"pool size {size} is larger than the input {h}x{wd}")
    return x, size, stride, (h - size) // stride + 1, (wd - size) // stride + 1


def _pool_windows(x: np.ndarray, size: int, stride: int, ho: int, wo: int) -> np.ndarray:
    """View ``N x Ho x Wo x C x size*size`` of the pooling windows (copied once)."""
    win = _patches(x, size, size, stride, ho, wo)  # N Ho Wo size size C
    return win.transpose(0, 1, 2, 5, 3, 4).reshape(x.shape[0], ho, wo, x.shape[3], size * size)


def max_pool2d(x: object, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Max pooling over ``size x size`` windows of ``x`` (N x H x W x C), like Keras's
    ``MaxPooling2D(size, strides=stride, padding="valid")``; ``stride`` defaults to ``size``.

    Returns ``N x Ho x Wo x C`` with ``Ho = floor((H - size)/stride) + 1``.
    """
    x, size, stride, ho, wo = _check_pool(x, size, stride)
    return _pool_windows(x, size, stride, ho, wo).max(axis=-1)


def _check_pool_grad(
    dy: object, x: object, size: object, stride: object | None
) -> tuple[np.ndarray, np.ndarray, int, int, int, int]:
    """Validate a pooling layer's backward arguments; ``dy`` must have the pooled shape."""
    x, size, stride, ho, wo = _check_pool(x, size, stride)
    dy = as_array(dy, "dy", ndim=4)
    n, _, _, c = x.shape
    if dy.shape != (n, ho, wo, c):
        raise ValueError(f"dy must have the shape of the pooled output {(n, ho, wo, c)}, got {dy.shape}")
    x, dy = _common_float(x, dy)
    return x, dy, size, stride, ho, wo


def max_pool2d_backward(
    dy: object, x: object, size: int = 2, stride: int | None = None
) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each ``dy`` value goes to the position of its window's
    maximum (the first one in row-major order if there is a tie); all other inputs get 0.
    Overlapping windows (``stride < size``) add up. Returns ``dx`` with the shape of ``x``.
    """
    x, dy, size, stride, ho, wo = _check_pool_grad(dy, x, size, stride)
    arg = _pool_windows(x, size, stride, ho, wo).argmax(axis=-1)  # N Ho Wo C
    dx = np.zeros_like(x)
    for u in range(size):
        for v in range(size):
            dx[:, u : u + stride * ho : stride, v : v + stride * wo : stride, :] += np.where(
                arg == u * size + v, dy, 0
            )
    return dx


def avg_pool2d(x: object, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Average pooling over ``size x size`` windows, like Keras's ``AveragePooling2D`` with
    ``padding="valid"``; ``stride`` defaults to ``size``. Returns ``N x Ho x Wo x C``.
    """
    x, size, stride, ho, wo = _check_pool(x, size, stride)
    return _pool_windows(x, size, stride, ho, wo).mean(axis=-1)


def avg_pool2d_backward(
    dy: object, x: object, size: int = 2, stride: int | None = None
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each ``dy`` value is shared equally,
    ``dy / size**2``, by the ``size x size`` inputs of its window. Returns ``dx``."""
    x, dy, size, stride, ho, wo = _check_pool_grad(dy, x, size, stride)
    share = dy / dy.dtype.type(size * size)
    dx = np.zeros_like(x)
    for u in range(size):
        for v in range(size):
            dx[:, u : u + stride * ho : stride, v : v + stride * wo : stride, :] += share
    return dx


# --- dense, activations, loss -------------------------------------------------------------
def dense(x: object, w: object, b: object | None = None) -> np.ndarray:
    """Fully connected layer ``x @ w + b``: ``x`` is ``N x D``, ``w`` is ``D x M`` (the layout
    of a Keras ``Dense`` kernel), ``b`` has ``M`` values (or ``None``). Returns ``N x M``."""
    x = as_array(x, "x", ndim=2)
    w = as_array(w, "w", ndim=2)
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"x has {x.shape[1]} features but w expects {w.shape[0]} (x is {x.shape}, w is {w.shape})"
        )
    if b is None:
        x, w = _common_float(x, w)
        return x @ w
    b = as_array(b, "b", ndim=1)
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b must have one value per output ({w.shape[1]}), got {b.shape[0]}")
    x, w, b = _common_float(x, w, b)
    return x @ w + b


def dense_backward(dy: object, x: object, w: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`dense` given ``dy = dL/dy`` (N x M): ``(dx, dw, db)`` with
    ``dx = dy @ w.T``, ``dw = x.T @ dy``, ``db = dy.sum(0)``."""
    dy = as_array(dy, "dy", ndim=2)
    x = as_array(x, "x", ndim=2)
    w = as_array(w, "w", ndim=2)
    if x.shape[1] != w.shape[0] or dy.shape != (x.shape[0], w.shape[1]):
        raise ValueError(
            f"inconsistent shapes: x {x.shape}, w {w.shape}, dy {dy.shape} "
            f"(expected x N x D, w D x M, dy N x M)"
        )
    dy, x, w = _common_float(dy, x, w)
    return dy @ w.T, x.T @ dy, dy.sum(axis=0)


def relu(x: object) -> np.ndarray:
    """Rectified linear unit ``max(x, 0)``, element-wise, any shape."""
    x = _float(as_array(x, "x"))
    return np.maximum(x, x.dtype.type(0))


def relu_backward(dy: object, x: object) -> np.ndarray:
    """Gradient of :func:`relu`: ``dy`` where ``x > 0``, else 0 (the subgradient 0 at 0)."""
    x = as_array(x, "x")
    dy = as_array(dy, "dy")
    if dy.shape != x.shape:
        raise ValueError(f"dy and x must have the same shape, got {dy.shape} and {x.shape}")
    dy, x = _common_float(dy, x)
    return np.where(x > 0, dy, dy.dtype.type(0))


def log_softmax(z: object, axis: int = -1) -> np.ndarray:
    """Numerically stable ``log softmax(z)`` along ``axis``: ``z - max z - log sum exp(z - max z)``.

    Subtracting the maximum first (the log-sum-exp trick) keeps ``exp`` from overflowing
    for large logits and from underflowing to ``log 0`` for very negative ones.
    """
    z = _float(as_array(z, "z"))
    if z.ndim == 0:
        raise ValueError("z must have at least 1 dimension, got a scalar")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z: object, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``: ``exp(z - max z) / sum exp(z - max z)``."""
    z = _float(as_array(z, "z"))
    if z.ndim == 0:
        raise ValueError("z must have at least 1 dimension, got a scalar")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


#: Tolerance per class for the row sums of 2-D targets (float32 rounding of soft labels).
SUM_TOL = 1e-6


def _targets(labels: object, n: int, c: int, dtype: np.dtype) -> np.ndarray:
    """Targets as an ``n x c`` matrix: one-hot from integer classes, or 2-D ``labels``
    checked to be distributions (non-negative, rows summing to 1)."""
    t = as_array(labels, "labels", ndim=(1, 2))
    if t.ndim == 1:
        if t.dtype.kind not in "iu":
            raise ValueError(f"1-D labels must be integer class indices, got dtype {t.dtype}")
        if t.shape[0] != n:
            raise ValueError(f"labels must have one entry per example ({n}), got {t.shape[0]}")
        if t.size and (t.min() < 0 or t.max() >= c):
            raise ValueError(f"labels must lie in [0, {c - 1}], got values in [{t.min()}, {t.max()}]")
        onehot = np.zeros((n, c), dtype=dtype)
        onehot[np.arange(n), t] = 1
        return onehot
    if t.shape != (n, c):
        raise ValueError(f"2-D labels (one-hot) must have the shape of the logits {(n, c)}, got {t.shape}")
    t = t.astype(dtype, copy=False)
    if t.size and t.min() < 0:
        raise ValueError(
            "2-D labels must be probability distributions (one-hot or soft targets), "
            f"got a negative entry {t.min():.6g}"
        )
    # (y - t)/N is the gradient only if every row of t sums to 1 (see the derivation in
    # Chapter 2); allow the rounding of a float32 sum over C entries.
    sums = t.sum(axis=1, dtype=np.float64)
    tol = SUM_TOL * max(c, 1)
    bad = np.flatnonzero(np.abs(sums - 1) > tol)
    if bad.size:
        raise ValueError(
            "2-D labels must be probability distributions: every row must sum to 1 "
            f"(within {tol:.1e}), got row {bad[0]} summing to {sums[bad[0]]:.6g} "
            f"({bad.size} bad row(s))"
        )
    return t


def cross_entropy(logits: object, labels: object) -> float:
    """Mean cross-entropy ``L = -1/N sum_n sum_c t[n, c] log softmax(z)[n, c]``.

    ``logits`` (``z``) is ``N x C``; ``labels`` is either ``N`` integer classes or an
    ``N x C`` one-hot (or probability) matrix ``t``. Computed through :func:`log_softmax`,
    so it stays finite for any finite logits.

    Raises ``ValueError`` for labels of the wrong shape, integer classes outside
    ``[0, C-1]``, or 2-D labels that are not distributions: a negative entry, or a row
    whose sum differs from 1 by more than ``SUM_TOL * C`` (for such ``t`` the gradient
    of :func:`cross_entropy_backward` would not be ``(y - t)/N``).
    """
    z = _float(as_array(logits, "logits", ndim=2))
    t = _targets(labels, z.shape[0], z.shape[1], z.dtype)
    return float(-(t * log_softmax(z)).sum() / z.shape[0])


def cross_entropy_backward(logits: object, labels: object) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to the logits: ``(softmax(z) - t) / N``.

    Valid because each row of ``t`` sums to 1; ``labels`` are checked as in
    :func:`cross_entropy` (``ValueError`` otherwise).
    """
    z = _float(as_array(logits, "logits", ndim=2))
    t = _targets(labels, z.shape[0], z.shape[1], z.dtype)
    return (softmax(z) - t) / z.dtype.type(z.shape[0])
