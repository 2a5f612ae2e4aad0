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
keras_network
    A Keras model in memory (a control, or a network rebuilt from ONNX).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._optional import soft_import
from ..exceptions import DataError, ParameterError

__all__ = ["Network", "open_network", "keras_network", "BATCH"]

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
    model : keras.Model or None
        The Keras model (read from the file, or rebuilt from an ONNX graph with fresh weights): what the
        data-matched controls copy. ``None`` where it cannot be had; ``rebuild_note`` then says why.
    optimizer : dict or None
        The optimizer the model file records (``{"class_name", "config"}``), if any.
    """

    def __init__(self, path, kind, layers, input_shape, run, family="MLP", head=None, model=None, optimizer=None,
                 rebuild_note="", skipped=None):
        self.path, self.kind, self.layers, self.input_shape, self._run = path, kind, layers, input_shape, run
        self.family, self.head, self.model, self.optimizer = family, head, model, optimizer
        self.rebuild_note = rebuild_note
        #: Layers with a ReLU-like activation that are not observed, and why (a leaky ReLU, say).
        self.skipped = dict(skipped or {})
        #: The layer of ``model`` that each observed layer is (the same names, but for a network rebuilt from ONNX).
        self.layer_map = {}

    def resolve_units(self, x):
        """Fill in the nodes of layers whose size the file leaves open, from one sample of ``x``."""
        for index, layer in enumerate(self.layers):
            if layer.units is None:
                hidden, _ = self._run(np.asarray(x[:1]), layer)
                self.layers[index] = ReluLayer(layer.name, int(np.prod(np.shape(hidden)[1:])), layer.position)

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
        if name in self.skipped:
            raise ParameterError(f"`layer`={name!r} is {self.skipped[name]}: its outputs below the threshold are not "
                                 f"silent, so they are not spikes; its ReLU layers are "
                                 f"{[layer.name for layer in self.layers]}.", "layer")
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


def _relu_problem(item):
    """Why a Keras layer is not a true ReLU (threshold 0, slope 0 below it), or ``None`` if it is one.

    A layer that is no ReLU at all gives ``"not a ReLU"``; a leaky or shifted ReLU says what it is, because
    its outputs below the threshold are not silent and thresholding them at 0 would not be its spikes.
    """
    if type(item).__name__ == "ReLU":
        slope, threshold = float(getattr(item, "negative_slope", 0) or 0), float(getattr(item, "threshold", 0) or 0)
        if slope or threshold:
            return f"a ReLU with negative_slope={slope:g} and threshold={threshold:g}, not a true ReLU"
        return None
    activation = getattr(getattr(item, "activation", None), "__name__", "")
    if activation == "relu":
        return None
    if activation in ("leaky_relu", "relu6", "elu", "selu", "gelu", "silu") or type(item).__name__ in (
            "LeakyReLU", "PReLU", "ELU"):
        return f"{activation or type(item).__name__}, not a true ReLU"
    return "not a ReLU"


def _keras_network(path):
    import zipfile

    keras = soft_import("keras", "reading a Keras model")
    if path.stat().st_size == 0:
        raise DataError(f"`model` {path.name} is an empty file; give the model file as Keras saved it.")
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise DataError(f"`model` {path.name} is not a .keras archive (Keras saves a zip file there): it is damaged, "
                        "truncated or another kind of file.")
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises several types for a file that is not a model
        text = str(error)
        if "safe_mode" in text or "Lambda" in text or "custom" in text.lower() or "Could not locate" in text:
            raise DataError(f"`model` {path.name} needs code of its own to load (a Lambda layer or custom objects), "
                            "which the compendium refuses: loading it could run anything. Save the model with "
                            "built-in layers only, or export it to ONNX.") from None
        raise DataError(f"`model` {path.name} is not a Keras model that loads: Keras could not rebuild it from the "
                        "file (damaged, or saved by a Keras this one cannot read; --debug shows Keras' error).") \
            from error
    return keras_network(model, path, optimizer=_saved_optimizer(path))


def keras_network(model, path=None, optimizer=None):
    """A :class:`Network` of a Keras model in memory (``path`` names it in messages).

    Raises
    ------
    DataError
        If it has no hidden ReLU layer.
    """
    keras = soft_import("keras", "reading a Keras model")
    path = Path(path or f"{model.name}.keras")
    if len(model.inputs) != 1:
        raise DataError(f"`model` {path.name} takes {len(model.inputs)} inputs; a diagnosis feeds it one array of "
                        "samples, so it observes networks of one input only.")
    problems = {item.name: _relu_problem(item) for item in model.layers[:-1]}
    layers = [ReluLayer(item.name, int(np.prod(item.output.shape[1:])), position)
              for position, item in enumerate(item for item in model.layers[:-1] if problems[item.name] is None)]
    if not layers:
        near = [f"{name} ({why})" for name, why in problems.items() if why != "not a ReLU"]
        raise DataError(f"`model` {path.name} has no hidden ReLU layer (a Dense or Conv layer with activation='relu', "
                        "or a ReLU layer with slope 0) to observe" + (f"; {', '.join(near)}: its outputs below the "
                        "threshold are not silent, so they are not spikes" if near else "") + ".")
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
    skipped = {name: why for name, why in problems.items() if why not in (None, "not a ReLU")}
    return Network(path, "keras", layers, tuple(model.inputs[0].shape[1:]), run, family, head, model=model,
                   optimizer=optimizer, skipped=skipped)


def _saved_optimizer(path):
    """The optimizer config a Keras file was compiled with (``{"class_name", "config"}``), or ``None``."""
    import json
    import zipfile

    try:
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
            optimizer = (config.get("compile_config") or {}).get("optimizer")
        else:
            import h5py

            with h5py.File(path, "r") as handle:
                text = handle.attrs.get("training_config")
            optimizer = json.loads(text).get("optimizer_config") if text else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer, "config": {}}
    if not isinstance(optimizer, dict) or "class_name" not in optimizer:
        return None
    return {"class_name": optimizer["class_name"], "config": dict(optimizer.get("config") or {})}


def _onnx_network(path):
    onnx = soft_import("onnx", "reading an ONNX model")
    runtime = soft_import("onnxruntime", "running an ONNX model")
    if path.stat().st_size == 0:
        raise DataError(f"`model` {path.name} is an empty file; give the model as your framework exported it.")
    try:
        model = onnx.load(str(path), load_external_data=False)
        onnx.checker.check_model(model)
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception as error:  # onnx raises its own types for a corrupt file
        raise DataError(f"`model` {path.name} is not an ONNX model that loads: the file is damaged, truncated or "
                        "another kind of file (--debug shows onnx's error).") from error
    if any(item.data_location == onnx.TensorProto.EXTERNAL for item in model.graph.initializer):
        raise DataError(f"`model` {path.name} keeps its weights in external files, which the compendium does not "
                        "follow; export the model with its weights inside the .onnx file.")
    weights = {item.name for item in model.graph.initializer}
    inputs = [item for item in model.graph.input if item.name not in weights]
    if len(inputs) != 1:
        raise DataError(f"`model` {path.name} takes {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); a "
                        "diagnosis feeds it one array of samples, so it observes networks of one input only.")
    shapes = {info.name: info for info in [*inferred.graph.value_info, *inferred.graph.output]}
    relus = [node for node in model.graph.node if node.op_type == "Relu"]
    if not relus:
        leaky = sorted({node.op_type for node in model.graph.node if "Relu" in node.op_type or node.op_type in
                        ("Elu", "Selu", "Gelu", "PRelu")})
        raise DataError(f"`model` {path.name} has no Relu node to observe" + (
            f" ({', '.join(leaky)} are not true ReLUs: their outputs below 0 are not silent)" if leaky else "") + ".")
    layers = []
    for position, node in enumerate(relus):
        info = shapes.get(node.output[0])
        dims = [d.dim_value if d.HasField("dim_value") else 0 for d in info.type.tensor_type.shape.dim[1:]] \
            if info is not None else []
        units = int(np.prod(dims)) if dims and all(dims) else None  # left open by the graph: read from the data
        layers.append(ReluLayer(node.output[0], units, position))
        if node.output[0] not in [o.name for o in model.graph.output]:
            model.graph.output.append(onnx.helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, None))
    try:
        session = runtime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's own error types
        raise DataError(f"`model` {path.name}: onnxruntime cannot run it with its ReLU outputs exposed (an operator "
                        "it does not know, or a graph it cannot plan; --debug shows its error).") from error
    source = session.get_inputs()[0]
    output_name = model.graph.output[0].name
    shape = tuple(d if isinstance(d, int) else None for d in source.shape[1:])

    def run(x, layer):
        hidden, output = session.run([layer.name, output_name], {source.name: np.asarray(x, dtype=np.float32)})
        return hidden, output

    family = "CNN" if any(node.op_type == "Conv" for node in model.graph.node) else "MLP"
    known = layers[-1] if layers[-1].units is not None else None
    keras_model, layer_map, note = _keras_from_onnx(model, relus, shape)
    network = Network(path, "onnx", layers, shape, run, family, _onnx_head(model, known) if known else None,
                      model=keras_model, rebuild_note=note)
    network.layer_map = layer_map
    return network


#: The ONNX operators :func:`_keras_from_onnx` rebuilds as Keras layers (with fresh weights, for the controls).
ONNX_REBUILDS = ("Flatten", "Reshape", "Gemm", "MatMul", "Add", "Relu", "Conv", "MaxPool", "Softmax", "Identity",
                 "Dropout")


def _keras_from_onnx(model, relus, input_shape):
    """The ONNX graph's architecture as a Keras model with fresh weights, for the controls.

    Only a chain of dense and convolutional layers is rebuilt (the operators in :data:`ONNX_REBUILDS`); a
    convolution on channels-first inputs is rebuilt on the inputs moved to channels last, which changes nothing a
    re-initialized network learns. Returns ``(model, layer_map, note)``: the model or ``None``, the Keras layer of
    each Relu output, and why it could not be rebuilt.
    """
    from onnx import numpy_helper

    others = sorted({node.op_type for node in model.graph.node} - set(ONNX_REBUILDS))
    if others:
        return None, {}, (f"the ONNX graph holds {', '.join(others)}, which the compendium does not rebuild in "
                          "Keras, so no controls can be trained on your samples")
    if any(d is None for d in input_shape):
        return None, {}, "the ONNX graph leaves its input's size open, so its architecture cannot be rebuilt"
    keras = soft_import("keras", "rebuilding an ONNX network in Keras")
    weights = {item.name: numpy_helper.to_array(item) for item in model.graph.initializer}
    inputs = keras.Input(input_shape)
    tensor, channels_first = inputs, len(input_shape) == 3
    names = {relu.output[0]: f"relu{i}" for i, relu in enumerate(relus)}
    try:
        for node in model.graph.node:
            op = node.op_type
            attributes = {a.name: a for a in node.attribute}
            if op in ("Flatten", "Reshape"):
                tensor = keras.layers.Flatten()(tensor)
            elif op in ("Gemm", "MatMul"):
                kernel = weights[node.input[1]]
                transposed = op == "Gemm" and "transB" in attributes and attributes["transB"].i
                units = kernel.shape[0] if transposed else kernel.shape[1]
                if len(tensor.shape) > 2:
                    tensor = keras.layers.Flatten()(tensor)
                tensor = keras.layers.Dense(int(units))(tensor)  # a MatMul's bias is the Add after it
            elif op == "Add":
                if not any(name in weights for name in node.input):
                    raise ValueError("an Add of two computed tensors, a residual connection")
            elif op == "Relu":
                tensor = keras.layers.ReLU(name=names[node.output[0]])(tensor)
            elif op == "Conv":
                kernel = weights[node.input[1]]
                if channels_first and tensor is inputs:
                    tensor = keras.layers.Permute((2, 3, 1))(tensor)
                strides = tuple(attributes["strides"].ints) if "strides" in attributes else (1, 1)
                pads = tuple(attributes["pads"].ints) if "pads" in attributes else (0, 0, 0, 0)
                padding = "valid" if not any(pads) else "same"
                tensor = keras.layers.Conv2D(int(kernel.shape[0]), tuple(kernel.shape[2:]), strides=strides,
                                             padding=padding)(tensor)
            elif op == "MaxPool":
                size = tuple(attributes["kernel_shape"].ints)
                strides = tuple(attributes["strides"].ints) if "strides" in attributes else size
                tensor = keras.layers.MaxPooling2D(size, strides)(tensor)
            elif op == "Softmax":
                tensor = keras.layers.Activation("softmax")(tensor)
        rebuilt = keras.Model(inputs, tensor)
    except (KeyError, ValueError, IndexError) as error:
        return None, {}, f"the ONNX graph could not be rebuilt in Keras ({error})"
    return rebuilt, names, ""


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
