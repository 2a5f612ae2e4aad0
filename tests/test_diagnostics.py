"""Rival diagnostics on cases with known answers."""

import numpy as np
import pytest

import spikelib as sl
from spikelib.exceptions import ParameterError
from spikelib.experiment.diagnostics import ablation_curve, perturbation_sharpness, weight_norms


def test_ablation_endpoints_and_a_single_direction():
    rng = np.random.default_rng(0)
    activations = rng.random((400, 10)).astype(np.float32)
    labels = rng.integers(0, 3, 400)
    weights = rng.normal(size=(10, 3))
    bias = np.array([0.0, 0.3, -0.2])
    head = lambda a: a @ weights + bias  # noqa: E731
    accuracy, area = ablation_curve(activations, head, labels, n_orders=3)
    assert accuracy[0] == pytest.approx(np.mean(np.argmax(head(activations), 1) == labels))
    assert accuracy[-1] == pytest.approx(np.mean(labels == np.argmax(bias)))  # nothing left but the bias
    # A network that reads one node only: the curve falls as soon as that node is gone.
    single = np.zeros((10, 2))
    single[0] = [1.0, -1.0]
    signs = (activations[:, 0] > 0.5).astype(int)
    labels = 1 - signs
    curve, one = ablation_curve(activations, lambda a: a @ single + [0.0, 0.5], labels, n_orders=50)
    redundant = np.tile([[1.0, -1.0]], (10, 1)) / 10
    curve_redundant, many = ablation_curve(activations, lambda a: a @ redundant + [0.0, 0.05], labels, n_orders=50)
    assert one < many


@pytest.mark.parametrize("sigma", [0.01, 0.1])
def test_sharpness_of_a_quadratic(sigma):
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(50, 20)), rng.normal(size=20)]
    curvature = [rng.uniform(0.5, 2.0, size=w.shape) for w in weights]

    def loss(ws):
        return 0.5 * sum(float(np.sum(a * w**2)) for a, w in zip(curvature, ws))

    expected = 0.5 * sigma**2 * sum(float(np.sum(a * w**2)) for a, w in zip(curvature, weights))
    got = perturbation_sharpness(loss, weights, sigma=sigma, n_draws=200, seed=2)
    assert got == pytest.approx(expected, rel=0.02)


def test_weight_norms_against_numpy():
    rng = np.random.default_rng(3)
    kernels = {"a": rng.normal(size=(20, 5)), "b": rng.normal(size=5)}
    initial = {k: v + rng.normal(size=v.shape) * 0.1 for k, v in kernels.items()}
    norms = weight_norms(kernels, initial, observed="a")
    assert norms["spectral_observed"] == pytest.approx(np.linalg.svd(kernels["a"], compute_uv=False)[0])
    assert norms["frobenius_observed"] == pytest.approx(np.linalg.norm(kernels["a"]))
    flat = np.concatenate([v.ravel() for v in kernels.values()])
    assert norms["frobenius_all"] == pytest.approx(np.linalg.norm(flat))
    delta = np.concatenate([(kernels[k] - initial[k]).ravel() for k in kernels])
    assert norms["distance_from_init"] == pytest.approx(np.linalg.norm(delta))
    assert weight_norms(kernels, kernels)["distance_from_init"] == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: ablation_curve(np.ones((3, 2)), None, np.zeros(3), fractions=(0.1, 1.0)), "rise from 0 to 1"),
    (lambda: ablation_curve(np.ones((3, 2)), None, np.zeros(4)), "agree on the number of samples"),
    (lambda: perturbation_sharpness(lambda w: 0.0, [np.ones(2)], sigma=0), "`sigma` must be positive"),
    (lambda: weight_norms({"a": np.ones((2, 2))}, {"b": np.ones((2, 2))}), "names and shapes"),
])
def test_bad_input(call, message):
    with pytest.raises(sl.ParameterError, match=message):
        call()


@pytest.mark.slow
def test_weightwatcher_on_a_keras_network():
    from spikelib.experiment.diagnostics import weightwatcher_metrics
    from spikelib.experiment.models import build_model

    wide = weightwatcher_metrics(build_model("mlp", 128, (8, 8, 1)), "observed")
    assert wide["ww_status"] == "ok" and wide["alpha"] > 0 and wide["stable_rank"] > 1
    narrow = weightwatcher_metrics(build_model("mlp", 4, (8, 8, 1)), "observed")  # 4 eigenvalues < min_evals 8
    assert narrow["ww_status"] != "ok" and np.isnan(narrow["alpha"])


def test_margins_against_a_brute_force_distance_to_the_boundary():
    from spikelib.experiment.diagnostics import margins

    rng = np.random.default_rng(0)
    hidden, kernel, bias = rng.normal(size=(40, 6)), rng.normal(size=(6, 4)), rng.normal(size=4)
    labels = rng.integers(0, 4, 40)
    output, distance = margins(hidden, kernel, bias, labels)
    logits = hidden @ kernel + bias
    for i in range(40):
        others = [j for j in range(4) if j != labels[i]]
        assert output[i] == pytest.approx(logits[i, labels[i]] - logits[i, others].max())
        # The nearest boundary z_y = z_j is a hyperplane in the hidden space; its distance by projection.
        expected = min((logits[i, labels[i]] - logits[i, j]) / np.linalg.norm(kernel[:, labels[i]] - kernel[:, j])
                       for j in others)
        assert distance[i] == pytest.approx(expected)
        # Moving that far along the boundary's normal lands on it: the two logits tie there.
        nearest = min(others, key=lambda j: (logits[i, labels[i]] - logits[i, j])
                      / np.linalg.norm(kernel[:, labels[i]] - kernel[:, j]))
        normal = kernel[:, labels[i]] - kernel[:, nearest]
        moved = (hidden[i] - distance[i] * normal / np.linalg.norm(normal)) @ kernel + bias
        assert moved[labels[i]] == pytest.approx(moved[nearest])
        assert (distance[i] > 0) == (output[i] > 0)
    with pytest.raises(ParameterError, match="must"):
        margins(hidden[:, :5], kernel, bias, labels)


def test_mixup_davies_bouldin_equals_scikit_learn_on_the_mixed_samples():
    from sklearn.metrics import davies_bouldin_score

    from spikelib.experiment.diagnostics import mixup_davies_bouldin

    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 1, (30, 3)), rng.normal(4, 1, (30, 3))]
    labels = np.r_[np.zeros(30, int), np.ones(30, int)]
    value = mixup_davies_bouldin(lambda v: v * 2, x, labels, per_class=10, seed=5)
    draw = np.random.default_rng(5)
    mixed, classes = [], []
    for label in (0, 1):
        members = np.flatnonzero(labels == label)
        a, b = draw.choice(members, 10), draw.choice(members, 10)
        mixed.append((x[a] + x[b]) / 2 * 2)
        classes.append(np.full(10, label))
    assert value == pytest.approx(davies_bouldin_score(np.concatenate(mixed), np.concatenate(classes)))
    assert np.isnan(mixup_davies_bouldin(lambda v: v, x[:30], labels[:30]))
