"""Stacked training against training each network alone with the compendium's Trainer."""

import numpy as np
import pytest

from spikelib.exceptions import ParameterError
from spikelib.experiment.data import load_dataset
from spikelib.experiment.models import build_model, set_penalties
from spikelib.experiment.stacked import StackedMLP
from spikelib.experiment.training import Trainer, epoch_order, noisy_labels

pytestmark = pytest.mark.slow

SEEDS, RATES, DECAYS = (0, 1, 2), (0.1, 0.05, 0.2), (0.0, 1e-3, 0.0)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.parametrize("depth", [1, 2])
def test_stacked_training_equals_training_each_network_alone(digits, depth):
    labels = [digits.y_train, noisy_labels(digits.y_train, 0.5, 1)[0], digits.y_train]
    alone = []
    for seed, rate, decay, y in zip(SEEDS, RATES, DECAYS, labels):
        network = build_model("mlp", 16, digits.input_shape, seed=seed, depth=depth)
        set_penalties(network, "observed", weight_decay=decay)
        trainer = Trainer(network, digits.x_train, 0.1, 64, rate, "observed")
        trainer.set_labels(y)
        history = [trainer.train_epoch(epoch_order(seed, 0, epoch, trainer.n_fit))[:2] for epoch in range(1, 4)]
        alone.append((network.get_weights(), history))
    networks = [build_model("mlp", 16, digits.input_shape, seed=seed, depth=depth) for seed in SEEDS]
    stack = StackedMLP(networks, digits.x_train, np.stack(labels), 0.1, 64, RATES, DECAYS)
    for epoch in range(1, 4):
        loss, accuracy = stack.train_epoch(np.stack([epoch_order(s, 0, epoch, stack.n_fit) for s in SEEDS]))
        for k, (_, history) in enumerate(alone):
            assert loss[k] == pytest.approx(history[epoch - 1][0], abs=1e-5)
            assert accuracy[k] == pytest.approx(history[epoch - 1][1], abs=1e-6)  # the same correct count
    for k, (weights, _) in enumerate(alone):
        for stacked, single in zip(stack.weights(k), weights):
            np.testing.assert_allclose(stacked, single, atol=1e-5)
    back = stack.assign_back()
    np.testing.assert_allclose(back[1].get_weights()[0], alone[1][0][0], atol=1e-5)


def test_stacked_refuses_networks_it_cannot_stack(digits):
    shapes = [build_model("mlp", 8, digits.input_shape), build_model("mlp", 16, digits.input_shape)]
    with pytest.raises(ParameterError, match="one shape"):
        StackedMLP(shapes, digits.x_train, digits.y_train, 0.1, 64, 0.1)
    with pytest.raises(ParameterError, match="Dense layers only"):
        StackedMLP([build_model("mlp", 8, digits.input_shape, dropout=0.2)], digits.x_train, digits.y_train, 0.1,
                   64, 0.1)
    with pytest.raises(ParameterError, match="one value per network"):
        StackedMLP([build_model("mlp", 8, digits.input_shape)] * 2, digits.x_train, digits.y_train, 0.1, 64,
                   [0.1, 0.1, 0.1])
