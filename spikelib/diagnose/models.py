"""A researcher's own network: a Keras or ONNX file, its ReLU layers, and a layer's activations in batches.

Keras files (``.keras``, ``.h5``) load with ``safe_mode=True``: a model that
needs code to load (a Lambda layer, custom objects) is refused, saying so. An
ONNX file (a PyTorch export, say) is run with ``onnxruntime``; the chosen ReLU's
output is added to the graph's outputs, which is how an intermediate tensor of
an ONNX graph is read.

Classes
-------
Network
    What :func:`open_network` returns: the ReLU layers, and batches of a layer's activations and of the outputs.

Functions
---------
open_network
    A Keras or ONNX file, checked.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._optional import soft_import
from ..exceptions import DataError, ParameterError

__all__ = ["Network", "open_network", "BATCH"]

#: Samples per forward pass: the activations of one batch are all that is held at once.
BATCH = 2048


@dataclass(frozen=True)
class ReluLayer:
    """A ReLU layer a network could be observed at: its name, its nodes, and where it sits (0 = first)."""

    name: str
    units: int
    position: int


class Network:
    """A trained network read from a file.

    Attributes
    ----------
    path : pathlib.Path
    kind : {"keras", "onnx"}
    layers : list of ReluLayer
        Its ReLU layers in order; the last is the default observed layer.
    input_shape : tuple
        The shape of one input sample.
    family : {"MLP", "CNN"}
        Whether it convolves (the reference networks it is compared with).
    head : tuple or None
        ``(kernel, bias)`` of a dense output layer read straight from the last ReLU layer, if the file has one:
        the hidden-layer margin needs it. :func:`spikelib.diagnose.measure.record` checks it against the
        network's outputs before using it.
    """

    def __init__(self, path, kind, layers, input_shape, run, family="MLP", head=None):
        self.path, self.kind, self.layers, self.input_shape, self._run = path, kind, layers, input_shape, run
        self.family, self.head = family, head

    def layer(self, name=None):
        """The observed layer: ``name``, or by default the last ReLU layer.

        Raises
        ------
        ParameterError
            Naming the layers there are, if ``name`` is not one of them.
        """
        if name is None:
            return self.layers[-1]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ParameterError(f"`layer`={name!r} is not a ReLU layer of {self.path.name}; its ReLU layers are "
                             f"{[layer.name for layer in self.layers]} (--list-layers shows them with their sizes).",
                             "layer")

    def batches(self, x, layer, batch=BATCH):
        """For each batch of ``x``: ``(activations of the layer, the network's outputs)``, flattened per sample."""
        for start in range(0, len(x), batch):
            hidden, output = self._run(x[start:start + batch], layer)
            yield hidden.reshape(len(hidden), -1), output.reshape(len(output), -1)


def open_network(path):
    """Read a network from a Keras (``.keras``, ``.h5``) or ONNX (``.onnx``) file.

    Raises
    ------
    DataError
        If the file is missing or corrupt, needs code to load (custom objects, a Lambda layer: refused by
        Keras' safe mode), has no ReLU layer, or (ONNX) its ReLU cannot be exposed as an output.
    ParameterError
        If the file is of another kind.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No model file at {path}; give a .keras, .h5 or .onnx file.")
    suffix = path.suffix.lower()
    if suffix in (".keras", ".h5"):
        return _keras_network(path)
    if suffix == ".onnx":
        return _onnx_network(path)
    raise ParameterError(f"`model` {path.name} is not a Keras (.keras, .h5) or ONNX (.onnx) file.", "model")


def _is_relu(item):
    activation = getattr(item, "activation", None)
    name = getattr(activation, "__name__", "")
    return name == "relu" or type(item).__name__ == "ReLU"


def _keras_network(path):
    keras = soft_import("keras", "reading a Keras model")
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except (TypeError, ValueError) as error:
        text = str(error)
        if "safe_mode" in text or "Lambda" in text or "custom" in text.lower() or "Could not locate" in text:
            raise DataError(f"{path.name} needs code of its own to load (a Lambda layer or custom objects), which "
                            "safe mode refuses: it could run anything. Save the model with built-in layers only, "
                            f"or export it to ONNX. ({text.splitlines()[0][:200]})") from None
        raise DataError(f"{path.name} is not a Keras model that loads ({type(error).__name__}: {text[:200]}).") \
            from None
    except Exception as error:  # Keras raises several types for a file that is not a model
        raise DataError(f"{path.name} is not a Keras model that loads ({type(error).__name__}: "
                        f"{str(error)[:200]}).") from None
    layers = [ReluLayer(item.name, int(np.prod(item.output.shape[1:])), position)
              for position, item in enumerate(item for item in model.layers[:-1] if _is_relu(item))]
    if not layers:
        raise DataError(f"{path.name} has no hidden ReLU layer (a Dense or Conv layer with activation='relu', or a "
                        "ReLU layer) to observe.")
    probes = {}

    def run(x, layer):
        if layer.name not in probes:
            probes[layer.name] = keras.Model(model.inputs, [model.get_layer(layer.name).output, model.outputs[0]])
        hidden, output = probes[layer.name]([x], training=False)  # the structure model.inputs has
        return np.asarray(hidden), np.asarray(output)

    family = "CNN" if any("Conv" in type(item).__name__ for item in model.layers) else "MLP"
    last = model.layers[-1]
    head = None
    if type(last).__name__ == "Dense" and len(last.get_weights()) == 2:
        kernel, bias = (np.asarray(w, dtype=np.float64) for w in last.get_weights())
        head = (kernel, bias) if kernel.shape[0] == layers[-1].units else None
    return Network(path, "keras", layers, tuple(model.inputs[0].shape[1:]), run, family, head)


def _onnx_network(path):
    onnx = soft_import("onnx", "reading an ONNX model")
    runtime = soft_import("onnxruntime", "running an ONNX model")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception as error:  # onnx raises its own types for a corrupt file
        raise DataError(f"{path.name} is not an ONNX model that loads ({type(error).__name__}: "
                        f"{str(error)[:200]}).") from None
    shapes = {info.name: info for info in [*inferred.graph.value_info, *inferred.graph.output]}
    relus = [node for node in model.graph.node if node.op_type == "Relu"]
    if not relus:
        raise DataError(f"{path.name} has no Relu node to observe.")
    layers = []
    for position, node in enumerate(relus):
        info = shapes.get(node.output[0])
        dims = [d.dim_value for d in info.type.tensor_type.shape.dim[1:]] if info is not None else []
        if not dims or not all(dims):
            raise DataError(f"{path.name}: the size of Relu output {node.output[0]!r} is not known from the graph, so "
                            "it cannot be exposed; export the model with fixed feature sizes.")
        layers.append(ReluLayer(node.output[0], int(np.prod(dims)), position))
    for layer in layers:
        if layer.name not in [o.name for o in model.graph.output]:
            model.graph.output.append(shapes[layer.name])
    try:
        session = runtime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's own error types
        raise DataError(f"{path.name}: onnxruntime cannot run it with its ReLU outputs exposed "
                        f"({type(error).__name__}: {str(error)[:200]}).") from None
    source = session.get_inputs()[0]
    output_name = model.graph.output[0].name
    shape = tuple(d if isinstance(d, int) else None for d in source.shape[1:])

    def run(x, layer):
        hidden, output = session.run([layer.name, output_name], {source.name: np.asarray(x, dtype=np.float32)})
        return hidden, output

    family = "CNN" if any(node.op_type == "Conv" for node in model.graph.node) else "MLP"
    return Network(path, "onnx", layers, shape, run, family, _onnx_head(model, layers[-1]))


def _onnx_head(model, layer):
    """``(kernel, bias)`` of a MatMul (+ Add) or Gemm reading the last Relu's output, from the initializers."""
    from onnx import numpy_helper

    weights = {item.name: numpy_helper.to_array(item).astype(np.float64) for item in model.graph.initializer}
    consumers = [node for node in model.graph.node if layer.name in node.input]
    if len(consumers) != 1:
        return None
    node = consumers[0]
    if node.op_type == "Gemm" and node.input[1] in weights:
        kernel = weights[node.input[1]]
        if any(a.name == "transB" and a.i for a in node.attribute):
            kernel = kernel.T
        bias = weights.get(node.input[2]) if len(node.input) > 2 else np.zeros(kernel.shape[1])
    elif node.op_type == "MatMul" and node.input[1] in weights:
        kernel = weights[node.input[1]]
        adds = [n for n in model.graph.node if n.op_type == "Add" and node.output[0] in n.input]
        other = [name for n in adds for name in n.input if name != node.output[0]]
        bias = weights.get(other[0]) if other else np.zeros(kernel.shape[1])
    else:
        return None
    if bias is None or kernel.ndim != 2 or kernel.shape[0] != layer.units or bias.shape != (kernel.shape[1],):
        return None
    return kernel, bias
