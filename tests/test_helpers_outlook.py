"""Unit tests of helpers.outlook (Chapter 5), bad input included."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from helpers import outlook

RNG = np.random.default_rng(0)


# --- costs ------------------------------------------------------------------------------
def test_layer_costs_of_the_article_models():
    from helpers import models

    cnn = {r.name: r for r in outlook.layer_costs(models.article_cnn())}
    assert cnn["conv1"].macs == 26 * 26 * 9 * 1 * 32
    assert cnn["conv2"].macs == 11 * 11 * 9 * 32 * 64
    assert cnn["dense1"].macs == 576 * 64 and cnn["pool1"].macs == 0
    assert sum(r.params for r in cnn.values()) == models.ARTICLE_CNN_PARAMS
    lstm = outlook.layer_costs(models.article_lstm())
    assert lstm[0].macs == 28 * 4 * 64 * (28 + 64) and lstm[1].macs == 28 * 4 * 64 * 128
    ae = outlook.layer_costs(models.article_autoencoder()[2])
    assert sum(r.params for r in ae) == models.ARTICLE_AE_PARAMS
    assert [r.name for r in ae][:2] == ["enc1", "code"]  # nested models are walked into


def test_layer_costs_rejects_unknown_layers_and_non_models():
    import keras

    with pytest.raises(ValueError, match="built Keras model"):
        outlook.layer_costs("not a model")
    odd = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.DepthwiseConv2D(3)])
    with pytest.raises(ValueError, match="no cost formula for DepthwiseConv2D"):
        outlook.layer_costs(odd)


def test_profiler_flops_matches_two_macs_plus_bias():
    import keras

    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    assert outlook.profiler_flops(model, (5,)) == 2 * 5 * 3 + 3
    with pytest.raises(ValueError, match="input_shape"):
        outlook.profiler_flops(model, 5)
    with pytest.raises(ValueError, match="positive integer"):
        outlook.profiler_flops(model, (0,))


# --- attributions -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def linear_scores():
    """s(x) = W . x (+0): every method has a closed form."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(inputs)
    out = keras.layers.Dense(3, use_bias=False, name="dense2")(flat)
    model = keras.Model(inputs, out)
    return model, model.get_layer("dense2").get_weights()[0]


def test_gradient_methods_on_a_linear_model(linear_scores):
    model, w = linear_scores
    x = RNG.random((2, 4, 4, 1)).astype(np.float32)
    t = np.array([0, 2])
    grad = np.stack([w[:, c].reshape(4, 4, 1) for c in t])
    np.testing.assert_allclose(outlook.saliency(model, x, t), np.abs(grad), rtol=1e-6)
    np.testing.assert_allclose(outlook.gradient_times_input(model, x, t), x * grad, rtol=1e-6)
    ig = outlook.integrated_gradients(model, x, t, steps=3)
    np.testing.assert_allclose(ig, x * grad, rtol=1e-5, atol=1e-7)  # exact for linear s


def test_integrated_gradients_completeness_on_the_cnn():
    import keras

    keras.utils.set_random_seed(0)
    scores = outlook.logits_model(outlook.article_cnn_functional())
    x = RNG.random((2, 28, 28, 1)).astype(np.float32)
    t = np.array([3, 7])
    ig = outlook.integrated_gradients(scores, x, t, steps=128)
    s = scores.predict(x, verbose=0)[[0, 1], t] - scores.predict(0 * x, verbose=0)[[0, 1], t]
    np.testing.assert_allclose(ig.reshape(2, -1).sum(1), s, rtol=0.02, atol=1e-4)


def test_occlusion_and_grad_cam_shapes(linear_scores):
    model, w = linear_scores
    x = np.ones((1, 4, 4, 1), np.float32)
    occ = outlook.occlusion(model, x, np.array([1]), patch=1, stride=1)
    np.testing.assert_allclose(occ[0], w[:, 1].reshape(4, 4), rtol=1e-5)
    import keras

    cnn = outlook.logits_model(outlook.article_cnn_functional())
    cam = outlook.grad_cam(cnn, RNG.random((2, 28, 28, 1)).astype("float32"),
                           np.array([0, 1]), layer="conv3")
    assert cam.shape == (2, 28, 28) and np.all(cam >= 0)
    assert isinstance(cnn, keras.Model)


@pytest.mark.parametrize(
    "x, t, message",
    [
        (np.zeros((2, 4, 4)), [0, 1], "x must have 4 dimensions"),
        (np.zeros((0, 4, 4, 1)), np.zeros(0, int), "at least one image"),
        (np.zeros((2, 4, 4, 1), int), [0, 1], "numeric dtype of kind 'f'"),
        (np.zeros((2, 4, 4, 1)), [0], "one class per image"),
        (np.zeros((2, 4, 4, 1)), [0.5, 1.5], "target must have a numeric dtype"),
    ],
)
def test_attributions_reject_bad_input(linear_scores, x, t, message):
    model, _ = linear_scores
    with pytest.raises(ValueError, match=message):
        outlook.saliency(model, x, np.asarray(t))


