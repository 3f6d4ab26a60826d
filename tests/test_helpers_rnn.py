"""Unit tests of helpers.rnn: NumPy recurrent layers, BPTT, parameter counts, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import rnn

RNG = np.random.default_rng(0)


def weights(d: int, h: int, gates: int, bias_shape=None, scale=0.5):
    k = RNG.standard_normal((d, gates * h)) * scale
    r = RNG.standard_normal((h, gates * h)) * scale
    b = RNG.standard_normal(bias_shape or (gates * h,)) * scale
    return k, r, b


def test_image_to_sequence_orders():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4, 1)
    assert rnn.image_to_sequence(x, "rows").shape == (2, 3, 4)
    cols = rnn.image_to_sequence(x, "columns")
    assert cols.shape == (2, 4, 3) and cols[0, 1, 2] == x[0, 2, 1, 0]
    pix = rnn.image_to_sequence(x[..., 0], "pixels")
    assert pix.shape == (2, 12, 1) and pix[1, 5, 0] == x[1, 1, 1, 0]


def test_rnn_forward_one_step_by_hand():
    x = np.array([[[1.0, 2.0]]])
    k, r, b = np.array([[0.5], [0.25]]), np.array([[2.0]]), np.array([0.1])
    hs = rnn.rnn_forward(x, k, r, b, h0=np.array([[0.3]]))
    assert np.isclose(hs[0, 0, 0], np.tanh(0.5 + 0.5 + 0.6 + 0.1))


def loss_and_grad(x, k, r, b, dl):
    hs = rnn.rnn_forward(x, k, r, b)
    return float(np.sum(hs * dl)), rnn.rnn_backward(x, hs, dl, r)


def test_rnn_backward_matches_finite_differences():
    x = RNG.standard_normal((2, 5, 3))
    k, r, b = weights(3, 4, 1)
    dl = RNG.standard_normal((2, 5, 4))
    _, (dk, dr, db, _) = loss_and_grad(x, k, r, b, dl)
    for arr, grad in ((k, dk), (r, dr), (b, db)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            up = loss_and_grad(x, k, r, b, dl)[0]
            arr[idx] = old - 1e-6
            down = loss_and_grad(x, k, r, b, dl)[0]
            arr[idx] = old
            num[idx] = (up - down) / 2e-6
        assert np.abs(grad - num).max() <= 1e-7 * np.abs(num).max()


def rnn_grads_tf(x, k, r, b, h0, dl, truncate=None):
    """Reference gradients of sum_t <h_t, dl_t> by TensorFlow autodiff; with
    ``truncate`` the state entering each chunk start t = k, 2k, ... is stop_gradient'ed."""
    import tensorflow as tf

    ks, rs, bs, h = (tf.Variable(a) for a in (k, r, b, h0))
    with tf.GradientTape() as tape:
        state, loss = h, tf.constant(0.0, tf.float64)
        for t in range(x.shape[1]):
            if truncate is not None and t > 0 and t % truncate == 0:
                state = tf.stop_gradient(state)
            state = tf.tanh(x[:, t] @ ks + state @ rs + bs)
            loss += tf.reduce_sum(state * dl[:, t])
    return [g.numpy() for g in tape.gradient(loss, [ks, rs, bs, h])]


@pytest.mark.parametrize("t_steps, truncate", [
    (7, None), (7, 1), (8, 2), (8, 4), (7, 3), (8, 3), (7, 7), (8, 8), (6, 9)])
@pytest.mark.parametrize("last_only", [False, True])
def test_rnn_backward_matches_tensorflow(t_steps, truncate, last_only):
    rng = np.random.default_rng(t_steps * 10 + (truncate or 0))
    x = rng.standard_normal((3, t_steps, 4))
    k, r, b = (rng.standard_normal(s) * 0.6 for s in ((4, 5), (5, 5), (5,)))
    h0 = rng.standard_normal((3, 5)) * 0.5
    dl = rng.standard_normal((3, t_steps, 5))
    if last_only:
        dl[:, :-1] = 0.0
    hs = rnn.rnn_forward(x, k, r, b, h0=h0)
    ours = rnn.rnn_backward(x, hs, dl, r, h0=h0, truncate=truncate)
    ref = rnn_grads_tf(x, k, r, b, h0, dl, truncate)
    for name, a, c in zip(("d_kernel", "d_recurrent", "d_bias", "d_h0"), ours, ref,
                          strict=True):
        assert a.shape == c.shape
        assert np.abs(a - c).max() <= 1e-12 * max(1.0, np.abs(c).max()), name


def test_rnn_backward_truncation_horizon_is_t_mod_k():
    # a loss on the last step and k not dividing T: only the last T mod k steps get
    # a gradient, so the kernel's gradient equals that of the last T mod k inputs
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 7, 3))
    k, r, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), np.zeros(4)
    hs = rnn.rnn_forward(x, k, r, b)
    dl = np.zeros_like(hs)
    dl[:, -1] = 1.0
    dk = rnn.rnn_backward(x, hs, dl, r, truncate=3)[0]
    x_late = x.copy()
    x_late[:, :6] = 0.0  # only step 6 (the chunk 6..6) may contribute to d_kernel
    hs_late = hs.copy()
    dk_late = rnn.rnn_backward(x_late, hs_late, dl, r, truncate=3)[0]
    assert np.allclose(dk, dk_late) and np.abs(dk).max() > 0


