"""spikelib: spike-train statistics of binarized ReLU activations.

A raster ``spikes`` is a boolean array of shape ``(n_nodes, n_samples)``: one
row per node of the observed layer, one column per input sample in the order
the samples were presented. Every statistic takes a raster and returns one
value per node, or a documented record.

Rasters and Neo
    :func:`binarize`, :func:`to_spiketrains`, :func:`from_spiketrains`,
    :func:`save_rasters`, :func:`load_rasters`
Rates (:mod:`spikelib.rates`)
    :func:`firing_rate`, :func:`window_counts`
Variability (:mod:`spikelib.variability`)
    :func:`fano_factor`, :func:`fano_test`, :func:`bernoulli_fano`
Intervals (:mod:`spikelib.intervals`)
    :func:`isi`, :func:`isi_cv`, :func:`lv`, :func:`isi_fit`
Correlation (:mod:`spikelib.correlation`)
    :func:`correlation_matrix`
Assumptions (:mod:`spikelib.assumptions`)
    :func:`ljung_box`, :func:`combine_pvalues`, :func:`combine_pvalues_pearson`, :func:`adf`, :func:`change_points`
Comparisons (:mod:`spikelib.compare`)
    :func:`ks_compare`, :func:`bonferroni`, :func:`ks_family`
Simulation (:mod:`spikelib.simulate`)
    :func:`poisson_raster`, :func:`bernoulli_raster`
Network summary (:mod:`spikelib.summary`)
    :func:`summarize`

Modules
-------
raster
    Binarizing activations; reading and writing rasters.
neo_io
    Rasters to and from Neo spike trains (Elephant's interop).
rates
    Firing rates and windowed spike counts.
variability
    Fano factors and the Eden-Kramer test.
bernoulli
    What a binary train is: the Bernoulli null, excess Fano, the dispersion test.
intervals
    Inter-spike intervals, their CV, LV and the geometric fit.
correlation
    Correlations between nodes and their summaries.
activation
    Activation probabilities: rare and silent nodes, the Beta fit.
weights
    A layer's weights beside its nodes' rates.
assumptions
    Ljung-Box, ADF and change points: the Poisson model's assumptions.
compare
    Kolmogorov-Smirnov comparisons and their corrections.
simulate
    Poisson and Bernoulli rasters of given rates.
summary
    The paper's four indicators of a network.
onset
    A one-sided CUSUM that dates a fall in a series (the online monitor's rule).
storage
    Atomic writes, ``.npz`` read without unpickling, checksums.
paths
    The one place that knows the compendium's folders.
exceptions
    The errors spikelib raises on purpose.

The layers above this core, each imported only when asked for:

experiment
    Data, models, training conditions, recording: one experimental cell (:mod:`spikelib.experiment`).
pipeline
    Profiles, the resumable runner, notebook execution, the ``spikelib`` command (:mod:`spikelib.pipeline`).
report
    Tables, figures, hypotheses and the book, from results files (:mod:`spikelib.report`).
diagnose
    A researcher's own network (Keras or ONNX) measured against the reference networks; ``spikelib
    diagnose`` (:mod:`spikelib.diagnose`).

``import spikelib`` needs only numpy, scipy, statsmodels, quantities, neo and
elephant; :mod:`spikelib.storage` and :mod:`spikelib.paths` (files and folders)
belong to the core too. The names and readers of an experimental cell's files
are the experiment's (:mod:`spikelib.experiment.cellfiles`); the route through
Elephant that the tests and ``make bench`` use as an oracle is the pipeline's
(:mod:`spikelib.pipeline.elephant_route`).
"""

from .assumptions import (
    AdfResult,
    LjungBoxResult,
    adf,
    change_points,
    combine_pvalues,
    combine_pvalues_pearson,
    ljung_box,
)
from .compare import bonferroni, ks_compare, ks_family
from .correlation import correlation_matrix
from .exceptions import (
    DataError,
    MissingDependencyError,
    ParameterError,
    ProfileError,
    RasterError,
    SpikelibError,
    UnitError,
)
from .intervals import IsiFit, isi, isi_cv, isi_fit, lv
from .neo_io import from_spiketrains, to_spiketrains
from .raster import binarize, load_rasters, save_rasters
from .rates import firing_rate, window_counts
from .simulate import bernoulli_raster, poisson_raster
from .summary import NetworkSummary, summarize
from .variability import (
    FanoTestResult,
    bernoulli_fano,
    fano_factor,
    fano_pvalue,
    fano_test,
)

__version__ = "0.1.0"

__all__ = [
    "binarize", "save_rasters", "load_rasters", "to_spiketrains", "from_spiketrains",
    "firing_rate", "window_counts",
    "fano_factor", "fano_test", "fano_pvalue", "FanoTestResult", "bernoulli_fano",
    "isi", "isi_cv", "lv", "isi_fit", "IsiFit",
    "correlation_matrix",
    "ljung_box", "LjungBoxResult", "combine_pvalues", "combine_pvalues_pearson", "adf", "AdfResult", "change_points",
    "ks_compare", "bonferroni", "ks_family",
    "poisson_raster", "bernoulli_raster",
    "summarize", "NetworkSummary",
    "SpikelibError", "RasterError", "ParameterError", "ProfileError", "UnitError", "DataError",
    "MissingDependencyError",
]
