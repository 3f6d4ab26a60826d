"""Unit tests of helpers.attribution against closed forms and independent references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers import attribution

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def linear_scores():
    """s(x) = W . x + b: every gradient method has a closed form."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 5, 1))
    flat = keras.layers.Flatten()(inputs)
    out = keras.layers.Dense(3, name="dense2")(flat)
    model = keras.Model(inputs, out)
    w = RNG.normal(size=(20, 3)).astype(np.float32)
    model.get_layer("dense2").set_weights([w, RNG.normal(size=3).astype(np.float32)])
    return model, w


def test_gradient_methods_on_a_linear_model(linear_scores):
    model, w = linear_scores
    x = RNG.normal(size=(2, 4, 5, 1)).astype(np.float32)
    t = np.array([0, 2])
    grad = np.stack([w[:, c].reshape(4, 5, 1) for c in t])
    np.testing.assert_allclose(attribution.gradient(model, x, t), grad, rtol=1e-6)
    np.testing.assert_allclose(attribution.saliency(model, x, t), np.abs(grad), rtol=1e-6)
    np.testing.assert_allclose(attribution.gradient_times_input(model, x, t), x * grad,
                               rtol=1e-6)
    ig = attribution.integrated_gradients(model, x, t, steps=3)
    np.testing.assert_allclose(ig, x * grad, rtol=1e-5, atol=1e-6)  # exact for linear s
    grey = attribution.integrated_gradients(model, x, t, baseline=0.5, steps=2, chunk=3)
    assert grey.dtype == np.float32
    np.testing.assert_allclose(grey, (x - 0.5) * grad, rtol=1e-5, atol=1e-6)


def test_integrated_gradients_completeness_on_a_nonlinear_model():
    """Sum of IG = s(x) - s(b) on a model with tanh, average pooling and random biases."""
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(3, 3, strides=2, padding="same", activation="elu",
                            bias_initializer="random_normal")(inputs)
    h = keras.layers.AveragePooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    out = keras.layers.Dense(4, activation="tanh", bias_initializer="random_normal")(h)
    model = keras.Model(inputs, out)
    x = RNG.normal(size=(3, 8, 8, 1)).astype(np.float32)
    t = np.array([1, 3, 0])
    base = RNG.normal(size=(8, 8, 1)).astype(np.float32)
    ig = attribution.integrated_gradients(model, x, t, baseline=base, steps=256)
    rows = np.arange(3)
    gap = (np.asarray(model(x))[rows, t]
           - np.asarray(model(np.broadcast_to(base, x.shape)))[rows, t])
    np.testing.assert_allclose(ig.reshape(3, -1).sum(1), gap, atol=2e-3)