def test_attribution_options_are_checked(linear_scores):
    model, _ = linear_scores
    x, t = np.zeros((1, 4, 4, 1), np.float32), np.array([0])
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        outlook.integrated_gradients(model, x, t, steps=0)
    with pytest.raises(ValueError, match="baseline must have shape"):
        outlook.integrated_gradients(model, x, t, baseline=np.zeros((3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="larger than the image"):
        outlook.occlusion(model, x, t, patch=5)
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        outlook.grad_cam(model, x, t, layer="conv9")
    with pytest.raises(ValueError, match="no layer 'nope'"):
        outlook.logits_model(model, "nope")


def test_reinitialise_changes_only_the_named_layer():
    model = outlook.article_cnn_functional()
    before = {n: model.get_layer(n).get_weights()[0].copy() for n in ("conv1", "dense2")}
    outlook.reinitialise(model, ["dense2"], seed=5)
    assert np.array_equal(model.get_layer("conv1").get_weights()[0], before["conv1"])
    assert not np.array_equal(model.get_layer("dense2").get_weights()[0], before["dense2"])
    with pytest.raises(ValueError, match="no kernel"):
        outlook.reinitialise(model, ["pool1"])
    with pytest.raises(ValueError, match="no layer 'x'"):
        outlook.reinitialise(model, ["x"])


# --- evaluation ---------------------------------------------------------------------------
def test_deletion_curves_and_auc():
    x = np.ones((1, 2, 2, 1), np.float32)
    attr = np.array([[[4.0, 3.0], [2.0, 1.0]]])

    def mean_pixel(batch):  # "probability" of class 0 = mean pixel value
        m = batch.reshape(len(batch), -1).mean(1)
        return np.stack([m, 1 - m], axis=1)

    curve = outlook.deletion_curves(mean_pixel, x, np.array([0]), attr, steps=4)
    np.testing.assert_allclose(curve, [[1.0, 0.75, 0.5, 0.25, 0.0]])
    assert outlook.curve_auc(curve) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"attributions must have shape \(1, 2, 2\)"):
        outlook.deletion_curves(mean_pixel, x, np.array([0]), np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        outlook.deletion_curves(mean_pixel, x, np.array([0]), attr, steps=0)
    with pytest.raises(ValueError, match="at least 2 points"):
        outlook.curve_auc(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="curves must have 2 dimensions"):
        outlook.curve_auc(np.zeros(3))


def test_rank_correlation():
    a = RNG.random((3, 4, 4))
    np.testing.assert_allclose(outlook.rank_correlation(a, 2 * a + 1), 1.0)
    np.testing.assert_allclose(outlook.rank_correlation(a, -a), -1.0)
    flat = outlook.rank_correlation(a, np.zeros_like(a))
    assert np.all(np.isnan(flat))
    with pytest.raises(ValueError, match="same shape"):
        outlook.rank_correlation(a, a[:2])


# --- distributed training and worker processes -------------------------------------------
def test_distributed_train_rejects_bad_input():
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    x, y = np.zeros((10, 28, 28, 1), np.float32), np.zeros(10, int)
    with pytest.raises(ValueError, match="need 64 images"):
        outlook.distributed_train(strategy, x, y, steps=2, global_batch=32)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        outlook.distributed_train(strategy, x, y, steps=0, global_batch=32)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        outlook.distributed_train(strategy, x[..., 0], y, steps=1, global_batch=2)


def test_local_tf_config_uses_only_localhost():
    config = json.loads(outlook.local_tf_config([5000, 5001], 1))
    assert config == {"cluster": {"worker": ["127.0.0.1:5000", "127.0.0.1:5001"]},
                      "task": {"type": "worker", "index": 1}}
    for ports, index, message in [([5000, 5000], 0, "distinct"), ([70000], 0, "1..65535"),
                                  ([5000], 1, "index must be"), ([0], 0, "positive")]:
        with pytest.raises(ValueError, match=message):
            outlook.local_tf_config(ports, index)
    ports = outlook.free_local_ports(2)
    assert len(set(ports)) == 2


def test_worker_processes_run_and_are_always_stopped():
    ok = [sys.executable, "-c", "import os; print('hello', os.environ['X'])"]
    with outlook.worker_processes([ok], [{"X": "1"}]) as procs:
        assert outlook.wait_all(procs, timeout=60) == ["hello 1\n"]
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(KeyError):
        with outlook.worker_processes([sleeper, sleeper], [{}, {}]) as procs:
            raise KeyError("a failing cell")
    assert all(p.poll() is not None for p in procs)  # stopped by the context manager
    assert not outlook._RUNNING
    with pytest.raises(TimeoutError):
        with outlook.worker_processes([sleeper], [{}]) as procs:
            outlook.wait_all(procs, timeout=0.5)
    assert procs[0].poll() is not None
    bad = [sys.executable, "-c", "raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match="exited with 3"):
        with outlook.worker_processes([bad], [{}]) as procs:
            outlook.wait_all(procs)
    with pytest.raises(ValueError, match="one env per command"):
        with outlook.worker_processes([ok], []):
            pass
    with pytest.raises(ValueError, match="non-empty list of strings"):
        with outlook.worker_processes([[]], [{}]):
            pass


def test_silenced_stderr_restores_the_descriptor(capfd):
    import os

    with outlook.silenced_stderr():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"
