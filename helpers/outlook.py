"""Chapter 5 (*Outlook*): cost counting, attribution methods and their evaluation, and
distributed training with worker processes that are always stopped.

- :func:`layer_costs` -- parameters and multiply-accumulates (MACs) per layer, by formula;
- :func:`article_cnn_functional`, :func:`logits_model` -- the article's CNN as a functional
  model whose pre-softmax class scores can be read (for attributions);
- :func:`saliency`, :func:`gradient_times_input`, :func:`integrated_gradients`,
  :func:`grad_cam`, :func:`occlusion` -- attribution maps;
- :func:`reinitialise` -- the cascading weight randomisation of the sanity check;
- :func:`deletion_curves`, :func:`curve_auc`, :func:`rank_correlation` -- evaluating maps;
- :func:`distributed_train` -- one custom training loop for any ``tf.distribute`` strategy;
- :func:`free_local_ports`, :func:`local_tf_config`, :func:`worker_processes`,
  :func:`wait_all` -- start worker processes on 127.0.0.1 and always stop them.

TensorFlow/Keras is imported inside the functions, so ``import helpers.outlook`` is cheap.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from helpers.validate import as_array, check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import tensorflow as tf

# --- cost: parameters and MACs ---------------------------------------------------------


@dataclass(frozen=True)
class LayerCost:
    """One layer's cost: its name, type, output shape (no batch axis), parameters, MACs."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


_FREE = {"InputLayer", "MaxPooling2D", "AveragePooling2D", "Flatten", "Reshape", "Dropout",
         "Activation", "ReLU", "Softmax", "Rescaling"}


def _shape(tensor: object) -> tuple[int, ...]:
    return tuple(int(d) for d in tuple(tensor.shape)[1:])


def _flat_layers(model: keras.Model) -> list:
    out = []
    for layer in model.layers:
        out.extend(_flat_layers(layer) if hasattr(layer, "layers") else [layer])
    return out


def layer_costs(model: keras.Model) -> list[LayerCost]:
    """Parameters and multiply-accumulates per sample of every layer of ``model``.

    The formulas (derived in *the cost of compute*), with ``H' x W'`` the output size:
    ``Conv2D``: ``H' W' k_h k_w C_in C_out``; ``Dense`` on ``(..., D)`` inputs:
    ``(positions) D U``; ``LSTM`` over ``T`` steps: ``T 4 U (D + U)``. Pooling, flattening
    and activations count 0 MACs (they compare or copy). Nested models are walked into.

    Raises ``ValueError`` if ``model`` is not a built Keras model or holds a layer with
    weights whose cost this function does not know.
    """
    if not hasattr(model, "layers") or not getattr(model, "built", False):
        raise ValueError(f"model must be a built Keras model, got {type(model).__name__}")
    rows = []
    for layer in _flat_layers(model):
        kind = type(layer).__name__
        params = int(layer.count_params())
        if kind in _FREE:
            if params:
                raise ValueError(f"layer {layer.name} ({kind}) unexpectedly has weights")
            macs = 0
        elif kind == "Conv2D":
            kh, kw = layer.kernel_size
            c_in = _shape(layer.input)[-1]
            h, w, c_out = _shape(layer.output)
            macs = h * w * kh * kw * c_in * c_out // layer.groups
        elif kind == "Dense":
            shape = _shape(layer.input)
            macs = math.prod(shape[:-1]) * shape[-1] * layer.units
        elif kind == "LSTM":
            t, d = _shape(layer.input)
            macs = t * 4 * layer.units * (d + layer.units)
        else:
            raise ValueError(f"layer {layer.name}: no cost formula for {kind}")
        rows.append(LayerCost(layer.name, kind, _shape(layer.output), params, int(macs)))
    return rows


# --- the article's CNN as a functional model ------------------------------------------


