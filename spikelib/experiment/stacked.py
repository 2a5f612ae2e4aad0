"""Many same-shape MLPs trained as one compiled graph, each exactly as if trained alone.

A model zoo holds many networks of one shape that differ in their seed,
learning rate or weight decay. Trained one after another, each small network
leaves most of a CPU's arithmetic unused; stacked along a leading "network"
axis, one batched matrix product per layer trains them all at once.

Each network keeps its own initial weights (its Keras model's), its own
per-epoch sample order, labels, learning rate and weight decay, and its own
loss: the gradient of the sum of the networks' losses with respect to one
network's weights is that network's gradient alone, so plain SGD on the stack
takes, network by network, the steps :class:`~spikelib.experiment.training.Trainer`
takes (the tests check the weights agree to 1e-5 after several epochs).

Whether stacking pays depends on how much of the machine one network leaves
idle: ``make bench`` times 16 MLP-128s both ways. On 2 CPU cores the compiled
single-network loop already keeps the matrix units busy, so stacking gained
nothing there; on a GPU, where one small network uses a sliver of the device,
it is where the speed-up lies.

Classes
-------
StackedMLP
    The stacked weights, the compiled step and epoch, and the way back into Keras models.
"""

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from .probes import traced_per_model

__all__ = ["StackedMLP"]


def _dense_layers(network):
    layers = [item for item in network.layers if getattr(item, "kernel", None) is not None]
    kinds = {type(item).__name__ for item in network.layers} - {"InputLayer", "Flatten", "Dense"}
    if kinds:
        raise ParameterError(f"StackedMLP stacks MLPs of Dense layers only; {network.name} also has {sorted(kinds)} "
                             "layers (dropout and convolutions train one network at a time).", "networks")
    return layers


