"""Recurrent networks in NumPy, in Keras's weight layouts and gate orders (Chapter 3).

All functions use the *row-vector* convention of Keras: a batch of sequences is an
``N x T x D`` array (examples, time steps, features per step) and one step computes
``x_t @ kernel + h_{t-1} @ recurrent_kernel + bias``. The article writes the same thing
with column vectors, :math:`W_{xh} x_t + W_{hh} h_{t-1} + b_h`, so ``kernel`` is
:math:`W_{xh}^\\top` and ``recurrent_kernel`` is :math:`W_{hh}^\\top`.

- :func:`image_to_sequence` -- an image batch read row by row, column by column or pixel
  by pixel;
- :func:`rnn_forward`, :func:`rnn_backward` -- the simple (Elman) RNN and its
  backpropagation through time, optionally truncated;
- :func:`rnn_jacobian_norms` -- :math:`\\lVert\\partial h_T/\\partial h_t\\rVert_2` as a
  product of Jacobians;
- :func:`lstm_forward`, :func:`gru_forward` -- equal to ``keras.layers.LSTM`` / ``GRU``
  (gate orders i, f, c, o and z, r, h) with Keras's default activations;
- :func:`simple_rnn_params`, :func:`lstm_params`, :func:`gru_params` -- parameter counts;
- :func:`clip_by_global_norm` -- gradient clipping;
- :func:`quadtree_forward` -- a *recursive* network over the quadtree of an image.

The diagrams of recurrent networks are in :mod:`helpers.plot`.

Which Keras layers these match: ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
``use_bias=True``, ``go_backwards=False``, no masking and no dropout (the defaults). With
other options Keras computes something else; the NumPy layers have no such options, and
:func:`keras_config_supported` names the option that differs.
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.validate import as_array, check_positive_int

ORDERS = ("rows", "columns", "pixels")

#: Keras layer options (with their default values) that the NumPy layers assume.
KERAS_DEFAULTS = {"activation": "tanh", "recurrent_activation": "sigmoid",
                  "use_bias": True, "go_backwards": False, "dropout": 0.0,
                  "recurrent_dropout": 0.0}


def keras_config_supported(config: dict) -> None:
    """Raise ``ValueError`` naming the first option of a Keras RNN layer's
    ``get_config()`` that the NumPy layers of this module do not reproduce.

    ``SimpleRNN`` has no ``recurrent_activation``; missing keys are not checked.
    ``dropout`` and ``recurrent_dropout`` act only when Keras calls the layer with
    ``training=True`` (inference is unchanged); they are rejected because such a layer's
    training-mode outputs, and so its gradients, differ from the NumPy functions here.
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict (layer.get_config()), got {config!r}")
    for key, want in KERAS_DEFAULTS.items():
        if key in config and config[key] != want:
            raise ValueError(f"the NumPy layers assume {key}={want!r}, the layer has "
                             f"{key}={config[key]!r}")