def test_jacobian_norms_match_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 9, 3))
    k, r, b = rng.standard_normal((3, 6)), rng.standard_normal((6, 6)), rng.standard_normal(6)
    hs = rnn.rnn_forward(x, k, r, b)[0]
    ours = rnn.rnn_jacobian_norms(hs, r)
    ref = np.empty(len(hs))
    for t in range(len(hs)):
        start = tf.Variable(hs[t])
        with tf.GradientTape() as tape:
            h = start[None]
            for s in range(t + 1, len(hs)):
                h = tf.tanh(x[:, s] @ k + h @ r + b)
            out = h[0]
        jac = tape.jacobian(out, start) if t < len(hs) - 1 else np.eye(6)
        ref[t] = np.linalg.norm(np.asarray(jac), 2)
    assert np.abs(ours - ref).max() <= 1e-12 * ref.max()
    assert np.ptp(ref) > 0.1  # a non-trivial test: the norms really vary


def keras_layer(kind: str, units: int, d: int, rng, **options):
    """A float64 Keras layer with random weights *and* biases."""
    import keras

    cls = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
           "gru": keras.layers.GRU}[kind]
    layer = cls(units, return_sequences=True, return_state=True, dtype="float64",
                **options)
    layer.build((None, None, d))
    layer.set_weights([rng.standard_normal(w.shape) * 0.7 for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize("n, t_steps, d, h", [(3, 9, 5, 7), (2, 1, 1, 1), (4, 6, 3, 2)])
def test_rnn_forward_matches_keras(n, t_steps, d, h):
    rng = np.random.default_rng(n + t_steps)
    layer = keras_layer("rnn", h, d, rng)
    x, h0 = rng.standard_normal((n, t_steps, d)), rng.standard_normal((n, h))
    ref = layer(x, initial_state=[h0])[0].numpy()
    ours = rnn.rnn_forward(x, *layer.get_weights(), h0=h0)
    assert np.abs(ours - ref).max() <= 1e-12


@pytest.mark.parametrize("n, t_steps, d, h", [(3, 9, 5, 7), (2, 1, 1, 1), (4, 6, 3, 2)])
def test_lstm_forward_matches_keras(n, t_steps, d, h):
    rng = np.random.default_rng(10 * n + t_steps)
    layer = keras_layer("lstm", h, d, rng)
    x = rng.standard_normal((n, t_steps, d))
    h0, c0 = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    seq, h_last, c_last = (a.numpy() for a in layer(x, initial_state=[h0, c0]))
    hs, cs = rnn.lstm_forward(x, *layer.get_weights(), h0=h0, c0=c0)
    assert np.abs(hs - seq).max() <= 1e-12
    assert np.abs(hs[:, -1] - h_last).max() <= 1e-12
    assert np.abs(cs[:, -1] - c_last).max() <= 1e-12


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("n, t_steps, d, h", [(3, 9, 5, 7), (2, 1, 1, 1)])
def test_gru_forward_matches_keras(reset_after, n, t_steps, d, h):
    rng = np.random.default_rng(100 * n + t_steps + reset_after)
    layer = keras_layer("gru", h, d, rng, reset_after=reset_after)
    x, h0 = rng.standard_normal((n, t_steps, d)), rng.standard_normal((n, h))
    ref = layer(x, initial_state=[h0])[0].numpy()
    ours = rnn.gru_forward(x, *layer.get_weights(), h0=h0, reset_after=reset_after)
    assert np.abs(ours - ref).max() <= 1e-12


def test_keras_config_supported():
    import keras

    rnn.keras_config_supported(keras.layers.LSTM(3).get_config())
    rnn.keras_config_supported(keras.layers.SimpleRNN(3).get_config())
    # listed here, not read from KERAS_DEFAULTS, so that deleting an
    # option from the helper's checks fails this test
    for bad in ({"recurrent_activation": "hard_sigmoid"}, {"activation": "relu"},
                {"go_backwards": True}, {"use_bias": False}, {"dropout": 0.2},
                {"recurrent_dropout": 0.2}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            rnn.keras_config_supported(keras.layers.GRU(3, **bad).get_config())


def test_sigmoid_on_integers_and_extremes():
    out = rnn.sigmoid(np.array([0, 3, -800]))
    assert out.dtype == np.float64
    assert np.allclose(out, [0.5, 1 / (1 + np.exp(-3.0)), 0.0])
    assert rnn.sigmoid(np.float32(800.0)) == np.float32(1.0)


def test_image_to_sequence_returns_a_copy():
    x = np.zeros((1, 3, 4), np.float32)
    for order in ("rows", "columns", "pixels"):
        rnn.image_to_sequence(x, order)[...] = 1.0
    assert not x.any()


def test_parameter_counts():
    assert rnn.simple_rnn_params(28, 64) == 64 * (28 + 64 + 1)
    assert rnn.lstm_params(28, 64) + rnn.lstm_params(64, 64) + 650 == 57482
    assert rnn.gru_params(28, 64) - rnn.gru_params(28, 64, reset_after=False) == 192


def test_clip_by_global_norm():
    clipped, norm = rnn.clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)
    assert norm == 5.0 and np.allclose([c[0] for c in clipped], [0.6, 0.8])
    kept, _ = rnn.clip_by_global_norm([np.array([0.3])], np.float32(1.0))
    assert kept[0][0] == 0.3


def test_clip_by_global_norm_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5) * 2]
    ours, norm = rnn.clip_by_global_norm(grads, 1.5)
    ref, ref_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], 1.5)
    assert np.isclose(norm, ref_norm.numpy())
    assert all(np.allclose(a, c.numpy()) for a, c in zip(ours, ref, strict=True))