def test_grad_cam_against_its_definition():
    """conv -> GAP -> dense: d s_c / d A^k = W_kc / (h w), so CAM = ReLU(sum_k W_kc A^k)/(h w)."""
    import keras

    keras.utils.set_random_seed(1)
    inputs = keras.Input((6, 7, 2))
    feats = keras.layers.Conv2D(5, 3, padding="same", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(feats)
    out = keras.layers.Dense(3, name="dense2")(pooled)
    model = keras.Model(inputs, out)
    x = RNG.normal(size=(2, 6, 7, 2)).astype(np.float32)
    t = np.array([2, 0])
    a = np.asarray(keras.Model(inputs, feats)(x))  # N x 6 x 7 x 5
    w = model.get_layer("dense2").get_weights()[0]  # 5 x 3
    expected = np.maximum(np.einsum("nhwk,kn->nhw", a, w[:, t]) / (6 * 7), 0)
    cam = attribution.grad_cam(model, x, t, layer="conv")
    np.testing.assert_allclose(cam, expected, rtol=1e-5, atol=1e-6)
    assert 0 < (expected > 0).mean() < 1  # the ReLU matters in this case
    with pytest.raises(ValueError, match="N x h x w x channels"):
        attribution.grad_cam(model, x, t, layer=model.layers[2].name)


def test_occlusion_against_a_loop(linear_scores):
    model, w = linear_scores
    x = RNG.normal(size=(2, 4, 5, 1)).astype(np.float32)
    t = np.array([1, 2])
    occ = attribution.occlusion(model, x, t, patch=2, stride=1, fill=0.3)
    ref = np.zeros((2, 4, 5))
    count = np.zeros((4, 5))
    for i in range(3):
        for j in range(4):
            for n in range(2):
                wc = w[:, t[n]].reshape(4, 5)
                ref[n, i:i + 2, j:j + 2] += np.sum(wc[i:i + 2, j:j + 2]
                                                   * (x[n, i:i + 2, j:j + 2, 0] - 0.3))
            count[i:i + 2, j:j + 2] += 1
    np.testing.assert_allclose(occ, ref / count, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "x, t, message",
    [
        (np.zeros((2, 4, 5)), [0, 1], "x must have 4 dimensions"),
        (np.zeros((0, 4, 5, 1)), np.zeros(0, int), "at least one image"),
        (np.zeros((2, 4, 5, 1), int), [0, 1], "numeric dtype of kind 'f'"),
        (np.zeros((2, 4, 5, 1)), [0], "one class per image"),
        (np.zeros((2, 4, 5, 1)), [0.5, 1.5], "target must have a numeric dtype"),
        (np.zeros((2, 4, 5, 1)), [0, 3], "out of range"),
        (np.zeros((2, 4, 5, 1)), [0, -1], ">= 0"),
    ],
)
def test_attributions_reject_bad_input(linear_scores, x, t, message):
    model, _ = linear_scores
    with pytest.raises(ValueError, match=message):
        attribution.saliency(model, x, np.asarray(t))


def test_attribution_options_are_checked(linear_scores):
    import keras

    model, _ = linear_scores
    x, t = np.zeros((1, 4, 5, 1), np.float32), np.array([0])
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        attribution.integrated_gradients(model, x, t, steps=0)
    with pytest.raises(ValueError, match="baseline must be a number or have shape"):
        attribution.integrated_gradients(model, x, t, baseline=np.zeros((3, 3, 1)))
    with pytest.raises(ValueError, match="larger than the image"):
        attribution.occlusion(model, x, t, patch=5)
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        attribution.grad_cam(model, x, t, layer="conv9")
    with pytest.raises(ValueError, match="no layer 'nope'"):
        attribution.logits_model(model, "nope")
    soft = keras.Model(model.inputs, keras.layers.Softmax()(model.output))
    with pytest.raises(ValueError, match="ends in a softmax"):
        attribution.grad_cam(soft, x, t, layer="dense2")


def test_reinitialise_keeps_the_initialiser_configuration():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((50,)),
        keras.layers.Dense(400, name="small",
                           kernel_initializer=keras.initializers.RandomNormal(stddev=0.001)),
        keras.layers.Dense(300, name="wide", kernel_initializer=keras.initializers
                           .VarianceScaling(scale=10.0, mode="fan_out",
                                            distribution="uniform")),
        keras.layers.Dense(20, name="zero", kernel_initializer="zeros",
                           bias_initializer="ones"),
    ])
    before = model.get_layer("small").get_weights()[0].copy()
    for layer in model.layers:
        layer.kernel.assign(layer.kernel * 0 + 7.0)
    attribution.reinitialise(model, ["small", "wide", "zero"], seed=5)
    small = model.get_layer("small").get_weights()[0]
    assert small.std() == pytest.approx(0.001, rel=0.05)
    assert not np.array_equal(small, before)
    limit = np.sqrt(3 * 10.0 / 300)  # VarianceScaling uniform: sqrt(3 scale / fan)
    wide = model.get_layer("wide").get_weights()[0]
    assert wide.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    zero_k, zero_b = model.get_layer("zero").get_weights()
    assert np.all(zero_k == 0) and np.all(zero_b == 1)


