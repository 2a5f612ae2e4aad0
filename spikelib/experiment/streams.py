"""The seed streams of a cell: one home for the numbers that keep its random draws apart.

Every random draw of a cell comes from ``numpy.random.default_rng([seed, stream, ...])``
with the cell's seed and one of these streams, so that changing one draw (more
epochs, another probe size) never shifts another, and a resumed run draws what an
uninterrupted one would have.
"""

__all__ = ["LABELS", "TRAIN_ORDER", "TEST_ORDER", "PROBE", "EPOCH_ORDER", "TRACE", "DIAGNOSTIC", "VALIDATION_ORDER"]

#: Which labels the label-noise rule shuffles, and how.
LABELS = 1
#: The order of the training and test samples in their recordings.
TRAIN_ORDER, TEST_ORDER = 2, 3
#: The per-batch probe of the curve protocol.
PROBE = 4
#: The sample order of each epoch (with the phase and the epoch).
EPOCH_ORDER = 5
#: The fixed probe of training samples the traces measure.
TRACE = 6
#: The fitted samples the rival diagnostics and weight statistics use.
DIAGNOSTIC = 7
#: The order of the validation samples when they are recorded apart.
VALIDATION_ORDER = 8