def sigmoid(a: object) -> np.ndarray:
    """The logistic function :math:`1/(1+e^{-a})`, computed without overflow.

    Integer input gives float64 output; float input keeps its dtype.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def image_to_sequence(x: object, order: str = "rows") -> np.ndarray:
    """Turn images ``N x H x W`` (or ``N x H x W x 1``) into sequences ``N x T x D``.

    ``order="rows"``: T = H steps of D = W pixels (top to bottom); ``"columns"``: T = W
    steps of D = H pixels (left to right); ``"pixels"``: T = H*W steps of one pixel each
    (row-major scan). The result is always a new array (writing into it leaves ``x``
    unchanged). Raises ``ValueError`` for another rank, several channels, an empty batch
    or an unknown order.
    """
    arr = as_array(x, "x", ndim=(3, 4))
    if 0 in arr.shape:
        raise ValueError(f"x must be a non-empty image batch, got shape {arr.shape}")
    if arr.ndim == 4:
        if arr.shape[-1] != 1:
            raise ValueError(f"x must have one channel, got shape {arr.shape}")
        arr = arr[..., 0]
    if order == "rows":
        return arr.copy()
    if order == "columns":
        return np.ascontiguousarray(arr.transpose(0, 2, 1))
    if order == "pixels":
        return arr.reshape(len(arr), -1, 1).copy()
    raise ValueError(f"order must be one of {ORDERS}, got {order!r}")


def _sequences(x: object) -> np.ndarray:
    arr = as_array(x, "x", ndim=3, kinds="f")
    if 0 in arr.shape:
        raise ValueError(f"x must be a non-empty N x T x D array, got shape {arr.shape}")
    return arr


def _weights(x: np.ndarray, kernel: object, recurrent: object, bias: object,
             gates: int, bias_rows: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check kernel (D x gH), recurrent kernel (H x gH) and bias (gH or rows x gH)."""
    k = as_array(kernel, "kernel", ndim=2, kinds="f")
    r = as_array(recurrent, "recurrent_kernel", ndim=2, kinds="f")
    b = as_array(bias, "bias", ndim=(1, 2), kinds="f")
    d = x.shape[2]
    if r.shape[1] % gates or r.shape[0] * gates != r.shape[1]:
        raise ValueError(
            f"recurrent_kernel must be H x {gates}H, got shape {r.shape}"
        )
    h = r.shape[0]
    if k.shape != (d, gates * h):
        raise ValueError(
            f"kernel must be D x {gates}H = {(d, gates * h)} for inputs with D = {d} "
            f"features and H = {h} units, got shape {k.shape}"
        )
    want = (gates * h,) if bias_rows == 1 else (bias_rows, gates * h)
    if b.shape != want:
        raise ValueError(f"bias must have shape {want}, got {b.shape}")
    return k, r, b


def _initial(h0: object, n: int, h: int, dtype: np.dtype, name: str = "h0") -> np.ndarray:
    if h0 is None:
        return np.zeros((n, h), dtype)
    arr = as_array(h0, name, ndim=2, kinds="f")
    if arr.shape != (n, h):
        raise ValueError(f"{name} must have shape {(n, h)} (N x H), got {arr.shape}")
    return arr


def rnn_forward(x: object, kernel: object, recurrent_kernel: object, bias: object,
                h0: object = None) -> np.ndarray:
    """Hidden states of a simple RNN, :math:`h_t = \\tanh(x_t K + h_{t-1} R + b)`.

    Parameters
    ----------
    x: float inputs ``N x T x D``.
    kernel, recurrent_kernel, bias: ``D x H``, ``H x H``, ``H`` -- the weights of
        ``keras.layers.SimpleRNN`` in the order ``get_weights()`` returns them.
    h0: the initial state ``N x H`` (zeros if omitted).

    Returns all the states ``N x T x H`` (the last one, ``[:, -1]``, is what a
    ``SimpleRNN`` without ``return_sequences`` outputs). Equal to ``SimpleRNN`` with
    ``activation="tanh"``, ``use_bias=True`` and no masking or dropout. Raises ``ValueError`` for a wrong
    rank, a dtype that is not float, or weights whose shapes do not fit ``x``.
    """
    x = _sequences(x)
    k, r, b = _weights(x, kernel, recurrent_kernel, bias, 1)
    n, t_steps, _ = x.shape
    h = _initial(h0, n, r.shape[0], x.dtype)
    xk = x @ k + b  # the input part of every step at once
    out = np.empty((n, t_steps, r.shape[0]), np.result_type(x, k, r))
    for t in range(t_steps):
        h = np.tanh(xk[:, t] + h @ r)
        out[:, t] = h
    return out


