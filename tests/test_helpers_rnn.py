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


def test_truncation_longer_than_sequence_changes_nothing():
    x = RNG.standard_normal((2, 6, 3))
    k, r, b = weights(3, 4, 1)
    hs = rnn.rnn_forward(x, k, r, b)
    dl = np.zeros_like(hs)
    dl[:, -1] = 1.0
    full = rnn.rnn_backward(x, hs, dl, r)
    same = rnn.rnn_backward(x, hs, dl, r, truncate=7)
    short = rnn.rnn_backward(x, hs, dl, r, truncate=2)
    assert all(np.allclose(a, c) for a, c in zip(full, same, strict=True))
    assert not np.allclose(full[1], short[1])


def test_jacobian_norms_of_a_linear_regime_rnn():
    w = 0.5 * np.eye(3)  # tiny states: tanh' = 1, so the norm is 0.5 ** (T - 1 - t)
    hs = np.full((4, 3), 1e-8)
    assert np.allclose(rnn.rnn_jacobian_norms(hs, w), [0.125, 0.25, 0.5, 1.0])


def test_lstm_forward_zero_weights():
    x = RNG.standard_normal((2, 3, 4))
    k, r, b = weights(4, 5, 4, scale=0.0)
    hs, cs = rnn.lstm_forward(x, k, r, b)
    assert np.allclose(cs, 0) and np.allclose(hs, 0)  # c = 0.5 c + 0.5 tanh(0)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_forward_shapes(reset_after):
    x = RNG.standard_normal((2, 3, 4))
    k, r, b = weights(4, 5, 3, (2, 15) if reset_after else None)
    hs = rnn.gru_forward(x, k, r, b, reset_after=reset_after)
    assert hs.shape == (2, 3, 5) and np.all(np.abs(hs) < 1)


def test_parameter_counts():
    assert rnn.simple_rnn_params(28, 64) == 64 * (28 + 64 + 1)
    assert rnn.lstm_params(28, 64) + rnn.lstm_params(64, 64) + 650 == 57482
    assert rnn.gru_params(28, 64) - rnn.gru_params(28, 64, reset_after=False) == 192


def test_clip_by_global_norm():
    clipped, norm = rnn.clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)
    assert norm == 5.0 and np.allclose([c[0] for c in clipped], [0.6, 0.8])
    kept, _ = rnn.clip_by_global_norm([np.array([0.3])], 1.0)
    assert kept[0][0] == 0.3


def test_quadtree_forward_shares_weights():
    e = 3
    leaves = RNG.standard_normal((2, 4, 4, e))
    w, b = RNG.standard_normal((4 * e, e)), RNG.standard_normal(e)
    root = rnn.quadtree_forward(leaves, w, b)
    level1 = [np.tanh(np.concatenate([leaves[:, i, j], leaves[:, i, j + 1],
                                      leaves[:, i + 1, j], leaves[:, i + 1, j + 1]], 1) @ w + b)
              for i in (0, 2) for j in (0, 2)]
    assert np.allclose(root, np.tanh(np.concatenate(level1, 1) @ w + b))


def test_diagrams_draw():
    import matplotlib

    matplotlib.use("Agg")
    assert rnn.draw_unrolled_rnn(3).axes and rnn.draw_lstm_cell().axes


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
        (lambda: rnn.lstm_params(0, 3), "positive"),
        (lambda: rnn.clip_by_global_norm([np.ones(2)], -1.0), "max_norm"),
        (lambda: rnn.clip_by_global_norm([], 1.0), "at least one"),
        (lambda: rnn.quadtree_forward(np.zeros((1, 3, 3, 2)), np.zeros((8, 2)),
                                      np.zeros(2)), "power of two"),
        (lambda: rnn.quadtree_forward(np.zeros((1, 4, 4, 2)), np.zeros((6, 2)),
                                      np.zeros(2)), "w_merge"),
        (lambda: rnn.draw_unrolled_rnn(0), "steps"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
