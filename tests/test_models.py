"""Model families, the observed layer, freezing, and DenseNet's weights."""

import numpy as np
import pytest

import spikelib as sl
from spikelib.exceptions import ParameterError
from spikelib.experiment.models import OBSERVED_LAYER, build_model, freeze_all_but_last_two, observed_activations


@pytest.mark.parametrize("family, expected", [
    ("mlp", ["input", "flatten", "observed", "output"]),
    ("cnn", ["input", "conv", "flatten", "observed", "output"]),
])
def test_layers(family, expected):
    network = build_model(family, 64, (8, 8, 1))
    assert [layer.name for layer in network.layers] == expected
    assert network.get_layer(OBSERVED_LAYER).units == 64
    assert network.get_layer(OBSERVED_LAYER).activation.__name__ == "relu"
    assert network.get_layer("output").units == 10
    if family == "cnn":
        conv = network.get_layer("conv")
        assert conv.filters == 32 and conv.kernel_size == (3, 3)


def test_same_seed_same_weights():
    a, b = build_model("mlp", 16, (8, 8, 1), seed=3), build_model("mlp", 16, (8, 8, 1), seed=3)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("width", [0, -3, 2.5, True])
def test_bad_width(width):
    with pytest.raises(sl.ParameterError, match="`width`"):
        build_model("mlp", width, (8, 8, 1))


def test_unknown_model():
    with pytest.raises(sl.ParameterError, match="`model`='resnet'"):
        build_model("resnet", 8, (8, 8, 1))


def test_freezing_keeps_only_the_last_two_trainable():
    network = build_model("cnn", 8, (8, 8, 1))
    assert freeze_all_but_last_two(network) == ["observed", "output"]
    assert {l.name: l.trainable for l in network.layers if l.weights} == {
        "conv": False, "observed": True, "output": True}


def test_observed_activations_and_unknown_layer():
    network = build_model("mlp", 8, (8, 8, 1))
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    activations = observed_activations(network, x)
    assert activations.shape == (5, 8) and (activations >= 0).all()
    with pytest.raises(sl.ParameterError, match="'nope' is not in the model; its layers are"):
        observed_activations(network, x, layer="nope")


@pytest.mark.slow
def test_densenet_with_random_weights():
    network = build_model("densenet", 16, (32, 32, 3), densenet_weights="random")
    assert [layer.name for layer in network.layers] == ["input", "densenet121", "flatten", "observed", "output"]
    freeze_all_but_last_two(network)
    assert not network.get_layer("densenet121").trainable


def test_densenet_without_imagenet_weights_fails_clearly(monkeypatch):
    import keras

    def offline(**kwargs):
        assert kwargs["weights"] == "imagenet"
        raise Exception("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.applications, "DenseNet121", offline)
    with pytest.raises(sl.ParameterError, match="ImageNet weights could not be loaded.*densenet_weights='random'"):
        build_model("densenet", 16, (32, 32, 3))


@pytest.mark.parametrize("shape", [(28, 28, 1), (16, 16, 3)])
def test_densenet_needs_colour_32(shape):
    with pytest.raises(sl.ParameterError, match="at least 32x32"):
        build_model("densenet", 16, shape, densenet_weights="random")


def test_layer_indicators_cover_every_hidden_relu_layer_of_a_cnn():
    """The depth view against an independent read-out: a Keras sub-model ending at each layer."""
    import keras

    from spikelib.experiment.analysis import layer_indicators
    from spikelib.rates import firing_rate

    network = build_model("cnn", 8, (8, 8, 1), seed=1)
    inputs = np.random.default_rng(0).random((60, 8, 8, 1)).astype("float32")
    depth = layer_indicators(network, inputs, window=10)
    assert list(depth) == ["conv", OBSERVED_LAYER]  # flatten and the softmax output are not ReLU layers
    conv = keras.Model(network.inputs, network.get_layer("conv").output).predict(inputs, verbose=0)
    assert depth["conv"]["n_nodes"] == 6 * 6 * 32  # each channel at each position is a node
    spikes = (conv.reshape(len(inputs), -1).T > 0).astype(np.uint8)
    assert depth["conv"]["mfr"] == pytest.approx(firing_rate(spikes).mean())
    assert depth["conv"]["share_rare_5"] == pytest.approx(np.mean(firing_rate(spikes) < 0.05))
    assert depth[OBSERVED_LAYER]["n_nodes"] == 8


def test_depth_and_dropout_build_the_zoo_models_and_leave_the_paper_models_as_they_were():
    plain = build_model("mlp", 16, (8, 8, 1), seed=3)
    again = build_model("mlp", 16, (8, 8, 1), seed=3, depth=1, dropout=0.0)
    assert [layer.name for layer in again.layers] == [layer.name for layer in plain.layers]
    assert all(np.array_equal(a, b) for a, b in zip(plain.get_weights(), again.get_weights()))
    deep = build_model("mlp", 16, (8, 8, 1), depth=3, dropout=0.2)
    names = [layer.name for layer in deep.layers]
    assert names == ["input", "flatten", "hidden1", "dropout1", "hidden2", "dropout2", "observed", "dropout3", "output"]
    with pytest.raises(ParameterError, match="depth"):
        build_model("mlp", 16, (8, 8, 1), depth=0)
    with pytest.raises(ParameterError, match="dropout"):
        build_model("mlp", 16, (8, 8, 1), dropout=1.0)


def test_weight_decay_penalises_every_kernel():
    from spikelib.experiment.models import set_penalties

    network = build_model("mlp", 8, (8, 8, 1), depth=2)
    set_penalties(network, "observed", weight_decay=1e-2)
    network(np.zeros((1, 8, 8, 1), "float32"))
    kernels = [layer.kernel for layer in network.layers if getattr(layer, "kernel", None) is not None]
    expected = 1e-2 * sum(float(np.sum(np.square(k))) for k in kernels)
    assert float(sum(float(loss) for loss in network.losses)) == pytest.approx(expected, rel=1e-5)
