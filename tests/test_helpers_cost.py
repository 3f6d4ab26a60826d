"""Unit tests of helpers.cost against hand counts, bad input included."""

from __future__ import annotations

import os

import pytest

from helpers import cost


def test_layer_costs_of_the_article_models():
    from helpers import models

    cnn = {r.name: r for r in cost.layer_costs(models.article_cnn())}
    assert cnn["conv1"].macs == 26 * 26 * 9 * 1 * 32
    assert cnn["conv2"].macs == 11 * 11 * 9 * 32 * 64
    assert cnn["conv3"].macs == 3 * 3 * 9 * 64 * 64
    assert cnn["dense1"].macs == 576 * 64 and cnn["pool1"].macs == 0
    assert cnn["dense2"].macs == 64 * 10
    assert sum(r.params for r in cnn.values()) == models.ARTICLE_CNN_PARAMS
    lstm = cost.layer_costs(models.article_lstm())
    assert lstm[0].macs == 28 * 4 * 64 * (28 + 64) and lstm[1].macs == 28 * 4 * 64 * 128
    ae = cost.layer_costs(models.article_autoencoder()[2])
    assert sum(r.params for r in ae) == models.ARTICLE_AE_PARAMS
    assert [r.name for r in ae][:2] == ["enc1", "code"]  # nested models are walked into


@pytest.mark.parametrize(
    "make, macs",
    [  # hand counts: output positions x kernel size x C_in x C_out (/ groups)
        (lambda L: L.Conv2D(6, 3, strides=2, padding="same"), 5 * 5 * 9 * 4 * 6),
        (lambda L: L.Conv2D(2, 3, dilation_rate=2, use_bias=False), 6 * 6 * 9 * 4 * 2),
        (lambda L: L.Conv2D(4, (3, 5), strides=(1, 2), groups=2), 8 * 3 * 15 * 4 * 4 // 2),
    ],
)
def test_layer_costs_of_strided_dilated_and_grouped_convolutions(make, macs):
    import keras

    model = keras.Sequential([keras.Input((10, 10, 4)), make(keras.layers)])
    row = cost.layer_costs(model)[-1]
    assert row.macs == macs
    assert row.params == model.count_params()


def test_layer_costs_of_a_dense_layer_on_sequences():
    import keras

    model = keras.Sequential([keras.Input((3, 5)), keras.layers.Dense(7)])
    assert cost.layer_costs(model)[-1].macs == 3 * 5 * 7


def test_layer_costs_rejects_what_it_cannot_count():
    import keras

    with pytest.raises(ValueError, match="built Keras model"):
        cost.layer_costs("not a model")
    odd = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.DepthwiseConv2D(3)])
    with pytest.raises(ValueError, match="no cost formula for DepthwiseConv2D"):
        cost.layer_costs(odd)
    gap = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.GlobalAveragePooling2D()])
    with pytest.raises(ValueError, match="no cost formula"):
        cost.layer_costs(gap)
    shared = keras.layers.Dense(4)
    inputs = keras.Input((4,))
    twice = keras.Model(inputs, shared(shared(inputs)))
    with pytest.raises(ValueError, match="called more than once"):
        cost.layer_costs(twice)
    free = keras.Sequential([keras.Input((None, 3)), keras.layers.LSTM(2)])
    with pytest.raises(ValueError, match="not fully known"):
        cost.layer_costs(free)


def test_profiler_flops_is_two_macs_plus_bias_plus_pooling():
    import keras

    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    assert cost.profiler_flops(model, (5,)) == 2 * 5 * 3 + 3
    conv = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3),
                             keras.layers.MaxPooling2D(2)])
    # 4x4x3 outputs of 9*2 MACs, one bias add each, then 2x2x3 windows of 4 values
    assert cost.profiler_flops(conv, (6, 6, 2)) == 2 * 16 * 3 * 18 + 16 * 3 + 4 * 3 * 4
    with pytest.raises(ValueError, match="input_shape"):
        cost.profiler_flops(model, 5)
    with pytest.raises(ValueError, match="positive integer"):
        cost.profiler_flops(model, (0,))


@pytest.mark.parametrize("kwargs", [{"groups": 2}, {"dilation_rate": 2}])
def test_profiler_flops_refuses_convolutions_it_miscounts(kwargs):
    import keras

    model = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.Conv2D(4, 3, **kwargs)])
    with pytest.raises(ValueError, match="grouped or dilated"):
        cost.profiler_flops(model, (8, 8, 4))
    odd = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.DepthwiseConv2D(3)])
    with pytest.raises(ValueError, match="cannot count DepthwiseConv2D"):
        cost.profiler_flops(odd, (8, 8, 4))


def test_profiler_flops_counts_every_step_of_an_unrolled_lstm_and_refuses_a_loop():
    import keras

    def lstm(unroll):
        return keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(4, unroll=unroll)])

    # T = 3 steps of 4U(D + U) MACs, and 12U element-wise FLOPs per step (the notebook's
    # convention: two gate additions, 8U, and the cell update, 4U)
    assert cost.profiler_flops(lstm(True), (3, 2)) == 3 * (2 * 4 * 4 * (2 + 4) + 12 * 4)
    with pytest.raises(ValueError, match="unroll=True"):
        cost.profiler_flops(lstm(False), (3, 2))


def test_silenced_stderr_restores_the_descriptor(capfd):
    with cost.silenced_stderr():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"
