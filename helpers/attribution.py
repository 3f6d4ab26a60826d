"""Attribution maps of an image classifier and their evaluation.

- :func:`logits_model` -- the model that stops at the class scores (before the softmax);
- :func:`gradient`, :func:`saliency`, :func:`gradient_times_input`,
  :func:`integrated_gradients`, :func:`grad_cam`, :func:`occlusion` -- attribution maps;
- :func:`reinitialise` -- the cascading weight randomisation of the sanity check;
- :func:`rank_correlation` -- Spearman correlation of two maps, optionally on a mask;
  :func:`map_similarity` -- the same on one stated footing, signed or ``|map|``;
  :func:`constant_maps` -- the maps for which no correlation exists;
- :func:`same_order` -- whether two maps rank the pixels identically (then they are
  one control, not two);
- :func:`deletion_curves`, :func:`insertion_curves`, :func:`curve_auc` -- deleting or
  inserting pixels in the order a map gives.

The article's CNN with a separate softmax layer is ``helpers.models.article_cnn(
softmax_layer=True)``. TensorFlow/Keras is imported inside the functions, so
``import helpers.attribution`` is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from helpers.validate import as_array, check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import keras


def logits_model(model: keras.Model, layer: str = "dense2") -> keras.Model:
    """A model sharing ``model``'s weights that outputs layer ``layer`` (the logits).

    Raises ``ValueError`` if ``model`` has no layer of that name.
    """
    import keras

    names = [lay.name for lay in getattr(model, "layers", [])]
    if layer not in names:
        raise ValueError(f"model has no layer {layer!r}; its layers are {names}")
    return keras.Model(_single(model.inputs), model.get_layer(layer).output)


def _single(inputs: list) -> object:
    """One input tensor as itself (Keras warns when a list meets a tensor)."""
    return inputs[0] if len(inputs) == 1 else inputs


def _images(x: object) -> np.ndarray:
    arr = as_array(x, "x", ndim=4, kinds="f")
    if len(arr) == 0:
        raise ValueError("x must hold at least one image, got 0")
    return arr.astype(np.float32)


def _targets(target: object, n: int) -> np.ndarray:
    t = as_array(target, "target", ndim=1, kinds="iu")
    if t.shape != (n,):
        raise ValueError(f"target must have one class per image ({n}), got shape {t.shape}")
    if np.any(t < 0):
        raise ValueError(f"target classes must be >= 0, got {t.min()}")
    return t.astype(np.int64)


def _check_classes(target: np.ndarray, classes: int) -> None:
    if target.max() >= classes:
        raise ValueError(f"target class {target.max()} is out of range: the model has "
                         f"{classes} classes")


def _class_gradient(
    scores: keras.Model, x: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(score, d score / d x)`` of the target class for every image."""
    import tensorflow as tf

    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = scores(xt, training=False)
        _check_classes(target, int(out.shape[-1]))
        picked = tf.gather(out, target, axis=1, batch_dims=1)
    return picked.numpy(), tape.gradient(picked, xt).numpy()


def gradient(scores: keras.Model, x: object, target: object) -> np.ndarray:
    """The signed gradient ``d s_c / d x`` of the target class's score, N x H x W x C.

    ``scores`` maps images to class scores (logits); ``target`` gives one class per image.
    Raises ``ValueError`` for ``x`` that is not a non-empty float N x H x W x C array or
    ``target`` that is not one valid integer class per image.
    """
    x = _images(x)
    return _class_gradient(scores, x, _targets(target, len(x)))[1]


def saliency(scores: keras.Model, x: object, target: object) -> np.ndarray:
    """Vanilla gradient saliency: ``|d s_c / d x|`` (Simonyan et al. 2014), N x H x W x C.

    Unsigned by definition: the absolute value of :func:`gradient`, with its arguments
    and errors.
    """
    return np.abs(gradient(scores, x, target))


def gradient_times_input(scores: keras.Model, x: object, target: object) -> np.ndarray:
    """Gradient times input (Shrikumar et al. 2016), ``x * d s_c / d x`` (signed),
    N x H x W x C. See :func:`saliency`."""
    x = _images(x)
    return x * _class_gradient(scores, x, _targets(target, len(x)))[1]


