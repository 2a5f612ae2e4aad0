"""The paper's model families, built with Keras 3.

Functions
---------
build_model
    ``mlp`` or ``cnn`` with an observed ``Dense(width, relu)`` layer named
    :data:`OBSERVED_LAYER`.
compile_model
    SGD, learning rate 0.1, no momentum, cross-entropy, as the paper trains.
observed_activations
    Activations of a named layer for a batch of inputs.
"""

import numpy as np

from .exceptions import ParameterError

__all__ = ["build_model", "compile_model", "observed_activations", "OBSERVED_LAYER", "MODELS"]

#: Stable name of the last hidden ReLU layer, the one the paper observes.
OBSERVED_LAYER = "observed"
MODELS = ("mlp", "cnn")


def build_model(model, width, input_shape, n_classes=10, seed=0):
    """Build an uncompiled model of the paper's families.

    Parameters
    ----------
    model : {"mlp", "cnn"}
        ``mlp``: flatten -> Dense(width, relu) -> Dense(n_classes, softmax).
        ``cnn``: Conv2D(32, 3, relu) -> flatten -> the same head.
    width : int
        Nodes of the observed layer (the paper: 64, 128, 256, 512).
    input_shape : tuple of int
        Shape of one input, e.g. ``(28, 28, 1)``.
    n_classes : int
        Output classes.
    seed : int
        Seed of the initial weights.
    """
    import keras

    if model not in MODELS:
        raise ParameterError(f"`model`={model!r} is unknown; choose one of {list(MODELS)}.")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ParameterError(f"`width` must be a positive integer; got {width!r}.")
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=tuple(input_shape), name="input")]
    if model == "cnn":
        layers.append(keras.layers.Conv2D(32, 3, activation="relu", name="conv"))
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(int(width), activation="relu", name=OBSERVED_LAYER),
        keras.layers.Dense(n_classes, activation="softmax", name="output"),
    ]
    return keras.Sequential(layers, name=f"{model}_{width}")


def compile_model(network, learning_rate=0.1):
    """Compile with the paper's optimiser: plain SGD, no momentum."""
    import keras

    network.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return network


def observed_activations(network, inputs, layer=OBSERVED_LAYER, batch_size=1024):
    """Activations ``(n_samples, n_nodes)`` of ``layer`` for ``inputs``."""
    import keras

    try:
        target = network.get_layer(layer)
    except ValueError:
        names = [lay.name for lay in network.layers]
        raise ParameterError(f"`layer`={layer!r} is not in the model; its layers are {names}.") from None
    probe = keras.Model(network.inputs, target.output)
    values = probe.predict(inputs, batch_size=batch_size, verbose=0)
    return values.reshape(len(values), -1)
