"""Tests of Chapter 1's CNN helpers in helpers.models: practitioner_cnn, its parameter
count, fit_checkpoints, checkpoint_accuracy and first_crossing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import models, repro


@pytest.fixture(scope="module", autouse=True)
def _setup() -> None:
    try:
        repro.setup(seed=0, threads=1)
    except RuntimeError:
        # Another test file run earlier in this process (pytest-xdist runs several per
        # worker) already started TensorFlow with its own thread count: keep that, seed.
        import tensorflow as tf

        repro.setup(seed=0, tensorflow=False)
        tf.keras.utils.set_random_seed(0)
        tf.config.experimental.enable_op_determinism()


def _count_by_hand(f1: int, f2: int, hidden: int, h: int, w: int, c: int, k: int) -> int:
    """An independent count: sizes traced step by step, weights and biases separately."""
    total = 0
    for cin, cout in [(c, f1), (f1, f2)]:
        total += 3 * 3 * cin * cout  # kernel
        total += cout  # bias
    for _ in range(2):
        h, w = h - 2, w - 2  # valid 3x3
        h, w = h // 2, w // 2  # 2x2 pool
    flat = h * w * f2
    total += flat * hidden + hidden + hidden * k + k
    return total


@pytest.mark.parametrize("cfg", [((16, 32), 64, (28, 28, 1), 10),
                                 ((5, 7), 11, (23, 19, 3), 4),
                                 ((8, 3), 5, (10, 13, 2), 3)])
def test_practitioner_cnn_params_match_keras_and_hand(cfg: tuple) -> None:
    filters, hidden, shape, k = cfg
    model = models.practitioner_cnn(filters, hidden, input_shape=shape, num_classes=k)
    expected = _count_by_hand(*filters, hidden, *shape, k)
    assert model.count_params() == expected
    assert models.practitioner_cnn_params(filters, hidden, shape, k) == expected


def test_practitioner_cnn_layers_dropout_and_schedule() -> None:
    import keras

    model = models.practitioner_cnn((4, 6), 9, dropout=0.3, learning_rate=2e-3,
                                    decay_steps=10)
    assert [layer.name for layer in model.layers] == [
        "conv1", "pool1", "conv2", "pool2", "flatten", "hidden", "dropout", "output"]
    assert model.get_layer("dropout").rate == pytest.approx(0.3)
    rate = model.optimizer.learning_rate  # the schedule's value at step 0
    assert float(rate) == pytest.approx(2e-3)
    sched = model.optimizer._learning_rate
    assert isinstance(sched, keras.optimizers.schedules.CosineDecay)
    assert float(sched(5)) == pytest.approx(1e-3, rel=1e-5)  # half-way: half
    assert float(sched(10)) == pytest.approx(0.0, abs=1e-9)
    const = models.practitioner_cnn((4, 6), 9, learning_rate=5e-4)
    assert float(const.optimizer.learning_rate) == pytest.approx(5e-4)


@pytest.mark.parametrize("kwargs", [dict(filters=(16,)), dict(filters=(0, 4)),
                                    dict(hidden=0), dict(dropout=1.0),
                                    dict(dropout=-0.1), dict(learning_rate=0.0),
                                    dict(decay_steps=0), dict(input_shape=(9, 28, 1)),
                                    dict(input_shape=(28, 28))])
def test_practitioner_cnn_rejects_bad_input(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        models.practitioner_cnn(**kwargs)


def _data(n: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 10, 11, 1)).astype(np.float32)
    y = (x[:, :5].mean(axis=(1, 2, 3)) > x[:, 5:].mean(axis=(1, 2, 3))).astype(int)
    return x, y


def test_fit_checkpoints_positions_times_and_weights() -> None:
    x, y = _data(50)  # batches of 16: 4 steps per epoch, 12 steps in all
    model = models.practitioner_cnn((3, 4), 5, input_shape=(10, 11, 1), num_classes=2,
                                    learning_rate=0.05)
    w0 = [w.copy() for w in model.get_weights()]
    before = time.process_time()
    times, snaps = models.fit_checkpoints(model, x, y, epochs=3, batch_size=16, every=5)
    spent = time.process_time() - before
    assert len(times) == len(snaps) == 3  # after steps 5, 10 and 12
    assert np.all(np.diff(times) > 0) and times[0] > 0
    assert times[-1] <= spent  # CPU time of this training, not since start-up
    final = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(snaps[-1], final, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(snaps[0], snaps[1], strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(snaps[0], w0, strict=True))
    times, snaps = models.fit_checkpoints(model, x, y, epochs=1, batch_size=16, every=4)
    assert len(times) == 1  # step 4 is also the last: counted once


def test_checkpoint_accuracy_against_predict() -> None:
    x, y = _data(40, seed=2)
    model = models.practitioner_cnn((3, 4), 5, input_shape=(10, 11, 1), num_classes=2,
                                    learning_rate=0.05)
    _, snaps = models.fit_checkpoints(model, x, y, epochs=2, batch_size=8, every=3)
    expected = []
    for weights in snaps:
        model.set_weights(weights)
        prob = model(x, training=False).numpy()
        expected.append(np.mean(np.argmax(prob, axis=1) == y))
    model.set_weights(snaps[0])
    accs = models.checkpoint_accuracy(model, snaps, x, y)
    np.testing.assert_allclose(accs, expected)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snaps[-1], strict=True))


def test_fit_and_accuracy_reject_bad_input() -> None:
    x, y = _data(10)
    model = models.practitioner_cnn((3, 4), 5, input_shape=(10, 11, 1), num_classes=2)
    for kwargs in [dict(epochs=0, batch_size=4, every=1),
                   dict(epochs=1, batch_size=0, every=1),
                   dict(epochs=1, batch_size=4, every=0)]:
        with pytest.raises(ValueError):
            models.fit_checkpoints(model, x, y, **kwargs)
    with pytest.raises(ValueError):
        models.fit_checkpoints(model, x[..., 0], y, 1, 4, 1)
    with pytest.raises(ValueError):
        models.fit_checkpoints(model, x, y[:-1], 1, 4, 1)
    with pytest.raises(ValueError):
        models.checkpoint_accuracy(model, [], x, y)
    with pytest.raises(ValueError):
        models.checkpoint_accuracy(model, [model.get_weights()], x, y[:3])


def test_first_crossing() -> None:
    t = [0.5, 1.0, 2.5, 4.0, 7.0]
    a = [0.2, 0.7, 0.69, 0.9, 0.95]
    assert models.first_crossing(t, a, 0.69) == (1.0, True)
    assert models.first_crossing(t, a, 0.7) == (4.0, True)  # strictly above
    assert models.first_crossing(t, a, 0.1) == (0.5, True)
    assert models.first_crossing(t, a, 0.96) == (7.0, False)
    for bad in [([], []), ([1.0, 2.0], [0.5]), ([2.0, 1.0], [0.1, 0.2]),
                ([1.0, np.nan], [0.1, 0.2])]:
        with pytest.raises(ValueError):
            models.first_crossing(*bad, 0.5)


def test_restart_trains_like_a_fresh_model() -> None:
    import keras

    x, y = _data(48, seed=3)

    def build(seed: int) -> keras.Model:
        keras.utils.set_random_seed(seed)
        return models.practitioner_cnn((3, 4), 5, dropout=0.0, input_shape=(10, 11, 1),
                                       num_classes=2, learning_rate=0.05, decay_steps=6)

    fresh = build(7)
    start = [w.copy() for w in fresh.get_weights()]
    fresh.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    reused = build(8)  # other initial weights, trained: its Adam state is not zero
    reused.fit(x[::-1], 1 - y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert models.restart(reused, start) is reused
    assert int(reused.optimizer.iterations.numpy()) == 0
    reused.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(reused.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_restart_rejects_bad_input() -> None:
    import keras

    model = models.practitioner_cnn((3, 4), 5, input_shape=(10, 11, 1), num_classes=2)
    weights = model.get_weights()
    with pytest.raises(ValueError):
        models.restart(model, weights[:-1])
    with pytest.raises(ValueError):
        models.restart(model, [w.T if w.ndim == 2 else w for w in weights])
    constant = models.practitioner_cnn((3, 4), 5, input_shape=(10, 11, 1), num_classes=2)
    constant.fit(*_data(16), epochs=1, batch_size=8, verbose=0)
    if any(v is constant.optimizer._learning_rate for v in constant.optimizer.variables):
        with pytest.raises(ValueError):
            models.restart(constant, constant.get_weights())
    bare = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError):
        models.restart(bare, bare.get_weights())
