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