def article_cnn_functional(num_classes: int = 10) -> keras.Model:
    """:func:`helpers.models.article_cnn` as a functional model from ``keras.Input``.

    Same layers and names (``conv1 ... dense2``), except that ``dense2`` is linear and a
    separate ``Activation("softmax", name="softmax")`` follows it: the function computed is
    identical, and :func:`logits_model` can read the class scores before the softmax.
    Raises ``ValueError`` unless ``num_classes`` is a positive int.
    """
    import keras

    num_classes = check_positive_int(num_classes, "num_classes")
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    h = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    h = layers.MaxPooling2D(2, name="pool1")(h)
    h = layers.Conv2D(64, 3, activation="relu", name="conv2")(h)
    h = layers.MaxPooling2D(2, name="pool2")(h)
    h = layers.Conv2D(64, 3, activation="relu", name="conv3")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dense(64, activation="relu", name="dense1")(h)
    h = layers.Dense(num_classes, name="dense2")(h)
    outputs = layers.Activation("softmax", name="softmax")(h)
    return keras.Model(inputs, outputs, name="article_cnn_functional")


def logits_model(model: keras.Model, layer: str = "dense2") -> keras.Model:
    """A model sharing ``model``'s weights that outputs layer ``layer`` (the logits).

    Raises ``ValueError`` if ``model`` has no layer of that name.
    """
    import keras

    names = [lay.name for lay in getattr(model, "layers", [])]
    if layer not in names:
        raise ValueError(f"model has no layer {layer!r}; its layers are {names}")
    return keras.Model(model.inputs, model.get_layer(layer).output)


# --- attributions -----------------------------------------------------------------------


def _images(x: object) -> np.ndarray:
    arr = as_array(x, "x", ndim=4, kinds="f")
    if len(arr) == 0:
        raise ValueError("x must hold at least one image, got 0")
    return arr.astype(np.float32)


def _targets(target: object, n: int) -> np.ndarray:
    t = as_array(target, "target", ndim=1, kinds="iu")
    if t.shape != (n,):
        raise ValueError(f"target must have one class per image ({n}), got shape {t.shape}")
    return t.astype(np.int64)


