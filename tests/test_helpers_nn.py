"""Unit tests of helpers.nn (NumPy layers) and helpers.models, checked against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import nn

RNG = np.random.default_rng(0)


def _rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


# --- sizes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, k, p, s, want", [(28, 3, 0, 1, 26), (13, 3, 0, 1, 11), (5, 3, 1, 2, 3), (7, 7, 0, 1, 1), (6, 3, 1, 2, 3)]
)
def test_conv_output_size(n, k, p, s, want):
    assert nn.conv_output_size(n, k, p, s) == want


def test_conv_output_size_rejects():
    with pytest.raises(ValueError, match="kernel size 5 is larger than the padded input"):
        nn.conv_output_size(3, 5, 0, 1)
    with pytest.raises(ValueError, match="s must be a positive integer"):
        nn.conv_output_size(3, 3, 0, 0)
    with pytest.raises(ValueError, match="p must be a non-negative integer"):
        nn.conv_output_size(3, 3, -1, 1)


def test_conv_params():
    assert nn.conv_params(3, 1, 32) == 320
    assert nn.conv_params(3, 32, 64) == 18496
    assert nn.conv_params(3, 32, 64, bias=False) == 18432
    with pytest.raises(ValueError, match="c_in must be a positive integer"):
        nn.conv_params(3, 0, 4)


# --- convolution ----------------------------------------------------------------------------
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 0), (1, 1), (2, 2), (3, 1)])
def test_conv2d_matches_naive_and_tf(stride, padding):
    import tensorflow as tf

    x, w, b = _rand(2, 7, 8, 3), _rand(3, 2, 3, 4), _rand(4)
    y = nn.conv2d(x, w, b, stride, padding)
    np.testing.assert_allclose(y, nn.conv2d_naive(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    ref = tf.nn.conv2d(xp, w, strides=stride, padding="VALID").numpy() + b
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_keeps_dtype(dtype):
    x, w = _rand(1, 5, 5, 2, dtype=dtype), _rand(3, 3, 2, 1, dtype=dtype)
    assert nn.conv2d(x, w).dtype == dtype
    assert nn.conv2d_naive(x, w).dtype == dtype
    assert all(g.dtype == dtype for g in nn.conv2d_backward(np.ones((1, 3, 3, 1), dtype), x, w))
    assert nn.conv2d(np.ones((1, 3, 3, 1), int), np.ones((3, 3, 1, 1), int)).dtype == np.float64


def test_im2col_layout():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    cols = nn.im2col(x, 2, 2, stride=2)
    np.testing.assert_array_equal(cols, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]])
    with pytest.raises(ValueError, match="kernel 5x5 is larger than the padded input 4x4"):
        nn.im2col(x, 5, 5)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((5, 5, 1)), np.zeros((3, 3, 1, 1))), "x must have 4 dimensions, got 3"),
        ((np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1))), "w must have 4 dimensions, got 3"),
        ((np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 1, 4))), "w expects 1 input channels"),
        ((np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 4)), np.zeros(3)), "b must have one value per output channel"),
        ((np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 4)), None, 0), "stride must be a positive integer, got 0"),
        ((np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 4)), None, 1, -1), "padding must be a non-negative integer"),
        ((np.zeros((1, 2, 2, 1)), np.zeros((5, 5, 1, 4)), None, 1, 1), "kernel 5x5 is larger than the padded input 4x4"),
        ((np.full((1, 5, 5, 1), np.nan), np.zeros((3, 3, 1, 4))), "x must be finite"),
    ],
)
def test_conv2d_rejects_bad_input(args, message):
    for fn in (nn.conv2d, nn.conv2d_naive):
        with pytest.raises(ValueError, match=message):
            fn(*args)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (2, 0), (3, 2)])
def test_conv2d_backward_matches_tf(stride, padding):
    import tensorflow as tf

    x, w, b = _rand(2, 7, 6, 3), _rand(3, 3, 3, 2), _rand(2)
    y = nn.conv2d(x, w, b, stride, padding)
    dy = _rand(*y.shape)
    dx, dw, db = nn.conv2d_backward(dy, x, w, stride, padding)
    xt, wt, bt = (tf.Variable(a) for a in (x, w, b))
    with tf.GradientTape() as tape:
        xp = tf.pad(xt, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
        out = tf.nn.conv2d(xp, wt, strides=stride, padding="VALID") + bt
        loss = tf.reduce_sum(out * dy)
    gx, gw, gb = tape.gradient(loss, [xt, wt, bt])
    for ours, ref in ((dx, gx), (dw, gw), (db, gb)):
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_backward_rejects_bad_dy():
    with pytest.raises(ValueError, match=r"dy must have the shape of the layer's output \(1, 3, 3, 2\)"):
        nn.conv2d_backward(np.zeros((1, 2, 2, 2)), np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)))


# --- pooling --------------------------------------------------------------------------------
@pytest.mark.parametrize("size, stride, h", [(2, None, 7), (2, None, 8), (3, 2, 9), (3, 1, 5)])
def test_pooling_matches_keras(size, stride, h):
    import keras

    x = _rand(2, h, h + 1, 3, dtype=np.float32)
    mp = keras.layers.MaxPooling2D(size, strides=stride)(x).numpy()
    ap = keras.layers.AveragePooling2D(size, strides=stride)(x).numpy()
    np.testing.assert_array_equal(nn.max_pool2d(x, size, stride), mp)
    np.testing.assert_allclose(nn.avg_pool2d(x, size, stride), ap, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 1)])
def test_pool_backward_matches_tf(size, stride):
    import tensorflow as tf

    x = _rand(2, 7, 6, 3)
    xt = tf.Variable(x)
    for fwd, bwd, tfop in (
        (nn.max_pool2d, nn.max_pool2d_backward, tf.nn.max_pool2d),
        (nn.avg_pool2d, nn.avg_pool2d_backward, tf.nn.avg_pool2d),
    ):
        dy = _rand(*fwd(x, size, stride).shape)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tfop(xt, size, stride or size, "VALID") * dy)
        np.testing.assert_allclose(bwd(dy, x, size, stride), tape.gradient(loss, xt).numpy(), atol=1e-12)


def test_max_pool_routes_gradient():
    x = np.array([[1.0, 5.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    dx = nn.max_pool2d_backward(np.full((1, 1, 1, 1), 7.0), x)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 7], [0, 0]])
    np.testing.assert_array_equal(nn.avg_pool2d_backward(np.full((1, 1, 1, 1), 8.0), x)[0, :, :, 0], [[2, 2], [2, 2]])


def test_pool_rejects_bad_input():
    with pytest.raises(ValueError, match="pool size 3 is larger than the input 2x2"):
        nn.max_pool2d(np.zeros((1, 2, 2, 1)), 3)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        nn.avg_pool2d(np.zeros((2, 2, 1)))
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        nn.max_pool2d(np.zeros((1, 4, 4, 1)), 2, 0)
    with pytest.raises(ValueError, match="dy must have the shape of the pooled output"):
        nn.max_pool2d_backward(np.zeros((1, 1, 1, 1)), np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="dy must have the shape of the pooled output"):
        nn.avg_pool2d_backward(np.zeros((1, 1, 1, 1)), np.zeros((1, 4, 4, 1)))


# --- dense, activations, loss ---------------------------------------------------------------
def test_dense_and_backward():
    x, w, b = _rand(4, 3), _rand(3, 2), _rand(2)
    np.testing.assert_allclose(nn.dense(x, w, b), x @ w + b)
    np.testing.assert_allclose(nn.dense(x, w), x @ w)
    dy = _rand(4, 2)
    dx, dw, db = nn.dense_backward(dy, x, w)
    np.testing.assert_allclose(dx, dy @ w.T)
    np.testing.assert_allclose(dw, x.T @ dy)
    np.testing.assert_allclose(db, dy.sum(0))
    with pytest.raises(ValueError, match="x has 3 features but w expects 2"):
        nn.dense(x, _rand(2, 2))
    with pytest.raises(ValueError, match="b must have one value per output"):
        nn.dense(x, w, _rand(3))
    with pytest.raises(ValueError, match="inconsistent shapes"):
        nn.dense_backward(_rand(4, 3), x, w)


def test_relu():
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    np.testing.assert_array_equal(nn.relu(x), [0, 0, 2])
    assert nn.relu(x).dtype == np.float32
    np.testing.assert_array_equal(nn.relu_backward(np.ones(3), x), [0, 0, 1])
    with pytest.raises(ValueError, match="same shape"):
        nn.relu_backward(np.ones(2), x)


def test_softmax_is_stable_and_matches_tf():
    import tensorflow as tf

    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    y = nn.softmax(z)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(1), 1.0)
    np.testing.assert_allclose(y, tf.nn.softmax(z).numpy(), rtol=1e-12)
    np.testing.assert_allclose(nn.log_softmax(z), tf.nn.log_softmax(z).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        nn.softmax(np.float64(1.0))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        nn.log_softmax(np.float64(1.0))


def test_cross_entropy_matches_tf_and_its_gradient():
    import tensorflow as tf

    z, labels = _rand(5, 4), np.array([0, 3, 1, 1, 2])
    t = np.eye(4)[labels]
    want = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(t, z)).numpy()
    assert nn.cross_entropy(z, labels) == pytest.approx(want, rel=1e-12)
    assert nn.cross_entropy(z, t) == pytest.approx(want, rel=1e-12)
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(t, zt))
    np.testing.assert_allclose(nn.cross_entropy_backward(z, labels), tape.gradient(loss, zt).numpy(), atol=1e-14)
    assert np.isfinite(nn.cross_entropy(np.array([[1e4, -1e4]]), np.array([1])))


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1]), "one entry per example"),
        (np.array([0, 1, 4]), r"labels must lie in \[0, 3\]"),
        (np.array([0.0, 1.0, 2.0]), "integer class indices"),
        (np.zeros((3, 3)), "must have the shape of the logits"),
    ],
)
def test_cross_entropy_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        nn.cross_entropy(np.zeros((3, 4)), labels)
    with pytest.raises(ValueError, match=message):
        nn.cross_entropy_backward(np.zeros((3, 4)), labels)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([[1.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 1.0, 0]]), "row 1 summing to 2"),
        (np.array([[1.0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1.0, 0]]), "row 1 summing to 0"),
        (np.array([[1.5, -0.5, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]]), "negative entry -0.5"),
        (np.array([[0, 1, 2, 3], [1, 0, 0, 0], [0, 1, 0, 0]]), "every row must sum to 1"),
    ],
)
def test_cross_entropy_rejects_targets_that_are_not_distributions(labels, message):
    with pytest.raises(ValueError, match=message):
        nn.cross_entropy(np.zeros((3, 4)), labels)
    with pytest.raises(ValueError, match=message):
        nn.cross_entropy_backward(np.zeros((3, 4)), labels)


def test_cross_entropy_accepts_soft_targets_and_float32_rounding():
    import tensorflow as tf

    z = _rand(6, 10)
    eps = 0.1  # label smoothing: (1 - eps) t + eps / C, still a distribution
    t = (1 - eps) * np.eye(10)[[0, 3, 9, 1, 1, 7]] + eps / 10
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(t, zt))
    assert nn.cross_entropy(z, t) == pytest.approx(loss.numpy(), rel=1e-12)
    np.testing.assert_allclose(
        nn.cross_entropy_backward(z, t), tape.gradient(loss, zt).numpy(), atol=1e-14
    )
    # float32 soft targets whose rows sum to 1 only up to rounding are accepted
    t32 = np.full((4, 7), 1 / 7, np.float32)
    assert abs(t32.sum(axis=1, dtype=np.float64)[0] - 1) > 0
    assert np.isfinite(nn.cross_entropy(z[:4, :7].astype(np.float32), t32))


# --- models ---------------------------------------------------------------------------------
def test_article_cnn():
    from helpers import models

    m = models.article_cnn()
    assert m.count_params() == models.ARTICLE_CNN_PARAMS == 93322
    assert m.output_shape == (None, 10)
    assert [layer.name for layer in m.layers] == [
        "conv1", "pool1", "conv2", "pool2", "conv3", "flatten", "dense1", "dense2"
    ]
    assert models.article_cnn((18, 18, 3), 5).output_shape == (None, 5)
    with pytest.raises(ValueError, match="too small"):
        models.article_cnn((17, 28, 1))
    with pytest.raises(ValueError, match="must be \\(H, W, C\\)"):
        models.article_cnn((28, 28))
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        models.article_cnn(num_classes=0)


def test_numpy_forward_of_article_cnn_matches_keras():
    import tensorflow as tf

    from helpers import models

    tf.keras.utils.set_random_seed(1)
    m = models.article_cnn()
    x = RNG.random((3, 28, 28, 1)).astype(np.float32)
    y = models.article_cnn_numpy(m, x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, m.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="must have the layers"):
        models.article_cnn_numpy(tf.keras.Sequential(), x)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        models.article_cnn_numpy(m, x[0])