class StackedMLP:
    """Train ``k`` MLPs of one shape as one compiled graph.

    Parameters
    ----------
    networks : list of keras.Model
        MLPs of Dense layers (``build_model("mlp", ..., dropout=0)``), all of
        one shape; their current weights are the starting point.
    x_train : numpy.ndarray
        All training inputs; the last ``validation_split`` of them validate (as Keras does).
    labels : numpy.ndarray of int, shape (k, n) or (n,)
        Each network's training labels (one row for all).
    validation_split, batch_size : float, int
        As :class:`~spikelib.experiment.training.Trainer`.
    learning_rates, weight_decays : array_like of float, shape (k,) or scalar
        Each network's SGD learning rate and L2 penalty on every kernel.
    jit : bool
        Compile the step with XLA (on this CPU it was faster than TensorFlow's
        batched matrix product without it).

    Raises
    ------
    ParameterError
        For networks that are not MLPs of one shape, or per-network values of the wrong length.

    Examples
    --------
    >>> from spikelib.experiment.models import build_model
    >>> from spikelib.experiment.data import load_dataset
    >>> data = load_dataset("digits")
    >>> nets = [build_model("mlp", 8, data.input_shape, seed=s) for s in (0, 1)]
    >>> stack = StackedMLP(nets, data.x_train, data.y_train, 0.1, 256, [0.1, 0.05])
    >>> orders = np.stack([np.arange(stack.n_fit)] * 2)
    >>> loss, accuracy = stack.train_epoch(orders)
    >>> loss.shape, accuracy.shape
    ((2,), (2,))
    """

    def __init__(self, networks, x_train, labels, validation_split, batch_size, learning_rates, weight_decays=0.0,
                 jit=True):
        tf = self.tf = soft_import("tensorflow", "training stacked networks")
        if not networks:
            raise ParameterError("`networks` is empty; give at least one MLP.", "networks")
        self.networks = list(networks)
        k = len(self.networks)
        layers = [_dense_layers(network) for network in self.networks]
        shapes = [[tuple(item.kernel.shape) for item in stack] for stack in layers]
        if any(shape != shapes[0] for shape in shapes):
            raise ParameterError(f"`networks` must share one shape; got kernel shapes {sorted(set(map(str, shapes)))}.",
                                 "networks")
        self.activations = [item.activation for item in layers[0]]
        self.kernels = [tf.Variable(np.stack([np.asarray(stack[i].kernel) for stack in layers]))
                        for i in range(len(layers[0]))]
        self.biases = [tf.Variable(np.stack([np.asarray(stack[i].bias) for stack in layers]))
                       for i in range(len(layers[0]))]
        self.learning_rates = self._per_network(learning_rates, "learning_rates", k)
        self.weight_decays = self._per_network(weight_decays, "weight_decays", k)
        x = np.asarray(x_train, dtype=np.float32).reshape(len(x_train), -1)
        labels = np.broadcast_to(np.asarray(labels, dtype=np.int64), (k, len(x)))
        n_validation = int(len(x) * validation_split)
        self.n_fit = len(x) - n_validation
        self.batch_size = int(batch_size)
        self.x_fit = tf.constant(x[: self.n_fit])
        self.y_fit = tf.constant(labels[:, : self.n_fit])
        self._step = tf.function(traced_per_model(self._step_function), jit_compile=jit)
        self._epoch = tf.function(traced_per_model(self._epoch_function), jit_compile=jit)

    @staticmethod
    def _per_network(values, name, k):
        values = np.broadcast_to(np.asarray(values, dtype=np.float32), (k,)) if np.ndim(values) == 0 else \
            np.asarray(values, dtype=np.float32)
        if values.shape != (k,):
            raise ParameterError(f"`{name}` must hold one value per network ({k}); got shape {values.shape}.", name)
        return values

    def _forward(self, inputs):
        tf = self.tf
        values = inputs
        for i, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            values = tf.einsum("kbi,kio->kbo", values, kernel) + bias[:, None, :]
            if i < len(self.kernels) - 1:
                values = self.activations[i](values)
        return values  # logits: the softmax output's cross-entropy is taken from them, as Keras does

    def _step_function(self, index):
        """One SGD step of every network on its own batch ``index`` (k, batch)."""
        tf = self.tf
        inputs = tf.gather(self.x_fit, index)
        labels = tf.gather(self.y_fit, index, batch_dims=1)
        variables = [*self.kernels, *self.biases]
        with tf.GradientTape() as tape:
            logits = self._forward(inputs)
            flat = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.reshape(labels, (-1,)), logits=tf.reshape(logits, (-1, tf.shape(logits)[-1])))
            losses = tf.reduce_mean(tf.reshape(flat, tf.shape(labels)), axis=1)
            penalty = tf.add_n([tf.reduce_sum(tf.square(kernel), axis=[1, 2]) for kernel in self.kernels])
            total = losses + self.weight_decays * penalty
            summed = tf.reduce_sum(total)  # inside the tape: the gradient is taken of it
        gradients = tape.gradient(summed, variables)
        for variable, gradient in zip(variables, gradients):
            rate = tf.reshape(self.learning_rates, (-1,) + (1,) * (len(variable.shape) - 1))
            variable.assign_sub(rate * gradient)
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, axis=-1), labels), tf.float32), axis=1)
        size = tf.cast(tf.shape(index)[1], tf.float32)
        return tf.stack([total * size, correct], axis=1)  # (k, 2): summed loss and correct

    def _epoch_function(self, batches):
        tf = self.tf
        totals = tf.zeros((len(self.networks), 2))
        for i in tf.range(tf.shape(batches)[0]):
            totals += self._step_function(batches[i])
        return totals

    def train_epoch(self, orders):
        """One epoch of every network, each in its own sample order.

        Parameters
        ----------
        orders : numpy.ndarray of int, shape (k, n_fit)
            Each network's permutation of its training samples (as
            :func:`~spikelib.experiment.training.epoch_order` draws it).

        Returns
        -------
        loss, accuracy : numpy.ndarray, shape (k,)
            Running means over the epoch, as Keras reports them (the loss with the penalty).
        """
        tf = self.tf
        orders = np.asarray(orders, dtype=np.int32)
        if orders.shape != (len(self.networks), self.n_fit):
            raise ParameterError(f"`orders` must have shape ({len(self.networks)}, {self.n_fit}); got "
                                 f"{orders.shape}.", "orders")
        n_full = self.n_fit // self.batch_size
        totals = np.zeros((len(self.networks), 2))
        if n_full:
            batches = orders[:, : n_full * self.batch_size].reshape(len(self.networks), n_full, self.batch_size)
            totals += np.asarray(self._epoch(tf.constant(batches.transpose(1, 0, 2))))
        if self.n_fit % self.batch_size:  # the last, smaller batch, as Keras takes it
            totals += np.asarray(self._step(tf.constant(orders[:, n_full * self.batch_size:])))
        return totals[:, 0] / self.n_fit, totals[:, 1] / self.n_fit

    def weights(self, index):
        """The weights of network ``index``, in the order of its Keras model's ``get_weights()``."""
        return [value for pair in zip(self.kernels, self.biases) for value in (np.asarray(pair[0][index]),
                                                                             np.asarray(pair[1][index]))]

    def assign_back(self):
        """Write every network's stacked weights back into its Keras model; return the models."""
        for index, network in enumerate(self.networks):
            for item, kernel, bias in zip(_dense_layers(network), self.kernels, self.biases):
                item.kernel.assign(np.asarray(kernel[index]))
                item.bias.assign(np.asarray(bias[index]))
        return self.networks