def integrated_gradients(
    scores: keras.Model,
    x: object,
    target: object,
    baseline: object | float | None = None,
    steps: int = 64,
    chunk: int = 4096,
) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017), N x H x W x C, float32.

    ``(x - b) * integral_0^1 d s_c(b + a (x - b)) / d x da``, the integral by the trapezoid
    rule on ``steps`` intervals. Completeness: the attributions of an image sum to
    ``s_c(x) - s_c(b)`` up to the quadrature error. ``baseline`` (default 0, a black
    image) is a number or has the shape of one image or of ``x``. The path images are
    built ``chunk`` at a time.

    Raises ``ValueError`` for bad ``x``/``target`` (see :func:`saliency`), a baseline of
    another shape, or ``steps``/``chunk`` that are not positive ints.
    """
    x = _images(x)
    target = _targets(target, len(x))
    steps = check_positive_int(steps, "steps")
    chunk = check_positive_int(chunk, "chunk")
    if baseline is None:
        baseline = 0.0
    b = as_array(baseline, "baseline", kinds="iuf").astype(np.float32)
    if b.shape not in ((), x.shape, x.shape[1:]):
        raise ValueError(f"baseline must be a number or have shape {x.shape[1:]} or "
                         f"{x.shape}, got {b.shape}")
    b = np.broadcast_to(b, x.shape)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    alphas = np.linspace(0.0, 1.0, steps + 1)
    n = len(x)
    pairs = [(k, i) for k in range(steps + 1) for i in range(n)]  # (alpha, image)
    total = np.zeros(x.shape, np.float64)
    for start in range(0, len(pairs), chunk):
        ks, idx = (np.array(v) for v in zip(*pairs[start:start + chunk], strict=True))
        a = alphas[ks].astype(np.float32)[:, None, None, None]
        path = b[idx] + a * (x[idx] - b[idx])
        grads = _class_gradient(scores, path, target[idx])[1]
        np.add.at(total, idx, weights[ks][:, None, None, None] * grads)
    return ((x - b) * total).astype(np.float32)


def grad_cam(model: keras.Model, x: object, target: object, layer: str) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) at conv layer ``layer``, upsampled: N x H x W.

    ``model`` ends in the class scores (logits). Each channel ``k`` of the layer's maps
    ``A^k`` is weighted by the spatial mean of ``d s_c / d A^k``; the map is
    ``ReLU(sum_k w_k A^k)``, resized bilinearly to the input size.

    Raises ``ValueError`` for bad ``x``/``target``, a layer ``model`` lacks or whose
    output is not N x h x w x channels, or a model that ends in a softmax.
    """
    import keras
    import tensorflow as tf

    x = _images(x)
    target = _targets(target, len(x))
    names = [lay.name for lay in model.layers]
    if layer not in names:
        raise ValueError(f"model has no layer {layer!r}; its layers are {names}")
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if type(last).__name__ == "Softmax" or activation == "softmax":
        raise ValueError("model ends in a softmax; pass the logits (see logits_model)")
    if len(model.get_layer(layer).output.shape) != 4:
        raise ValueError(f"layer {layer!r} must output N x h x w x channels, got "
                         f"{model.get_layer(layer).output.shape}")
    both = keras.Model(_single(model.inputs),
                       [model.get_layer(layer).output, model.outputs[0]])
    with tf.GradientTape() as tape:
        maps, out = both(tf.convert_to_tensor(x), training=False)
        _check_classes(target, int(out.shape[-1]))
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

    Pixels that no square covers (when ``stride`` does not fit the image) are 0. The
    occluded images are scored one square position at a time.

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
    rows = np.arange(n)
    base = np.asarray(scores(x, training=False))
    _check_classes(target, base.shape[-1])
    s0 = base[rows, target]
    drop = np.zeros((n, h, w))
    count = np.zeros((h, w))
    for i in range(0, h - patch + 1, stride):
        for j in range(0, w - patch + 1, stride):
            hidden = x.copy()
            hidden[:, i:i + patch, j:j + patch, :] = fill
            s = np.asarray(scores(hidden, training=False))[rows, target]
            drop[:, i:i + patch, j:j + patch] += (s0 - s)[:, None, None]
            count[i:i + patch, j:j + patch] += 1
    return drop / np.maximum(count, 1)