def test_reinitialise_changes_only_the_named_layer():
    from helpers import models

    model = models.article_cnn(softmax_layer=True)
    before = {n: model.get_layer(n).get_weights()[0].copy() for n in ("conv1", "dense2")}
    attribution.reinitialise(model, ["dense2"], seed=5)
    assert np.array_equal(model.get_layer("conv1").get_weights()[0], before["conv1"])
    assert not np.array_equal(model.get_layer("dense2").get_weights()[0], before["dense2"])
    with pytest.raises(ValueError, match="no kernel"):
        attribution.reinitialise(model, ["pool1"])
    with pytest.raises(ValueError, match="no layer 'x'"):
        attribution.reinitialise(model, ["x"])


def _mean_pixel(batch: np.ndarray) -> np.ndarray:
    """A "classifier" whose class-0 probability is the mean pixel value."""
    m = batch.reshape(len(batch), -1).mean(1)
    return np.stack([m, 1 - m], axis=1)


def test_deletion_and_insertion_curves_by_hand():
    x = np.array([[[0.2, 0.9], [0.4, 0.1]]], np.float32)[..., None]
    attr = np.array([[[1.0, 4.0], [3.0, 2.0]]])  # order: 0.9, 0.4, 0.1, 0.2
    deletion = attribution.deletion_curves(_mean_pixel, x, np.array([0]), attr, steps=4)
    np.testing.assert_allclose(deletion, [[0.4, 0.175, 0.075, 0.05, 0.0]], rtol=1e-6)
    insertion = attribution.insertion_curves(_mean_pixel, x, np.array([0]), attr,
                                             steps=4, fill=0.0)
    np.testing.assert_allclose(insertion, [[0.0, 0.225, 0.325, 0.35, 0.4]], rtol=1e-6)
    assert attribution.curve_auc(deletion) == pytest.approx(
        (0.2 + 0.175 + 0.075 + 0.05 + 0.0) / 4)