def _class_gradient(
    scores: keras.Model, x: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(score, d score / d x)`` of the target class for every image."""
    import tensorflow as tf

    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = scores(xt, training=False)
        picked = tf.gather(out, target, axis=1, batch_dims=1)
    return picked.numpy(), tape.gradient(picked, xt).numpy()


def saliency(scores: keras.Model, x: object, target: object) -> np.ndarray:
    """Vanilla gradient saliency: ``|d s_c / d x|`` (Simonyan et al. 2014), N x H x W x C.

    ``scores`` maps images to class scores (logits); ``target`` gives one class per image.
    Raises ``ValueError`` for ``x`` that is not a non-empty float N x H x W x C array or
    ``target`` that is not one integer class per image.
    """
    x = _images(x)
    return np.abs(_class_gradient(scores, x, _targets(target, len(x)))[1])


def gradient_times_input(scores: keras.Model, x: object, target: object) -> np.ndarray:
    """Gradient times input, ``x * d s_c / d x`` (signed), N x H x W x C. See :func:`saliency`."""
    x = _images(x)
    return x * _class_gradient(scores, x, _targets(target, len(x)))[1]


def integrated_gradients(
    scores: keras.Model,
    x: object,
    target: object,
    baseline: object | None = None,
    steps: int = 64,
) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017), N x H x W x C.

    ``(x - b) * integral_0^1 d s_c(b + a (x - b)) / d x da``, the integral by the trapezoid
    rule on ``steps`` intervals. Completeness: the attributions of an image sum to
    ``s_c(x) - s_c(b)`` up to the quadrature error. ``baseline`` (default: all zeros, a
    black image) has the shape of one image or of ``x``.

    Raises ``ValueError`` for bad ``x``/``target`` (see :func:`saliency`), a baseline of
    another shape, or ``steps`` that is not a positive int.
    """
    x = _images(x)
    target = _targets(target, len(x))
    steps = check_positive_int(steps, "steps")
    b = np.zeros_like(x) if baseline is None else as_array(baseline, "baseline", kinds="f")
    b = np.broadcast_to(b, x.shape) if b.shape in (x.shape, x.shape[1:]) else None
    if b is None:
        raise ValueError(f"baseline must have shape {x.shape[1:]} or {x.shape}")
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    path = b[None] + alphas[:, None, None, None, None] * (x - b)[None]  # S x N x H x W x C
    flat = path.reshape(-1, *x.shape[1:])
    grads = np.concatenate([
        _class_gradient(scores, flat[i:i + 4096], np.tile(target, steps + 1)[i:i + 4096])[1]
        for i in range(0, len(flat), 4096)
    ]).reshape(path.shape)
    total = np.tensordot(weights, grads, axes=(0, 0))
    return (x - b) * total


def grad_cam(model: keras.Model, x: object, target: object, layer: str) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) at conv layer ``layer``, upsampled: N x H x W.

    ``model`` ends in the class scores (logits). Each channel ``k`` of the layer's maps
    ``A^k`` is weighted by the spatial mean of ``d s_c / d A^k``; the map is
    ``ReLU(sum_k w_k A^k)``, resized bilinearly to the input size.

    Raises ``ValueError`` for bad ``x``/``target`` or a layer ``model`` lacks.
    """
    import keras
    import tensorflow as tf

    x = _images(x)
    target = _targets(target, len(x))
    names = [lay.name for lay in model.layers]
    if layer not in names:
        raise ValueError(f"model has no layer {layer!r}; its layers are {names}")
    both = keras.Model(model.inputs, [model.get_layer(layer).output, model.output])
    with tf.GradientTape() as tape:
        maps, out = both(tf.convert_to_tensor(x), training=False)
        picked = tf.gather(out, target, axis=1, batch_dims=1)
    grads = tape.gradient(picked, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1, keepdims=True))
    return tf.image.resize(cam, x.shape[1:3], method="bilinear").numpy()[..., 0]


def occlusion(
    scores: keras.Model, x: object, target: object, patch: int = 4, stride: int = 2,
    fill: float = 0.0,
) -> np.ndarray:
    """Occlusion map (Zeiler and Fergus 2014): the drop of ``s_c`` when a ``patch x patch``
    square is set to ``fill``, averaged over the squares covering each pixel; N x H x W.

    Raises ``ValueError`` for bad ``x``/``target`` or ``patch``/``stride`` that are not
    positive ints with ``patch`` no larger than the image.
    """
    x = _images(x)
    target = _targets(target, len(x))
    patch = check_positive_int(patch, "patch")
    stride = check_positive_int(stride, "stride")
    n, h, w, _ = x.shape
    if patch > min(h, w):
        raise ValueError(f"patch {patch} is larger than the image ({h} x {w})")
    corners = [(i, j) for i in range(0, h - patch + 1, stride)
               for j in range(0, w - patch + 1, stride)]
    hidden = np.repeat(x[None], len(corners) + 1, axis=0)  # P+1 x N x H x W x C
    for k, (i, j) in enumerate(corners, 1):
        hidden[k, :, i:i + patch, j:j + patch, :] = fill
    s = scores.predict(hidden.reshape(-1, h, w, x.shape[-1]), batch_size=1024, verbose=0)
    s = s.reshape(len(corners) + 1, n, -1)[:, np.arange(n), target]  # P+1 x N
    drop = np.zeros((n, h, w))
    count = np.zeros((h, w))
    for k, (i, j) in enumerate(corners, 1):
        drop[:, i:i + patch, j:j + patch] += (s[0] - s[k])[:, None, None]
        count[i:i + patch, j:j + patch] += 1
    return drop / np.maximum(count, 1)


def reinitialise(model: keras.Model, layer_names: Sequence[str], seed: int = 0) -> None:
    """Re-initialise the named layers in place, as at the start of training.

    The kernel gets a fresh draw of the layer's own kernel initialiser (seeded with
    ``seed`` plus the layer's position in ``layer_names``), the bias its own initialiser
    (Keras's default: zeros). Raises ``ValueError`` for a name ``model`` lacks or a layer
    without a kernel.
    """
    names = [lay.name for lay in model.layers]
    for k, name in enumerate(layer_names):
        if name not in names:
            raise ValueError(f"model has no layer {name!r}; its layers are {names}")
        layer = model.get_layer(name)
        if getattr(layer, "kernel", None) is None:
            raise ValueError(f"layer {name!r} has no kernel to randomise")
        init = type(layer.kernel_initializer)(seed=seed + k)
        layer.kernel.assign(init(tuple(layer.kernel.shape)))
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(layer.bias_initializer(tuple(layer.bias.shape)))


# --- evaluating attributions ------------------------------------------------------------


def _maps(attributions: object, x: np.ndarray) -> np.ndarray:
    a = as_array(attributions, "attributions", ndim=(3, 4), kinds="f")
    if a.ndim == 4:
        a = a.sum(axis=-1)
    if a.shape != x.shape[:3]:
        raise ValueError(f"attributions must have shape {x.shape[:3]} (N x H x W), got {a.shape}")
    return a


def deletion_curves(
    probs: Callable[[np.ndarray], np.ndarray],
    x: object,
    target: object,
    attributions: object,
    steps: int = 28,
    fill: float = 0.0,
) -> np.ndarray:
    """Deletion curves (Petsiuk et al. 2018): N x (steps + 1) class probabilities.

    Pixels are set to ``fill`` in the order of decreasing attribution (ties broken by
    position), ``H W / steps`` more at each step; entry ``k`` is the target class's
    probability after ``k`` of the ``steps`` deletions (entry 0: the intact image).
    ``probs`` maps a batch N x H x W x C to probabilities N x classes.

    Raises ``ValueError`` for bad ``x``/``target``, attributions not N x H x W (or
    N x H x W x C, summed over channels) or ``steps`` not a positive int.
    """
    x = _images(x)
    target = _targets(target, len(x))
    maps = _maps(attributions, x)
    steps = check_positive_int(steps, "steps")
    n, h, w, c = x.shape
    order = np.argsort(-maps.reshape(n, -1), axis=1, kind="stable")
    cuts = np.round(np.linspace(0, h * w, steps + 1)).astype(int)
    batch = np.repeat(x[:, None], steps + 1, axis=1).reshape(n, steps + 1, h * w, c)
    for k, cut in enumerate(cuts):
        rows = np.arange(n)[:, None]
        batch[rows, k, order[:, :cut]] = fill
    out = np.asarray(probs(batch.reshape(-1, h, w, c))).reshape(n, steps + 1, -1)
    return out[np.arange(n), :, target]


def curve_auc(curves: object) -> float:
    """Mean area under curves sampled evenly on [0, 1] (trapezoid rule), one per row.

    Raises ``ValueError`` unless ``curves`` is a finite 2-D array with at least 2 columns.
    """
    c = as_array(curves, "curves", ndim=2, kinds="f")
    if c.shape[1] < 2:
        raise ValueError(f"curves need at least 2 points each, got {c.shape[1]}")
    inner = c[:, 1:-1].sum(axis=1) + (c[:, 0] + c[:, -1]) / 2
    return float(np.mean(inner / (c.shape[1] - 1)))


def rank_correlation(a: object, b: object) -> np.ndarray:
    """Spearman rank correlation between two maps, image by image (a vector of N).

    ``a`` and ``b`` are N x ... arrays of the same shape (``ValueError`` otherwise). Where
    either map of a pair is constant the correlation is undefined and the entry is NaN.
    """
    from scipy.stats import spearmanr

    a = as_array(a, "a", kinds="iuf")
    b = as_array(b, "b", kinds="iuf")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"a and b must have the same shape N x ..., got {a.shape} and {b.shape}")
    out = []
    for p, q in zip(a.reshape(len(a), -1), b.reshape(len(b), -1), strict=True):
        constant = np.all(p == p[0]) or np.all(q == q[0])
        out.append(np.nan if constant else spearmanr(p, q)[0])
    return np.array(out)


# --- distributed training -------------------------------------------------------------


def distributed_train(
    strategy: tf.distribute.Strategy,
    x: object,
    y: object,
    steps: int,
    global_batch: int,
    learning_rate: float = 0.05,
    seed: int = 1,
) -> tuple[list[np.ndarray], list[float]]:
    """Train a fresh :func:`helpers.models.article_cnn` for ``steps`` SGD steps under
    ``strategy`` with a custom loop; return ``(weights, losses)``.

    The same code serves one device, ``MirroredStrategy`` and
    ``MultiWorkerMirroredStrategy``: each replica computes the loss of its share of the
    global batch divided by the *global* batch size, Keras's optimiser sums the replicas'
    gradients (an all-reduce) and applies the same update on every replica. The batches
    are the first ``steps * global_batch`` images in order.

    Raises ``ValueError`` for non-positive ``steps``/``global_batch``, too few images, or
    ``x``/``y`` of the wrong rank.
    """
    import keras
    import tensorflow as tf

    from helpers import models

    steps = check_positive_int(steps, "steps")
    global_batch = check_positive_int(global_batch, "global_batch")
    x = as_array(x, "x", ndim=4, kinds="f").astype(np.float32)
    y = as_array(y, "y", ndim=1, kinds="iu")
    n = steps * global_batch
    if len(x) < n or len(y) < n:
        raise ValueError(f"need {n} images and labels for {steps} steps, got {len(x)}, {len(y)}")
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        model = models.article_cnn()
        optimizer = keras.optimizers.SGD(learning_rate)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    data = tf.data.Dataset.from_tensor_slices((x[:n], y[:n])).batch(global_batch)

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            per_image = loss_fn(yb, model(xb, training=True))
            loss = tf.nn.compute_average_loss(per_image, global_batch_size=global_batch)
        grads = tape.gradient(loss, model.trainable_variables)
        pairs = zip(grads, model.trainable_variables, strict=True)
        optimizer.apply_gradients(pairs)  # sums the replicas' gradients: all-reduce
        return loss

    losses = []
    for xb, yb in strategy.experimental_distribute_dataset(data):
        per_replica = strategy.run(step, args=(xb, yb))
        losses.append(float(strategy.reduce("SUM", per_replica, axis=None)))
    return [keras.ops.convert_to_numpy(w) for w in model.weights], losses


# --- worker processes ----------------------------------------------------------------------

_RUNNING: set[subprocess.Popen] = set()
LOCALHOST = "127.0.0.1"


def free_local_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free on 127.0.0.1 at the time of the call."""
    n = check_positive_int(n, "n")
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOCALHOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def local_tf_config(ports: Sequence[int], index: int) -> str:
    """``TF_CONFIG`` (JSON) for worker ``index`` of a cluster of workers on 127.0.0.1.

    Only 127.0.0.1 is ever used. Raises ``ValueError`` for ports outside 1..65535,
    repeated ports, or an index outside the cluster.
    """
    ports = [check_positive_int(p, "port") for p in ports]
    if not ports or max(ports) > 65535 or len(set(ports)) != len(ports):
        raise ValueError(f"ports must be distinct ints in 1..65535, got {ports}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(ports):
        raise ValueError(f"index must be an int in 0..{len(ports) - 1}, got {index!r}")
    cluster = {"worker": [f"{LOCALHOST}:{p}" for p in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def _stop(procs: Sequence[subprocess.Popen], grace: float = 5.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        _RUNNING.discard(p)


@atexit.register
def _stop_all_at_exit() -> None:
    _stop(list(_RUNNING), grace=2.0)


@contextlib.contextmanager
def worker_processes(
    commands: Sequence[Sequence[str]], envs: Sequence[Mapping[str, str]]
) -> Iterator[list[subprocess.Popen]]:
    """Start one process per command (with its extra environment) and always stop them.

    Use as ``with worker_processes(cmds, envs) as procs: wait_all(procs, timeout)``. On
    leaving the block -- normally, by an exception, or by an interrupt -- every process
    still running is terminated (killed after 5 s); an :mod:`atexit` hook does the same if
    the Python process ends first. Each process's stdout and stderr go to a temporary file,
    read by :func:`wait_all`.

    Raises ``ValueError`` unless there is one environment per non-empty command.
    """
    if not commands or len(commands) != len(envs):
        raise ValueError(f"need one env per command, got {len(commands)} and {len(envs)}")
    if any(not cmd or not all(isinstance(a, str) for a in cmd) for cmd in commands):
        raise ValueError("every command must be a non-empty list of strings")
    procs: list[subprocess.Popen] = []
    try:
        for cmd, env in zip(commands, envs, strict=True):
            log = tempfile.TemporaryFile(mode="w+")
            p = subprocess.Popen(list(cmd), env={**os.environ, **env}, stdout=log,
                                 stderr=subprocess.STDOUT, text=True)
            p.log = log  # type: ignore[attr-defined]
            procs.append(p)
            _RUNNING.add(p)
        yield procs
    finally:
        _stop(procs)
        for p in procs:
            p.log.close()  # type: ignore[attr-defined]


def wait_all(procs: Sequence[subprocess.Popen], timeout: float = 120.0) -> list[str]:
    """Wait for every process (``timeout`` seconds in all) and return their outputs.

    Raises ``RuntimeError`` with the end of a process's output if it failed, and
    ``TimeoutError`` if they take longer than ``timeout`` (the caller's
    :func:`worker_processes` block then stops them).
    """
    import time

    end = time.monotonic() + timeout
    outputs = []
    for p in procs:
        try:
            p.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired as err:
            raise TimeoutError(f"workers still running after {timeout} s") from err
        p.log.seek(0)  # type: ignore[attr-defined]
        text = p.log.read()  # type: ignore[attr-defined]
        if p.returncode != 0:
            raise RuntimeError(f"worker exited with {p.returncode}:\n{text[-2000:]}")
        outputs.append(text)
    return outputs


def profiler_flops(model: keras.Model, input_shape: Sequence[int]) -> int:
    """Floating-point operations TensorFlow's profiler counts for one sample's forward pass.

    The model is traced for a batch of one, its variables frozen to constants, and
    ``tf.compat.v1.profiler`` sums the FLOPs TensorFlow registers per op (2 per MAC for
    convolutions and matrix products, 1 per bias addition, the window size per pooled
    value, ...). Loops (a non-unrolled LSTM) are counted once, not once per step.

    Raises ``ValueError`` unless ``input_shape`` is a sequence of positive ints.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        raise ValueError(f"input_shape must be a tuple of positive ints, got {input_shape!r}")
    shape = tuple(check_positive_int(v, "input_shape entry") for v in input_shape)
    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec((1, *shape), tf.float32))
    graph = convert_variables_to_constants_v2(concrete).graph
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    return int(tf.compat.v1.profiler.profile(graph=graph, cmd="op", options=options)
               .total_float_ops)


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """Send file descriptor 2 (C++ libraries' log lines) to the null device meanwhile.

    TensorFlow Lite's converter and interpreter write status lines such as
    ``fully_quantize: 0, ...`` straight to the process's stderr, past Python's logging;
    a notebook would store them. Python's own ``sys.stderr`` is flushed first and the
    original descriptor is always restored.
    """
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
