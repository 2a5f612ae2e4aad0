"""The paper's model families, built with Keras 3, and the layers each condition trains.

Functions
---------
build_model
    ``mlp``, ``cnn`` or ``densenet``, each ending in an observed
    ``Dense(width, relu)`` layer named :data:`OBSERVED_LAYER` and a softmax output.
compile_model
    SGD, learning rate 0.1, no momentum, cross-entropy, as the paper trains.
freeze_all_but_last_two
    Make only the observed layer and the output layer trainable.
observed_activations
    Activations of a named layer for a batch of inputs.
set_penalties
    L1/L2 penalties on the incoming weights of a named layer.
"""

import weakref

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from .config import DENSENET_WEIGHTS, MODELS, OBSERVED_LAYER

__all__ = ["forward", 
    "build_model",
    "compile_model",
    "freeze_all_but_last_two",
    "observed_activations",
    "set_penalties",
    "OBSERVED_LAYER",
    "MODELS",
]



def _keras():
    return soft_import("keras", "building and training networks")


def _densenet_base(input_shape, weights):
    keras = _keras()

    if weights not in DENSENET_WEIGHTS:
        raise ParameterError(f"`densenet_weights`={weights!r}; choose one of {list(DENSENET_WEIGHTS)}.")
    if len(input_shape) != 3 or input_shape[-1] != 3 or min(input_shape[:2]) < 32:
        raise ParameterError(
            f"`densenet` needs colour images of at least 32x32 (the paper: CIFAR-10, "
            f"(32, 32, 3)); the data set's inputs have shape {tuple(input_shape)}."
        )
    try:
        return keras.applications.DenseNet121(
            include_top=False,
            weights="imagenet" if weights == "imagenet" else None,
            input_shape=tuple(input_shape),
        )
    except Exception as error:
        if weights != "imagenet":
            raise
        raise ParameterError(
            "DenseNet121's ImageNet weights could not be loaded "
            f"({type(error).__name__}: {str(error)[:160]}). Keras downloads them to "
            "~/.keras/models/ on first use; with no internet, copy "
            "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5 there, or run the "
            "cell with densenet_weights='random' (recorded in the results; not the paper's set-up)."
        ) from error


def build_model(model, width, input_shape, n_classes=10, seed=0, densenet_weights="imagenet", depth=1,
                dropout=0.0):
    """Build an uncompiled model of the paper's families.

    Parameters
    ----------
    model : {"mlp", "cnn", "densenet"}
        ``mlp``: flatten -> Dense(width, relu) -> Dense(n_classes, softmax).
        ``cnn``: Conv2D(32, 3, relu) -> flatten -> the same head.
        ``densenet``: DenseNet121 without its top -> flatten -> the same head.
    width : int
        Nodes of the observed layer (the paper: 64, 128, 256, 512).
    input_shape : tuple of int
        Shape of one input, e.g. ``(28, 28, 1)``.
    n_classes : int
        Output classes.
    seed : int
        Seed of the initial weights (of the layers not loaded from ImageNet).
    densenet_weights : {"imagenet", "random"}
        DenseNet121's initial weights; the paper uses ImageNet. ``"random"``
        is only for machines that cannot obtain them, and is recorded.
    depth : int
        Hidden ``Dense(width, relu)`` layers after the family's features, the
        observed one last: ``hidden1 .. hidden{depth-1}``, then ``observed``
        (the paper: 1; the model zoo varies it).
    dropout : float
        Rate of a ``Dropout`` layer after every hidden layer (0: none, the
        paper's models, which are then built exactly as before).

    Returns
    -------
    keras.Model
        With layers named ``observed`` and ``output`` (and ``conv`` or
        ``densenet121`` for the deeper families).

    Raises
    ------
    ParameterError
        For an unknown family or a bad width; for DenseNet121, inputs that are
        not colour images of at least 32x32, or ImageNet weights that cannot
        be loaded (the message says how to get them).
    MissingDependencyError
        If Keras is not installed.
    """
    keras = _keras()

    if model not in MODELS:
        raise ParameterError(f"`model`={model!r} is unknown; choose one of {list(MODELS)}.")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ParameterError(f"`width` must be a positive integer; got {width!r}.", "width")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ParameterError(f"`depth` must be a positive integer; got {depth!r}.", "depth")
    if not 0 <= dropout < 1:
        raise ParameterError(f"`dropout` must be in [0, 1); got {dropout!r}.", "dropout")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    features = inputs
    if model == "cnn":
        features = keras.layers.Conv2D(32, 3, activation="relu", name="conv")(features)
    elif model == "densenet":
        base = _densenet_base(input_shape, densenet_weights)
        features = base(features)
    hidden = keras.layers.Flatten(name="flatten")(features)
    for index in range(1, int(depth) + 1):
        name = OBSERVED_LAYER if index == depth else f"hidden{index}"
        hidden = keras.layers.Dense(int(width), activation="relu", name=name)(hidden)
        if dropout:
            hidden = keras.layers.Dropout(float(dropout), seed=seed, name=f"dropout{index}")(hidden)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="output")(hidden)
    return keras.Model(inputs, outputs, name=f"{model}_{width}")


