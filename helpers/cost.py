"""The cost of a network: parameters and multiply-accumulates (MACs) by formula, and the
floating-point operations TensorFlow's profiler registers.

- :func:`layer_costs` -- parameters and MACs per layer, by formula;
- :func:`profiler_flops` -- FLOPs of one forward pass as TensorFlow's profiler counts them,
  for the layer types whose count it gets right;
- :func:`silenced_stderr` -- hide the log lines TensorFlow Lite's converter writes.

TensorFlow/Keras is imported inside the functions, so ``import helpers.cost`` is cheap.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpers.validate import check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import keras


@dataclass(frozen=True)
class LayerCost:
    """One layer's cost: its name, type, output shape (no batch axis), parameters, MACs."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


#: Layers without multiply-accumulates: max pooling compares, average pooling adds, the
#: others copy or apply an element-wise function (counted as 0 MACs).
_FREE = {"InputLayer", "MaxPooling2D", "AveragePooling2D", "Flatten", "Reshape", "Dropout",
         "Activation", "ReLU", "Softmax", "Rescaling"}


def _shape(tensor: object, layer: object) -> tuple[int, ...]:
    dims = tuple(tensor.shape)[1:]
    if any(d is None for d in dims):
        raise ValueError(f"layer {layer.name}: shape {tuple(tensor.shape)} is not fully known")
    return tuple(int(d) for d in dims)


def _flat_layers(model: keras.Model) -> list:
    out = []
    for layer in model.layers:
        out.extend(_flat_layers(layer) if hasattr(layer, "layers") else [layer])
    return out


def layer_costs(model: keras.Model) -> list[LayerCost]:
    """Parameters and multiply-accumulates per sample of every layer of ``model``.

    The formulas (derived in *the cost of compute*), with ``H' x W'`` the output size:
    ``Conv2D``: ``H' W' k_h k_w C_in C_out / groups`` (stride, padding and dilation enter
    through ``H' W'``); ``Dense`` on ``(..., D)`` inputs: ``(positions) D U``; ``LSTM`` over
    ``T`` steps: ``T 4 U (D + U)``. Pooling, flattening and activations count 0 MACs.
    Nested models are walked into.

    Raises ``ValueError`` if ``model`` is not a built Keras model, holds a layer type
    without a formula here (e.g. ``DepthwiseConv2D``, ``GlobalAveragePooling2D``), a layer
    called more than once (a shared layer), or a layer whose shapes are not fully known
    (an LSTM over a variable number of steps).
    """
    if not hasattr(model, "layers") or not getattr(model, "built", False):
        raise ValueError(f"model must be a built Keras model, got {type(model).__name__}")
    rows = []
    for layer in _flat_layers(model):
        kind = type(layer).__name__
        if len(getattr(layer, "_inbound_nodes", [])) > 1:
            raise ValueError(f"layer {layer.name} is called more than once; count each call")
        params = int(layer.count_params())
        if kind in _FREE:
            if params:
                raise ValueError(f"layer {layer.name} ({kind}) unexpectedly has weights")
            macs = 0
        elif kind == "Conv2D":
            kh, kw = layer.kernel_size
            c_in = _shape(layer.input, layer)[-1]
            h, w, c_out = _shape(layer.output, layer)
            macs = h * w * kh * kw * c_in * c_out // layer.groups
        elif kind == "Dense":
            shape = _shape(layer.input, layer)
            macs = math.prod(shape[:-1]) * shape[-1] * layer.units
        elif kind == "LSTM":
            t, d = _shape(layer.input, layer)
            macs = t * 4 * layer.units * (d + layer.units)
        else:
            raise ValueError(f"layer {layer.name}: no cost formula for {kind}")
        rows.append(LayerCost(layer.name, kind, _shape(layer.output, layer), params,
                              int(macs)))
    return rows


#: Layer types whose FLOPs the profiler registers as documented in :func:`profiler_flops`.
_PROFILED = {"InputLayer", "Conv2D", "Dense", "MaxPooling2D", "AveragePooling2D",
             "Flatten", "Reshape", "Dropout", "Activation", "ReLU", "Softmax", "LSTM"}


def profiler_flops(model: keras.Model, input_shape: Sequence[int]) -> int:
    """Floating-point operations TensorFlow's profiler counts for one sample's forward pass.

    The model is traced for a batch of one, its variables frozen to constants, and
    ``tf.compat.v1.profiler`` sums the FLOPs TensorFlow registers per op: 2 per MAC for
    plain convolutions and matrix products, 1 per bias addition, the window size per pooled
    value, 5 per softmax output. Element-wise activations (ReLU, sigmoid, tanh) count 0.
    A recurrent layer must be unrolled (``unroll=True``): the profiler sees the body of a
    loop once, not once per step, so a non-unrolled LSTM would be undercounted silently.

    Raises ``ValueError`` unless ``input_shape`` is a sequence of positive ints, for a layer
    the profiler miscounts or skips (a dilated convolution is counted as the larger
    space-to-batch convolution, a grouped one as 0, a non-unrolled LSTM as one step; any
    type outside plain Conv2D, Dense, pooling, unrolled LSTM and shape/activation layers),
    and if the profiler finds no FLOPs at all.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        raise ValueError(f"input_shape must be a tuple of positive ints, got {input_shape!r}")
    shape = tuple(check_positive_int(v, "input_shape entry") for v in input_shape)
    if not hasattr(model, "layers"):
        raise ValueError(f"model must be a Keras model, got {type(model).__name__}")
    for layer in _flat_layers(model):
        kind = type(layer).__name__
        if kind not in _PROFILED:
            raise ValueError(f"layer {layer.name}: the profiler cannot count {kind}")
        if kind == "Conv2D" and (layer.groups != 1 or any(d != 1 for d in layer.dilation_rate)):
            raise ValueError(f"layer {layer.name}: the profiler miscounts grouped or dilated "
                             "convolutions (0 or the padded space-to-batch convolution)")
        if kind == "LSTM" and not layer.unroll:
            raise ValueError(f"layer {layer.name}: the profiler counts a loop's body once; "
                             "build the LSTM with unroll=True to count every step")
    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec((1, *shape), tf.float32))
    graph = convert_variables_to_constants_v2(concrete).graph
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    flops = int(tf.compat.v1.profiler.profile(graph=graph, cmd="op", options=options)
                .total_float_ops)
    if flops <= 0:
        raise ValueError("the profiler registered no FLOPs for this model")
    return flops


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """Send file descriptor 2 (C++ libraries' log lines) to the null device meanwhile.

    TensorFlow Lite's converter and interpreter write status lines such as
    ``fully_quantize: 0, ...`` straight to the process's stderr, past Python's logging;
    a notebook would store them. Python's own ``sys.stderr`` is flushed first and the
    original descriptor is always restored.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