def reinitialise(model: keras.Model, layer_names: Sequence[str], seed: int = 0) -> None:
    """Re-initialise the named layers in place, as at the start of training.

    The kernel gets a fresh draw of the layer's own kernel initialiser with its own
    configuration (e.g. the stddev of ``RandomNormal``, the scale and mode of
    ``VarianceScaling``), seeded with ``seed`` plus the layer's position in
    ``layer_names``; initialisers without a seed (``Zeros``, ``Constant``) are reused as
    they are. The bias is redrawn in the same way from its initialiser.

    Raises ``ValueError`` for a name ``model`` lacks or a layer without a kernel.
    """
    names = [lay.name for lay in model.layers]

    def fresh(init: object, s: int) -> object:
        config = init.get_config()
        if "seed" in config:
            return type(init).from_config({**config, "seed": s})
        return init

    for k, name in enumerate(layer_names):
        if name not in names:
            raise ValueError(f"model has no layer {name!r}; its layers are {names}")
        layer = model.get_layer(name)
        if getattr(layer, "kernel", None) is None:
            raise ValueError(f"layer {name!r} has no kernel to randomise")
        init = fresh(layer.kernel_initializer, seed + k)
        layer.kernel.assign(init(tuple(layer.kernel.shape), dtype=layer.kernel.dtype))
        if getattr(layer, "bias", None) is not None:
            init = fresh(layer.bias_initializer, seed + k)
            layer.bias.assign(init(tuple(layer.bias.shape), dtype=layer.bias.dtype))


def rank_correlation(a: object, b: object, mask: object | None = None) -> np.ndarray:
    """Spearman rank correlation between two maps, image by image (a vector of N).

    ``a`` and ``b`` are N x ... arrays of the same shape; ``mask`` (optional, boolean, same
    shape) keeps only the pixels where it is true (e.g. the digit's ink). Where either map
    is constant on the kept pixels, or fewer than 2 are kept, the correlation is undefined
    and the entry is NaN: count them with ``np.isnan``.

    Raises ``ValueError`` for shapes that differ or a mask that is not boolean.
    """
    from scipy.stats import rankdata

    a = as_array(a, "a", kinds="iuf")
    b = as_array(b, "b", kinds="iuf")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"a and b must have the same shape N x ..., got {a.shape} and {b.shape}")
    if mask is None:
        m = np.ones(a.shape, bool)
    else:
        m = np.asarray(mask)
        if m.dtype != bool or m.shape != a.shape:
            raise ValueError(f"mask must be boolean of shape {a.shape}, got {m.dtype} {m.shape}")
    out = []
    for p, q, keep in zip(a.reshape(len(a), -1), b.reshape(len(b), -1),
                          m.reshape(len(m), -1), strict=True):
        p, q = p[keep], q[keep]
        if len(p) < 2 or np.all(p == p[0]) or np.all(q == q[0]):
            out.append(np.nan)
            continue
        rp, rq = rankdata(p) - (len(p) + 1) / 2, rankdata(q) - (len(q) + 1) / 2
        out.append(float(rp @ rq / np.sqrt((rp @ rp) * (rq @ rq))))
    return np.array(out)


def map_similarity(a: object, b: object, *, signed: bool,
                   mask: object | None = None) -> np.ndarray:
    """Spearman correlation of two sets of maps on one footing, image by image.

    ``signed=True`` compares the maps as they are, ``signed=False`` their absolute values
    (both sides: ``|a|`` with ``|b|``); ``mask`` as in :func:`rank_correlation`, whose NaN
    rule applies. An unsigned map (saliency, Grad-CAM) has no sign to compare, so
    ``signed=True`` refuses a side without a single negative value.

    Raises ``ValueError`` for ``signed`` that is not a bool, or ``signed=True`` with a
    side that is non-negative everywhere, besides the errors of :func:`rank_correlation`.
    """
    if not isinstance(signed, bool):
        raise ValueError(f"signed must be True or False, got {signed!r}")
    a = as_array(a, "a", kinds="iuf")
    b = as_array(b, "b", kinds="iuf")
    if signed:
        for name, m in (("a", a), ("b", b)):
            if not np.any(m < 0):
                raise ValueError(f"{name} has no negative value: an unsigned map cannot "
                                 "be compared as signed; use signed=False")
        return rank_correlation(a, b, mask)
    return rank_correlation(np.abs(a), np.abs(b), mask)