def test_curve_errors():
    x = np.ones((1, 2, 2, 1), np.float32)
    attr = np.zeros((1, 2, 2))
    with pytest.raises(ValueError, match=r"attributions must have shape \(1, 2, 2\)"):
        attribution.deletion_curves(_mean_pixel, x, np.array([0]), np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        attribution.insertion_curves(_mean_pixel, x, np.array([0]), attr, steps=0)
    with pytest.raises(ValueError, match="out of range"):
        attribution.deletion_curves(_mean_pixel, x, np.array([2]), attr)
    with pytest.raises(ValueError, match="at least 2 points"):
        attribution.curve_auc(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="curves must have 2 dimensions"):
        attribution.curve_auc(np.zeros(3))


def test_rank_correlation_against_scipy():
    a = RNG.normal(size=(4, 6, 5))
    b = a + RNG.normal(size=a.shape)
    b[0, 0, :3] = b[0, 0, 3]  # ties
    mask = RNG.random(a.shape) > 0.4
    got = attribution.rank_correlation(a, b, mask)
    ref = [stats.spearmanr(p[m], q[m])[0] for p, q, m in zip(a, b, mask, strict=True)]
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    np.testing.assert_allclose(attribution.rank_correlation(a, b),
                               [stats.spearmanr(p.ravel(), q.ravel())[0]
                                for p, q in zip(a, b, strict=True)], rtol=1e-10)
    flat = attribution.rank_correlation(a, np.zeros_like(a))
    assert np.all(np.isnan(flat))
    with pytest.raises(ValueError, match="same shape"):
        attribution.rank_correlation(a, a[:2])
    with pytest.raises(ValueError, match="mask must be boolean"):
        attribution.rank_correlation(a, b, mask.astype(int))


def test_map_similarity_compares_signed_with_signed_and_abs_with_abs():
    a = RNG.normal(size=(4, 6, 5))
    b = a + RNG.normal(size=a.shape)
    mask = RNG.random(a.shape) > 0.3
    signed = attribution.map_similarity(a, b, signed=True, mask=mask)
    ref = [stats.spearmanr(p[m], q[m])[0] for p, q, m in zip(a, b, mask, strict=True)]
    np.testing.assert_allclose(signed, ref, rtol=1e-10)
    unsigned = attribution.map_similarity(a, b, signed=False)
    ref = [stats.spearmanr(np.abs(p).ravel(), np.abs(q).ravel())[0]
           for p, q in zip(a, b, strict=True)]
    np.testing.assert_allclose(unsigned, ref, rtol=1e-10)
    assert not np.allclose(signed, attribution.map_similarity(a, b, signed=False,
                                                              mask=mask))
    # a saliency map (|gradient|) or a Grad-CAM map has no sign: refuse, either side
    for x, y in [(np.abs(a), b), (a, np.abs(b))]:
        with pytest.raises(ValueError, match="unsigned map"):
            attribution.map_similarity(x, y, signed=True)
    with pytest.raises(ValueError, match="signed must be"):
        attribution.map_similarity(a, b, signed=1)


def test_constant_maps_are_the_ones_without_a_correlation():
    maps = RNG.normal(size=(5, 4, 4))
    maps[1] = 0.0  # an all-zero Grad-CAM map
    maps[3, :2] = 2.5  # constant on the mask only
    mask = np.zeros(maps.shape, bool)
    mask[:, :2] = True
    np.testing.assert_array_equal(attribution.constant_maps(maps),
                                  [False, True, False, False, False])
    np.testing.assert_array_equal(attribution.constant_maps(maps, mask),
                                  [False, True, False, True, False])
    r = attribution.rank_correlation(maps, RNG.normal(size=maps.shape), mask)
    np.testing.assert_array_equal(np.isnan(r), attribution.constant_maps(maps, mask))
    with pytest.raises(ValueError, match="mask must be boolean"):
        attribution.constant_maps(maps, mask[0])
    with pytest.raises(ValueError, match="N x"):
        attribution.constant_maps(np.zeros(3))


def test_same_order_finds_two_controls_that_are_one():
    """On a ReLU network without biases, IG from a black image is exactly
    (1 - 1/(2m)) x gradient x input (the gradient is constant along the path, 0 at the
    black image): the two maps rank the pixels identically."""
    import keras

    keras.utils.set_random_seed(3)
    net = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                            keras.layers.Dense(8, "relu", use_bias=False),
                            keras.layers.Dense(3, use_bias=False)])
    x = RNG.random((6, 4, 4, 1)).astype(np.float32)
    t = np.array([0, 1, 2, 0, 1, 2])
    gxi = attribution.gradient_times_input(net, x, t)[..., 0]
    ig = attribution.integrated_gradients(net, x, t, steps=16)[..., 0]
    np.testing.assert_allclose(ig, (1 - 1 / 32) * gxi, rtol=1e-5, atol=1e-7)
    assert attribution.same_order(ig, gxi).all()
    other = gxi + RNG.normal(scale=0.1, size=gxi.shape)  # a distinct control
    assert not attribution.same_order(other, gxi).any()
    assert not attribution.same_order(-gxi, gxi).any()
    with pytest.raises(ValueError, match="same shape"):
        attribution.same_order(gxi, gxi[:2])


def test_article_cnn_with_a_softmax_layer_computes_the_same_function():
    from helpers import models

    plain = models.article_cnn()
    split = models.article_cnn(softmax_layer=True)
    split.set_weights(plain.get_weights())
    x = RNG.random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(split(x), plain(x), rtol=1e-5, atol=1e-7)
    logits = np.asarray(attribution.logits_model(split)(x))
    soft = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(soft, plain(x), rtol=1e-5, atol=1e-7)
    assert [lay.name for lay in split.layers][-2:] == ["dense2", "softmax"]