def test_quadtree_forward_shares_weights():
    e = 3
    leaves = RNG.standard_normal((2, 4, 4, e))
    w, b = RNG.standard_normal((4 * e, e)), RNG.standard_normal(e)
    root = rnn.quadtree_forward(leaves, w, b)
    level1 = [np.tanh(np.concatenate([leaves[:, i, j], leaves[:, i, j + 1],
                                      leaves[:, i + 1, j], leaves[:, i + 1, j + 1]], 1) @ w + b)
              for i in (0, 2) for j in (0, 2)]
    assert np.allclose(root, np.tanh(np.concatenate(level1, 1) @ w + b))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: rnn.image_to_sequence(np.zeros((2, 3)), "rows"), "dimensions"),
        (lambda: rnn.image_to_sequence(np.zeros((2, 3, 3, 3)), "rows"), "one channel"),
        (lambda: rnn.image_to_sequence(np.zeros((2, 3, 3)), "diagonal"), "order"),
        (lambda: rnn.rnn_forward(np.zeros((2, 3)), *weights(3, 4, 1)), "dimensions"),
        (lambda: rnn.rnn_forward(np.zeros((2, 3, 5)), *weights(3, 4, 1)), "D = 5"),
        (lambda: rnn.rnn_forward(np.zeros((2, 3, 3), int), *weights(3, 4, 1)), "dtype"),
        (lambda: rnn.rnn_forward(np.zeros((2, 3, 3)), np.zeros((3, 4)),
                                 np.zeros((4, 5)), np.zeros(4)), "recurrent_kernel"),
        (lambda: rnn.rnn_forward(np.zeros((2, 3, 3)), *weights(3, 4, 1),
                                 h0=np.zeros((3, 4))), "h0"),
        (lambda: rnn.lstm_forward(np.zeros((2, 3, 3)), *weights(3, 4, 3)), "4H"),
        (lambda: rnn.lstm_forward(np.zeros((2, 3, 3)), np.zeros((3, 16)),
                                  np.zeros((4, 16)), np.zeros(12)), "bias"),
        (lambda: rnn.gru_forward(np.zeros((2, 3, 3)), *weights(3, 4, 3)), "bias"),
        (lambda: rnn.rnn_backward(np.zeros((2, 3, 3)), np.zeros((2, 4, 4)),
                                  np.zeros((2, 3, 4)), np.zeros((4, 4))), "hs"),
        (lambda: rnn.rnn_backward(np.zeros((2, 3, 3)), np.zeros((2, 3, 4)),
                                  np.zeros((2, 3, 4)), np.zeros((4, 4)), truncate=0),
         "truncate"),
        (lambda: rnn.rnn_jacobian_norms(np.zeros((5, 3)), np.zeros((4, 4))), "H x H"),
        (lambda: rnn.rnn_jacobian_norms(np.zeros((0, 3)), np.zeros((3, 3))), "at least"),
        (lambda: rnn.image_to_sequence(np.zeros((0, 3, 3)), "rows"), "non-empty"),
        (lambda: rnn.rnn_forward(np.zeros((0, 3, 3)), *weights(3, 4, 1)), "non-empty"),
        (lambda: rnn.clip_by_global_norm([np.ones(2)], float("nan")), "max_norm"),
        (lambda: rnn.clip_by_global_norm([np.ones(2)], float("inf")), "max_norm"),
        (lambda: rnn.clip_by_global_norm([np.array([np.inf])], 1.0), "finite"),
        (lambda: rnn.keras_config_supported("LSTM"), "dict"),
        (lambda: rnn.lstm_params(0, 3), "positive"),
        (lambda: rnn.clip_by_global_norm([np.ones(2)], -1.0), "max_norm"),
        (lambda: rnn.clip_by_global_norm([], 1.0), "at least one"),
        (lambda: rnn.quadtree_forward(np.zeros((1, 3, 3, 2)), np.zeros((8, 2)),
                                      np.zeros(2)), "power of two"),
        (lambda: rnn.quadtree_forward(np.zeros((1, 4, 4, 2)), np.zeros((6, 2)),
                                      np.zeros(2)), "w_merge"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
