"""Keras models that more than one notebook builds.

TensorFlow/Keras is imported inside the functions, so ``import helpers.models`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from helpers import nn
from helpers.validate import as_array, check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: Trainable parameters of :func:`article_cnn` with the default arguments (derived layer by
#: layer in Chapter 2, *pooling, dense layers and the receptive field*).
ARTICLE_CNN_PARAMS = 93322


def article_cnn(
    input_shape: tuple[int, int, int] = (28, 28, 1),
    num_classes: int = 10,
    softmax_layer: bool = False,
) -> keras.Model:
    """The CNN of the article's §4.1 listing, layer for layer (not compiled).

    Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2)
    -> Conv2D(64, 3x3, relu) -> Flatten -> Dense(64, relu) -> Dense(num_classes, softmax),
    all with Keras's defaults (``padding="valid"``, stride 1, Glorot-uniform kernels, zero
    biases). The input is ``H x W x C`` images (MNIST: 28 x 28 x 1). The layers are named
    ``conv1, pool1, conv2, pool2, conv3, flatten, dense1, dense2`` so notebooks can pick
    their weights by name. Weights are drawn from Keras's global seed
    (``helpers.repro.setup``).

    With ``softmax_layer=True`` ``dense2`` is linear and a separate
    ``Activation("softmax", name="softmax")`` follows it: the function is the same, and
    ``helpers.attribution.logits_model`` can read the class scores before the softmax.

    Raises ``ValueError`` for an input shape that is not three positive ints or too small
    for the three 3x3 convolutions and two poolings (H and W must be at least 18).
    """
    import keras

    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {input_shape!r}")
    h, w, c = (check_positive_int(v, "input_shape entry") for v in input_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    if min(h, w) < 18:
        raise ValueError(
            f"input_shape {tuple(input_shape)} is too small: H and W must be at least 18 for "
            f"conv3-pool2-conv3-pool2-conv3 to leave at least one pixel"
        )
    layers = keras.layers
    if softmax_layer:
        head = [layers.Dense(num_classes, name="dense2"),
                layers.Activation("softmax", name="softmax")]
    else:
        head = [layers.Dense(num_classes, activation="softmax", name="dense2")]
    return keras.Sequential(
        [
            keras.Input(shape=(h, w, c)),
            layers.Conv2D(32, (3, 3), activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), name="pool1"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), name="pool2"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv3"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense1"),
            *head,
        ],
        name="article_cnn",
    )


def article_cnn_numpy(model: keras.Model, x: object) -> np.ndarray:
    """Forward pass of a (trained) :func:`article_cnn` in plain NumPy, with :mod:`helpers.nn`.

    Reads the weights of ``model`` by layer name and returns the softmax probabilities
    (N x num_classes) for the images ``x`` (N x H x W x C). It must agree with
    ``model.predict(x)`` up to floating-point rounding (Chapter 2 checks this).

    Raises ``ValueError`` if ``model`` lacks a layer of :func:`article_cnn` or ``x`` is not
    a finite N x H x W x C array.
    """
    x = as_array(x, "x", ndim=4, kinds="iuf")
    names = ("conv1", "conv2", "conv3", "dense1", "dense2")
    have = {layer.name for layer in model.layers}
    if not set(names) <= have:
        raise ValueError(f"model must have the layers {names} of article_cnn, got {sorted(have)}")
    w = {name: model.get_layer(name).get_weights() for name in names}
    h = nn.max_pool2d(nn.relu(nn.conv2d(x, *w["conv1"])), size=2)
    h = nn.max_pool2d(nn.relu(nn.conv2d(h, *w["conv2"])), size=2)
    h = nn.relu(nn.conv2d(h, *w["conv3"]))
    h = h.reshape(len(h), -1)  # (row, column, channel) order, as keras.layers.Flatten
    h = nn.relu(nn.dense(h, *w["dense1"]))
    return nn.softmax(nn.dense(h, *w["dense2"]))


#: Parameters of :func:`article_lstm` with the default arguments (28 x 28 images read row by
#: row, 10 classes): 4 * (64 * (28 + 64) + 64) + 4 * (64 * (64 + 64) + 64) + (64 * 10 + 10).
ARTICLE_LSTM_PARAMS = 57482


def article_lstm(timesteps: int = 28, input_dim: int = 28, output_dim: int = 10) -> keras.Model:
    """The two-layer LSTM of the article's §4.2 listing, layer for layer (not compiled).

    LSTM(64, return_sequences=True) -> LSTM(64) -> Dense(output_dim, softmax), with Keras's
    defaults. The listing leaves ``timesteps``, ``input_dim`` and ``output_dim`` undefined;
    for MNIST read row by row they are 28, 28 and 10 (the defaults). Layers are named
    ``lstm1, lstm2, dense``.

    Raises ``ValueError`` unless all three sizes are positive ints.
    """
    import keras

    timesteps = check_positive_int(timesteps, "timesteps")
    input_dim = check_positive_int(input_dim, "input_dim")
    output_dim = check_positive_int(output_dim, "output_dim")
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(timesteps, input_dim)),
            layers.LSTM(64, return_sequences=True, name="lstm1"),
            layers.LSTM(64, return_sequences=False, name="lstm2"),
            layers.Dense(output_dim, activation="softmax", name="dense"),
        ],
        name="article_lstm",
    )


#: Parameters of :func:`article_autoencoder` as printed (784 -> 64 -> 32 | 32 -> 32 -> 64 -> 784).
ARTICLE_AE_PARAMS = 106448


def article_autoencoder(
    input_dim: int = 784, mirrored: bool = False
) -> tuple[keras.Model, keras.Model, keras.Model]:
    """The autoencoder of the article's §4.3 listing: ``(encoder, decoder, autoencoder)``.

    Encoder Dense(64, relu) -> Dense(32, relu); decoder Dense(32, relu) -> Dense(64, relu)
    -> Dense(input_dim, sigmoid), as printed (its first ``Dense(32)`` maps the 32-value code
    to 32 values again). With ``mirrored=True`` the decoder is the mirror image of the
    encoder the article presumably meant: Dense(64, relu) -> Dense(input_dim, sigmoid).
    The autoencoder is ``encoder`` followed by ``decoder`` (not compiled); inputs are
    flattened images scaled to [0, 1].

    Raises ``ValueError`` unless ``input_dim`` is a positive int.
    """
    import keras

    input_dim = check_positive_int(input_dim, "input_dim")
    layers = keras.layers
    encoder = keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            layers.Dense(64, activation="relu", name="enc1"),
            layers.Dense(32, activation="relu", name="code"),
        ],
        name="encoder",
    )
    hidden = [] if mirrored else [layers.Dense(32, activation="relu", name="dec0")]
    decoder = keras.Sequential(
        [
            keras.Input(shape=(32,)),
            *hidden,
            layers.Dense(64, activation="relu", name="dec1"),
            layers.Dense(input_dim, activation="sigmoid", name="reconstruction"),
        ],
        name="decoder",
    )
    autoencoder = keras.Sequential([keras.Input(shape=(input_dim,)), encoder, decoder],
                                   name="article_autoencoder")
    return encoder, decoder, autoencoder


def summary_text(model: keras.Model, width: int = 76) -> str:
    """Keras's ``model.summary()`` as one block of plain text at most ``width`` columns
    wide (the book's column), to ``print`` in a single output.

    Raises
    ------
    ValueError: for a ``width`` below 40 (Keras cannot lay out the table) or a ``model``
        that is not a built Keras model.
    """
    import keras

    width = check_positive_int(width, "width")
    if width < 40:
        raise ValueError(f"width must be at least 40 columns, got {width}")
    if not isinstance(model, keras.Model) or not model.built:
        raise ValueError(f"model must be a built keras.Model, got {type(model).__name__}")
    lines: list[str] = []
    model.summary(line_length=width, print_fn=lambda line, **_: lines.append(line))
    text = "\n".join(lines)
    # Keras pads with trailing blanks and may draw box characters one column wider.
    return "\n".join(line.rstrip()[:width] for line in text.splitlines())


def practitioner_cnn(
    filters: tuple[int, int] = (16, 32),
    hidden: int = 64,
    dropout: float = 0.5,
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    input_shape: tuple[int, int, int] = (28, 28, 1),
    num_classes: int = 10,
) -> keras.Model:
    """A small CNN as a practitioner would build it, compiled (Chapter 1's tuned CNN).

    Conv2D(filters[0], 3x3, relu) -> MaxPooling2D(2) -> Conv2D(filters[1], 3x3, relu)
    -> MaxPooling2D(2) -> Flatten -> Dense(hidden, relu) -> Dropout(dropout)
    -> Dense(num_classes, softmax), compiled with Adam on the sparse categorical
    cross-entropy and the ``accuracy`` metric. With ``decay_steps`` the learning rate
    follows a cosine decay from ``learning_rate`` to 0 over that many steps
    (``keras.optimizers.schedules.CosineDecay``); without, it stays constant. The
    parameter count is :func:`practitioner_cnn_params`.

    Raises
    ------
    ValueError: for filters that are not two positive ints, a non-positive ``hidden``,
        ``decay_steps`` or learning rate, a dropout rate outside [0, 1), or an input too
        small for the two 3x3 convolutions and poolings (H and W at least 10).
    """
    import keras

    f1, f2, hidden = _check_practitioner(filters, hidden, input_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if not float(learning_rate) > 0.0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    rate: object = float(learning_rate)
    if decay_steps is not None:
        steps = check_positive_int(decay_steps, "decay_steps")
        rate = keras.optimizers.schedules.CosineDecay(float(learning_rate), steps)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(f1, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(f2, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(hidden, activation="relu", name="hidden"),
            layers.Dropout(float(dropout), name="dropout"),
            layers.Dense(num_classes, activation="softmax", name="output"),
        ],
        name="practitioner_cnn",
    )
    model.compile(optimizer=keras.optimizers.Adam(rate), metrics=["accuracy"],
                  loss="sparse_categorical_crossentropy")
    return model


def _check_practitioner(
    filters: object, hidden: object, input_shape: object
) -> tuple[int, int, int]:
    if not isinstance(filters, (tuple, list)) or len(filters) != 2:
        raise ValueError(f"filters must be two positive ints, got {filters!r}")
    f1, f2 = (check_positive_int(f, "filters entry") for f in filters)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {input_shape!r}")
    h, w, _ = (check_positive_int(v, "input_shape entry") for v in input_shape)
    if min(h, w) < 10:
        raise ValueError(f"input_shape {tuple(input_shape)} is too small: H and W must be "
                         f"at least 10 for conv3-pool2-conv3-pool2")
    return f1, f2, check_positive_int(hidden, "hidden")


def practitioner_cnn_params(
    filters: tuple[int, int] = (16, 32),
    hidden: int = 64,
    input_shape: tuple[int, int, int] = (28, 28, 1),
    num_classes: int = 10,
) -> int:
    """Trainable parameters of :func:`practitioner_cnn`, counted layer by layer.

    A 3x3 convolution from ``c`` to ``f`` channels has ``9 c f + f`` parameters; each
    valid 3x3 convolution takes 2 pixels off each side length and each 2x2 pooling halves
    it (rounding down); the dense layers have ``inputs x outputs + outputs``.

    Raises
    ------
    ValueError: for the arguments :func:`practitioner_cnn` rejects.
    """
    f1, f2, hidden = _check_practitioner(filters, hidden, input_shape)
    num_classes = check_positive_int(num_classes, "num_classes")
    h, w, c = (int(v) for v in input_shape)
    h, w = ((h - 2) // 2 - 2) // 2, ((w - 2) // 2 - 2) // 2
    conv = 9 * c * f1 + f1 + 9 * f1 * f2 + f2
    return conv + h * w * f2 * hidden + hidden + hidden * num_classes + num_classes


def fit_checkpoints(
    model: keras.Model,
    x: object,
    y: object,
    epochs: int,
    batch_size: int,
    every: int,
) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Train a compiled ``model`` and keep a copy of its weights every ``every`` steps.

    Runs ``model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)`` (shuffled
    from Keras's global seed) and returns ``(cpu_seconds, snapshots)``: the process CPU
    time (``time.process_time``, all threads) spent in training up to each checkpoint,
    and the weights (``model.get_weights()``) there. Checkpoints are after steps
    ``every, 2 every, ...`` and after the last step (once). Evaluate the snapshots
    afterwards with :func:`checkpoint_accuracy`, so that evaluation costs no training
    time.

    Raises
    ------
    ValueError: for non-positive ``epochs``, ``batch_size`` or ``every``, an ``x`` that
        is not 4-D, or ``y`` of another length than ``x``.
    """
    import time

    import keras

    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    every = check_positive_int(every, "every")
    xs = as_array(x, "x", ndim=4)
    ys = np.asarray(y)
    if ys.shape != (len(xs),):
        raise ValueError(f"y must have one label per image ({len(xs)}), got shape {ys.shape}")
    total = epochs * -(-len(xs) // batch_size)
    times: list[float] = []
    snaps: list[list[np.ndarray]] = []
    start = [0.0]

    class _Keep(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.step = 0

        def on_train_batch_end(self, batch: int, logs: object = None) -> None:
            self.step += 1
            if self.step % every == 0 or self.step == total:
                times.append(time.process_time() - start[0])
                snaps.append(self.model.get_weights())

    start[0] = time.process_time()
    model.fit(xs, ys, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[_Keep()])
    return np.array(times), snaps


def checkpoint_accuracy(
    model: keras.Model, snapshots: list[list[np.ndarray]], x: object, y: object
) -> np.ndarray:
    """Accuracy of ``model`` on ``(x, y)`` with each weight snapshot of :func:`fit_checkpoints`.

    The prediction is the arg-max of ``model.predict``; afterwards the model keeps the
    last snapshot's weights. Returns a float array, one accuracy per snapshot.

    Raises
    ------
    ValueError: for no snapshots, an ``x`` that is not 4-D, or ``y`` of another length.
    """
    if len(snapshots) == 0:
        raise ValueError("snapshots must not be empty")
    xs = as_array(x, "x", ndim=4)
    ys = np.asarray(y)
    if ys.shape != (len(xs),):
        raise ValueError(f"y must have one label per image ({len(xs)}), got shape {ys.shape}")
    accs = []
    for weights in snapshots:
        model.set_weights(weights)
        pred = model.predict(xs, verbose=0, batch_size=1000).argmax(axis=1)
        accs.append(float(np.mean(pred == ys)))
    return np.array(accs)


def first_crossing(cpu_seconds: object, accuracy: object, level: float) -> tuple[float, bool]:
    """Where a compute curve first passes ``level``: ``(cpu_seconds, True)`` at the first
    point whose accuracy exceeds ``level``, else ``(last cpu_seconds, False)``.

    Raises
    ------
    ValueError: for curves of different lengths, an empty curve, non-finite values or
        CPU-seconds that decrease.
    """
    t = as_array(cpu_seconds, "cpu_seconds", ndim=1)
    a = as_array(accuracy, "accuracy", ndim=1)
    if len(t) == 0 or t.shape != a.shape:
        raise ValueError(f"cpu_seconds and accuracy must be non-empty and of one length, "
                         f"got {t.shape} and {a.shape}")
    if np.any(np.diff(t) < 0):
        raise ValueError("cpu_seconds must not decrease")
    above = np.flatnonzero(a > level)
    if len(above) == 0:
        return float(t[-1]), False
    return float(t[above[0]]), True


def restart(model: keras.Model, weights: list[np.ndarray]) -> keras.Model:
    """Make a compiled, already trained ``model`` start training afresh from ``weights``.

    Sets the weights and zeroes every variable of the model's optimizer (Adam's moments
    and its step counter, hence also the position in a learning-rate schedule), so that
    the next ``fit`` trains exactly as a new model with these initial weights would; but
    Keras does not trace the training and prediction functions again (about a second per
    new model on one CPU thread). The optimizer's learning rate must be a schedule or a
    plain number, not a variable: a zeroed learning rate would stop training. Returns
    ``model``.

    Raises
    ------
    ValueError: for a model that is not compiled, weights that do not match the model's
        shapes, or an optimizer whose learning rate is one of its variables.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError("model must be compiled (it has no optimizer)")
    current = model.get_weights()
    if len(weights) != len(current) or any(
        np.shape(w) != np.shape(c) for w, c in zip(weights, current, strict=True)
    ):
        raise ValueError("weights must match the model's weights in number and shapes")
    lr = getattr(optimizer, "_learning_rate", None)
    if any(v is lr for v in optimizer.variables):
        raise ValueError("the optimizer's learning rate is a variable; use a schedule")
    model.set_weights(weights)
    for var in optimizer.variables:
        var.assign(np.zeros(var.shape, dtype=var.dtype))
    return model