def compile_model(network, learning_rate=0.1):
    """Compile with the paper's optimiser: plain SGD, no momentum, batch size set in ``fit``."""
    keras = _keras()

    network.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return network


def freeze_all_but_last_two(network):
    """Freeze every layer except the observed hidden layer and the output layer.

    Returns the names of the layers left trainable. Recompile afterwards: Keras
    reads ``trainable`` when the model is compiled.
    """
    keep = {OBSERVED_LAYER, "output"}
    for layer in network.layers:
        layer.trainable = layer.name in keep
    return sorted(keep)


def observed_activations(network, inputs, layer=OBSERVED_LAYER, batch_size=1024):
    """Activations ``(n_samples, n_nodes)`` of ``layer`` for ``inputs``.

    Raises
    ------
    ParameterError
        If the model has no layer of that name; the message lists its layers.
    """
    keras = _keras()

    try:
        target = network.get_layer(layer)
    except ValueError:
        names = [lay.name for lay in network.layers]
        raise ParameterError(f"`layer`={layer!r} is not in the model; its layers are {names}.", "layer") from None
    # One sub-model per (network, layer), called batch by batch: no tf.function is traced for it, so calls on
    # arrays of other sizes, or on other networks, trace nothing again (Keras' predict would).
    probes = _PROBES.setdefault(network, {})
    if layer not in probes:
        probes[layer] = keras.Model(network.input, target.output)
    values = forward(probes[layer], inputs, batch_size)
    return values.reshape(len(values), -1)


def forward(model, inputs, batch_size=2048):
    """``model``'s outputs on ``inputs`` in inference mode, batch by batch, as a numpy array.

    A plain call per batch: unlike ``model.predict``, it traces no ``tf.function``, so a few calls on arrays of
    other sizes or on other sub-models cost no retracing (TensorFlow warned of it on every cell).
    """
    parts = [np.asarray(model(inputs[start:start + batch_size], training=False))
             for start in range(0, len(inputs), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0,), dtype=np.float32)


_PROBES = weakref.WeakKeyDictionary()


def set_penalties(network, layer, l1=0.0, l2=0.0, weight_decay=0.0):
    """Put L1 and L2 penalties on the incoming weights (the kernel) of ``layer``,
    and weight decay on every kernel.

    The penalty ``l1 * sum|W| + l2 * sum W^2`` of ``layer`` and
    ``weight_decay * sum W^2`` of every kernel join the training loss (each is
    carried by its weight variable, so it holds for a loaded model too). With
    all at 0 every penalty is removed, as in the paper.

    Raises
    ------
    ParameterError
        If a penalty is asked for on a layer without a kernel.
    """
    keras = _keras()
    for item in network.layers:
        other = getattr(item, "kernel", None)
        if other is not None and item.name != layer:
            other.regularizer = keras.regularizers.L2(float(weight_decay)) if weight_decay else None
    target = network.get_layer(layer)
    kernel = getattr(target, "kernel", None)
    if kernel is None:
        if l1 or l2:
            raise ParameterError(f"`l1`/`l2` penalise the incoming weights of `layer`={layer!r}, which has none "
                                 "(a Dense or Conv2D layer has).", "l1")
        return
    l2 = float(l2) + float(weight_decay)
    kernel.regularizer = keras.regularizers.L1L2(l1=float(l1), l2=l2) if (l1 or l2) else None