def rnn_backward(x: object, hs: object, dhs: object, recurrent_kernel: object,
                 h0: object = None, truncate: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    x: the inputs ``N x T x D``; ``hs``: the states ``N x T x H`` from :func:`rnn_forward`.
    dhs: ``N x T x H``, the gradient of the loss with respect to each ``h_t`` through the
        loss *directly* (zeros where the loss does not read ``h_t``; e.g. only the last
        step for a classifier).
    recurrent_kernel: ``H x H``; h0: the initial state (zeros if omitted).
    truncate: if given, *truncated* BPTT: the sequence is cut into chunks of this many
        steps, aligned at t = 0 (steps 0..k-1, k..2k-1, ...; the last chunk is shorter
        when k does not divide T), and no gradient flows from one chunk back into the
        previous one. ``h0`` feeds the first chunk directly, so ``d_h0`` is never cut.
        For a loss on the last step only, the gradient therefore reaches back
        ``T mod k`` steps (``k`` if k divides T), not always ``k``.

    Returns ``(d_kernel, d_recurrent_kernel, d_bias, d_h0)`` in the dtype of ``x`` and
    ``hs`` combined. ``hs`` must come from :func:`rnn_forward` with the same ``h0`` (this
    is not checked). Raises ``ValueError`` for arrays whose shapes disagree or a
    truncation that is not a positive int.
    """
    x = _sequences(x)
    hs = as_array(hs, "hs", ndim=3, kinds="f")
    dhs = as_array(dhs, "dhs", ndim=3, kinds="f")
    r = as_array(recurrent_kernel, "recurrent_kernel", ndim=2, kinds="f")
    n, t_steps, _ = x.shape
    hdim = r.shape[0]
    if r.shape != (hdim, hdim):
        raise ValueError(f"recurrent_kernel must be square (H x H), got {r.shape}")
    for name, arr in (("hs", hs), ("dhs", dhs)):
        if arr.shape != (n, t_steps, hdim):
            raise ValueError(f"{name} must have shape {(n, t_steps, hdim)}, got {arr.shape}")
    if truncate is not None:
        truncate = check_positive_int(truncate, "truncate")
    h0 = _initial(h0, n, hdim, x.dtype)
    dk = np.zeros((x.shape[2], hdim), np.result_type(x, hs))
    dr, db = np.zeros((hdim, hdim), dk.dtype), np.zeros(hdim, dk.dtype)
    carry = np.zeros((n, hdim), dk.dtype)
    for t in range(t_steps - 1, -1, -1):
        if truncate is not None and (t + 1) % truncate == 0:
            carry = np.zeros_like(carry)  # a chunk boundary: cut the gradient
        da = (dhs[:, t] + carry) * (1 - hs[:, t] ** 2)  # through the tanh
        prev = hs[:, t - 1] if t > 0 else h0
        dk += x[:, t].T @ da
        dr += prev.T @ da
        db += da.sum(axis=0)
        carry = da @ r.T  # on to h_{t-1}
    return dk, dr, db, carry


def rnn_jacobian_norms(hs: object, recurrent_kernel: object) -> np.ndarray:
    """Spectral norms of :math:`\\partial h_T/\\partial h_t` for one sequence.

    ``hs`` are the states ``T x H`` of :func:`rnn_forward` for one example. Since
    :math:`\\partial h_{s}/\\partial h_{s-1} = \\mathrm{diag}(1-h_s^2)\\,W_{hh}`, the
    Jacobian is the product of these factors for s = t+1 .. T. Returns an array of
    length T whose entry ``t`` is the norm for the state at index ``t`` (the last entry,
    t = T-1, is 1: the identity). Assumes a tanh SimpleRNN. Raises ``ValueError`` for
    empty states or a kernel that does not fit.
    """
    hs = as_array(hs, "hs", ndim=2, kinds="f")
    if 0 in hs.shape:
        raise ValueError(f"hs must hold at least one state, got shape {hs.shape}")
    r = as_array(recurrent_kernel, "recurrent_kernel", ndim=2, kinds="f")
    if r.shape != (hs.shape[1], hs.shape[1]):
        raise ValueError(
            f"recurrent_kernel must be H x H = {(hs.shape[1],) * 2} for states of "
            f"H = {hs.shape[1]} units, got {r.shape}"
        )
    w_hh = r.T  # column-vector form: h_s = tanh(W_hh h_{s-1} + ...)
    jac = np.eye(hs.shape[1])
    norms = np.empty(len(hs))
    norms[-1] = 1.0
    for s in range(len(hs) - 1, 0, -1):
        jac = jac @ ((1 - hs[s] ** 2)[:, None] * w_hh)
        norms[s - 1] = np.linalg.norm(jac, 2)
    return norms


def lstm_forward(x: object, kernel: object, recurrent_kernel: object, bias: object,
                 h0: object = None, c0: object = None) -> tuple[np.ndarray, np.ndarray]:
    """Hidden and cell states of an LSTM equal to ``keras.layers.LSTM``.

    ``kernel`` ``D x 4H``, ``recurrent_kernel`` ``H x 4H`` and ``bias`` ``4H`` hold the four
    gates side by side in Keras's order **i, f, c, o** (input gate, forget gate, candidate,
    output gate). One step:

    i = σ(a_i), f = σ(a_f), g = tanh(a_c), o = σ(a_o) with a = x_t K + h_{t-1} R + b;
    c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t).

    Equal to ``keras.layers.LSTM`` with its default ``activation="tanh"``,
    ``recurrent_activation="sigmoid"``, ``use_bias=True``, ``go_backwards=False`` and no
    masking or dropout (check a layer with :func:`keras_config_supported`). Returns ``(hs, cs)``, both ``N x T x H``. Raises ``ValueError`` for a wrong rank or
    dtype, or weights whose shapes do not fit ``x`` and each other.
    """
    x = _sequences(x)
    k, r, b = _weights(x, kernel, recurrent_kernel, bias, 4)
    n, t_steps, _ = x.shape
    hdim = r.shape[0]
    h = _initial(h0, n, hdim, x.dtype)
    c = _initial(c0, n, hdim, x.dtype, "c0")
    xk = x @ k + b
    hs = np.empty((n, t_steps, hdim), np.result_type(x, k, r))
    cs = np.empty_like(hs)
    for t in range(t_steps):
        a = xk[:, t] + h @ r
        i, f, g, o = np.split(a, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        hs[:, t], cs[:, t] = h, c
    return hs, cs


def gru_forward(x: object, kernel: object, recurrent_kernel: object, bias: object,
                h0: object = None, reset_after: bool = True) -> np.ndarray:
    """Hidden states of a GRU equal to ``keras.layers.GRU``.

    Gates in Keras's order **z, r, h** (update, reset, candidate): ``kernel`` ``D x 3H``,
    ``recurrent_kernel`` ``H x 3H``; ``bias`` is ``2 x 3H`` (input and recurrent biases)
    with ``reset_after=True`` (Keras's default) and ``3H`` otherwise. One step:

    z = σ(x K_z + b_z + h R_z + b'_z), r = σ(x K_r + b_r + h R_r + b'_r),
    candidate g = tanh(x K_h + b_h + r ⊙ (h R_h + b'_h)) if ``reset_after`` (b the input
    bias ``bias[0]``, b' the recurrent bias ``bias[1]``), else the single bias b and
    z = σ(x K_z + h R_z + b_z), r = σ(x K_r + h R_r + b_r),
    g = tanh(x K_h + (r ⊙ h) R_h + b_h);  then h_t = z ⊙ h_{t-1} + (1 - z) ⊙ g.

    Equal to ``keras.layers.GRU`` with the same ``reset_after`` and the default
    activations, ``use_bias=True``, ``go_backwards=False``, no masking or dropout.
    Returns the states ``N x T x H``. Raises ``ValueError`` for shapes that do not fit.
    """
    x = _sequences(x)
    k, r, b = _weights(x, kernel, recurrent_kernel, bias, 3, 2 if reset_after else 1)
    n, t_steps, _ = x.shape
    hdim = r.shape[0]
    h = _initial(h0, n, hdim, x.dtype)
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    xk = x @ k + b_in
    hs = np.empty((n, t_steps, hdim), np.result_type(x, k, r))
    for t in range(t_steps):
        xz, xr, xh = np.split(xk[:, t], 3, axis=1)
        if reset_after:
            hz, hr, hh = np.split(h @ r + b_rec, 3, axis=1)
            z, rr = sigmoid(xz + hz), sigmoid(xr + hr)
            g = np.tanh(xh + rr * hh)
        else:
            z = sigmoid(xz + h @ r[:, :hdim])
            rr = sigmoid(xr + h @ r[:, hdim:2 * hdim])
            g = np.tanh(xh + (rr * h) @ r[:, 2 * hdim:])
        h = z * h + (1 - z) * g
        hs[:, t] = h
    return hs


def simple_rnn_params(d: int, h: int) -> int:
    """Parameters of ``SimpleRNN(h)`` on ``d`` input features: :math:`h(d + h + 1)`."""
    d, h = check_positive_int(d, "d"), check_positive_int(h, "h")
    return h * (d + h + 1)


def lstm_params(d: int, h: int) -> int:
    """Parameters of ``LSTM(h)`` on ``d`` features: four blocks (three gates and the
    candidate), :math:`4h(d + h + 1)`."""
    return 4 * simple_rnn_params(d, h)


def gru_params(d: int, h: int, reset_after: bool = True) -> int:
    """Parameters of ``GRU(h)``: :math:`3h(d + h + 1)`, plus :math:`3h` for the second
    bias when ``reset_after`` (Keras's default)."""
    return 3 * simple_rnn_params(d, h) + (3 * h if reset_after else 0)


def clip_by_global_norm(grads: list, max_norm: float) -> tuple[list[np.ndarray], float]:
    """Scale all gradients by ``min(1, max_norm / g)``, g their joint L2 norm.

    Returns ``(clipped, g)``; the direction of the update is kept, only its length is
    bounded (as ``tf.clip_by_global_norm`` and Keras's ``global_clipnorm=``; Keras's
    ``clipnorm=`` instead clips each array by its own norm). ``max_norm`` may be any
    real number type (Python or NumPy). Raises ``ValueError`` for a ``max_norm`` that
    is not a positive finite number, an empty list, or gradients holding NaN or inf
    (where ``tf.clip_by_global_norm`` would return NaNs).
    """
    if (not isinstance(max_norm, numbers.Real) or isinstance(max_norm, (bool, np.bool_))
            or not np.isfinite(max_norm) or max_norm <= 0):
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    max_norm = float(max_norm)
    if not grads:
        raise ValueError("grads must hold at least one array, got none")
    arrays = [as_array(g, f"grads[{i}]", kinds="f") for i, g in enumerate(grads)]
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in arrays)))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return [g * scale for g in arrays], total


def quadtree_forward(leaves: object, w_merge: object, b_merge: object) -> np.ndarray:
    """A recursive network over a quadtree: merge 2x2 children into a parent, to the root.

    ``leaves`` is ``N x S x S x E``: one E-vector per leaf patch on an S x S grid, S a
    power of two. At every level each 2x2 block of children ``(top-left, top-right,
    bottom-left, bottom-right)`` is concatenated (4E values) and mapped to the parent by
    the **same** weights, :math:`p = \\tanh([c_1; c_2; c_3; c_4] W + b)` with ``w_merge``
    ``4E x E`` and ``b_merge`` ``E``. Returns the root vectors ``N x E``. Raises
    ``ValueError`` if S is not a power of two or the weights do not fit E.
    """
    x = as_array(leaves, "leaves", ndim=4, kinds="f")
    w = as_array(w_merge, "w_merge", ndim=2, kinds="f")
    b = as_array(b_merge, "b_merge", ndim=1, kinds="f")
    n, s, s2, e = x.shape
    if s != s2 or s < 1 or s & (s - 1):
        raise ValueError(f"leaves must lie on an S x S grid with S a power of two, got "
                         f"{s} x {s2}")
    if w.shape != (4 * e, e) or b.shape != (e,):
        raise ValueError(f"w_merge must be 4E x E = {(4 * e, e)} and b_merge E = {(e,)}, "
                         f"got {w.shape} and {b.shape}")
    while x.shape[1] > 1:
        m = x.shape[1] // 2
        blocks = x.reshape(n, m, 2, m, 2, e).transpose(0, 1, 3, 2, 4, 5)
        x = np.tanh(blocks.reshape(n, m, m, 4 * e) @ w + b)
    return x[:, 0, 0]