def constant_maps(maps: object, mask: object | None = None) -> np.ndarray:
    """For each of N maps, whether it is constant on the kept pixels (all of them, or
    those where ``mask`` is true): no rank correlation exists for such a map, and it
    ranks no pixel above another (an all-zero Grad-CAM map, for example).

    Raises ``ValueError`` for fewer than 2 dimensions or a mask that is not boolean of
    the maps' shape.
    """
    m = as_array(maps, "maps", kinds="iuf")
    if m.ndim < 2:
        raise ValueError(f"maps must be N x ..., got shape {m.shape}")
    keep = np.ones(m.shape, bool) if mask is None else np.asarray(mask)
    if keep.dtype != bool or keep.shape != m.shape:
        raise ValueError(f"mask must be boolean of shape {m.shape}, got {keep.dtype} "
                         f"{keep.shape}")
    out = []
    for p, k in zip(m.reshape(len(m), -1), keep.reshape(len(m), -1), strict=True):
        p = p[k]
        out.append(len(p) == 0 or bool(np.all(p == p[0])))
    return np.array(out, bool)


def same_order(a: object, b: object) -> np.ndarray:
    """For each of N pairs of maps, whether they rank the pixels in the same order
    (decreasing value, ties by position, as :func:`deletion_curves` does): two such maps
    give the same deletion and insertion curves, so they are one control, not two. A map
    and a positive multiple of it are in the same order.

    Raises ``ValueError`` for shapes that differ or fewer than 2 dimensions.
    """
    a = as_array(a, "a", kinds="iuf")
    b = as_array(b, "b", kinds="iuf")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"a and b must have the same shape N x ..., got {a.shape} and {b.shape}")
    order = [np.argsort(-m.reshape(len(m), -1), axis=1, kind="stable") for m in (a, b)]
    return np.all(order[0] == order[1], axis=1)


def _maps(attributions: object, x: np.ndarray) -> np.ndarray:
    a = as_array(attributions, "attributions", ndim=(3, 4), kinds="f")
    if a.ndim == 4:
        a = a.sum(axis=-1)
    if a.shape != x.shape[:3]:
        raise ValueError(f"attributions must have shape {x.shape[:3]} (N x H x W), got {a.shape}")
    return a


def _pixel_curves(
    probs: Callable[[np.ndarray], np.ndarray], x: object, target: object,
    attributions: object, steps: int, fill: float, insert: bool,
) -> np.ndarray:
    x = _images(x)
    target = _targets(target, len(x))
    maps = _maps(attributions, x)
    steps = check_positive_int(steps, "steps")
    n, h, w, c = x.shape
    order = np.argsort(-maps.reshape(n, -1), axis=1, kind="stable")
    cuts = np.round(np.linspace(0, h * w, steps + 1)).astype(int)
    flat = x.reshape(n, h * w, c)
    if insert:
        batch = np.full((n, steps + 1, h * w, c), fill, np.float32)
    else:
        batch = np.repeat(flat[:, None], steps + 1, axis=1)
    rows = np.arange(n)[:, None]
    for k, cut in enumerate(cuts):
        picked = order[:, :cut]
        batch[rows, k, picked] = flat[rows, picked] if insert else fill
    out = np.asarray(probs(batch.reshape(-1, h, w, c))).reshape(n, steps + 1, -1)
    _check_classes(target, out.shape[-1])
    return out[np.arange(n), :, target]


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
    ``probs`` maps a batch N x H x W x C to probabilities N x classes. Lower is better.

    Raises ``ValueError`` for bad ``x``/``target``, attributions not N x H x W (or
    N x H x W x C, summed over channels) or ``steps`` not a positive int.
    """
    return _pixel_curves(probs, x, target, attributions, steps, fill, insert=False)


def insertion_curves(
    probs: Callable[[np.ndarray], np.ndarray],
    x: object,
    target: object,
    attributions: object,
    steps: int = 28,
    fill: float = 0.0,
) -> np.ndarray:
    """Insertion curves (Petsiuk et al. 2018): start from an image of ``fill`` and put the
    pixels of ``x`` back in the order of decreasing attribution; entry ``k`` is the target
    class's probability after ``k`` of the ``steps`` insertions (the last: the intact
    image). Higher is better. Arguments and errors as :func:`deletion_curves`.
    """
    return _pixel_curves(probs, x, target, attributions, steps, fill, insert=True)


def curve_auc(curves: object) -> float:
    """Mean area under curves sampled evenly on [0, 1] (trapezoid rule), one per row.

    Raises ``ValueError`` unless ``curves`` is a finite 2-D array with at least 2 columns.
    """
    c = as_array(curves, "curves", ndim=2, kinds="f")
    if c.shape[1] < 2:
        raise ValueError(f"curves need at least 2 points each, got {c.shape[1]}")
    inner = c[:, 1:-1].sum(axis=1) + (c[:, 0] + c[:, -1]) / 2
    return float(np.mean(inner / (c.shape[1] - 1)))
