"""The one declaration of an experimental cell's parameters.

Every parameter of a cell — its name, type, default, allowed values and help —
is declared once, as a field of :class:`CellConfig`. Everything else derives
from it: validation (here), the options of ``spikelib cell``, the keys a
profile may set, and the test that keeps the experiment notebook's
``parameters`` cell in step. This module imports nothing heavy, so the
pipeline and the report can read the declaration without loading TensorFlow.

Classes
-------
CellConfig
    The validated parameters of one cell (data set x model x width x condition x seed).

Functions
---------
cell_id
    A cell's folder name.
parameter_specs
    The declared parameters, in order, with their metadata.
"""

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..exceptions import ParameterError
from ..storage import sha256

__all__ = ["CellConfig", "cell_id", "parameter_specs", "ParameterSpec", "declared", "check_declared", "CONDITIONS", "MEMORIZING",
           "DATASET_CLASSES", "RETRAINING", "PROTOCOLS", "MODELS", "DATASETS", "DENSENET_WEIGHTS", "OBSERVED_LAYER", "UNTIL_WORDS",
           "TRAINING_VERSION", "ANALYSIS_VERSION", "FIT_ACCURACY", "ADDED_LATER", "ANALYSIS_ONLY"]

CONDITIONS = ("random", "generalizing", "mem_retrain_last", "mem_retrain_all", "mem_random_last")
MEMORIZING = ("mem_retrain_last", "mem_retrain_all", "mem_random_last")
RETRAINING = ("mem_retrain_last", "mem_retrain_all")
PROTOCOLS = ("cell", "curve")
MODELS = ("mlp", "cnn", "densenet")
DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10")
#: Classes of each named data set (an ``.npz`` data set has as many as its labels).
DATASET_CLASSES = {"digits": 10, "mnist": 10, "fashion_mnist": 10, "cifar10": 10}
DENSENET_WEIGHTS = ("imagenet", "random")
#: Stable name of the last hidden ReLU layer, the one the paper observes.
OBSERVED_LAYER = "observed"
#: The words a training phase may stop on (besides a target accuracy in (0, 1]).
UNTIL_WORDS = ("epochs", "plateau", "paper", "fit")
#: What ``until="fit"`` means: a training accuracy of 99 %, evaluated on the fitted samples after
#: every epoch in inference mode (no dropout). Jiang et al. 2020 trained every network of their zoo
#: to one fixed criterion (cross-entropy 0.01) so that no measure can read off under-fitting. An
#: evaluated accuracy rather than Keras' running one, because the running figure is a mean over an
#: epoch of changing weights with dropout active (it read 99 % on zoo networks whose evaluated
#: accuracy was 92-98 %); an accuracy rather than a loss, because weight decay keeps the loss of
#: networks that fit every sample above 0.01.
FIT_ACCURACY = 0.99
#: Parameters added after the first committed results: left out of a cell's identity while they
#: keep their default, so the cells computed before them keep their identity and stay finished.
ADDED_LATER = ("depth", "dropout", "weight_decay", "train_samples", "train_recording", "xla")
#: Parameters only the analysis of a trained network reads: changing them re-analyses, never retrains.
ANALYSIS_ONLY = ("window", "ljung_box_lags", "train_recording")
#: Version of the training protocol: results of another version are not finished. (Running an
#: epoch's batches in one compiled call changed nothing: its rasters were checked bit-identical.)
TRAINING_VERSION = 2
#: Version of the statistics a cell computes; results of another version are analysed again.
ANALYSIS_VERSION = 4


@dataclass(frozen=True)
class ParameterSpec:
    """What is declared about one parameter.

    Attributes
    ----------
    name, default, help
    kind : {"int", "float", "str", "bool", "path", "until"}
        ``until``: one of ``choices`` (words) or an accuracy in (0, 1].
    choices : tuple, optional
    minimum, maximum : number, optional
        Inclusive bounds, unless ``open_minimum`` / ``open_maximum``.
    optional : bool
        ``None`` is allowed (and means "decided from the other parameters").
    identity : bool
        The parameter defines the cell's result (``False`` for where files are).
    profile : bool
        A profile may set it in ``defaults`` or a block.
    cli : str
        The command-line option.
    """

    name: str
    default: object
    help: str
    kind: str
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    open_minimum: bool = False
    open_maximum: bool = False
    optional: bool = False
    identity: bool = True
    profile: bool = True
    cli: str = ""


def _param(default, help, kind, **options):
    return field(default=default, metadata={"help": help, "kind": kind, **options})


@dataclass(frozen=True)
class CellConfig:
    """Parameters of one experimental cell; validated on construction.

    The fields below are the declaration (see :func:`parameter_specs`); their
    help texts are what ``spikelib cell --help`` prints.

    Raises
    ------
    ParameterError
        On construction, for a value of the wrong type, out of range or not
        among the allowed choices, or a combination that cannot run; the
        error's ``parameter`` attribute names the parameter.
    """

    dataset: str = _param("digits", "digits, mnist, fashion_mnist, cifar10, or a path to an .npz file "
                          "with x_train, y_train, x_test, y_test", "str", profile=False)
    model: str = _param("mlp", "model family", "str", choices=MODELS, profile=False)
    width: int = _param(128, "nodes of the observed layer", "int", minimum=1, profile=False)
    condition: str = _param("generalizing", "training condition (the paper's section 3.1)", "str",
                            choices=CONDITIONS, profile=False)
    seed: int = _param(0, "seed of weights, label shuffling, sample order and probes", "int", minimum=0,
                       maximum=2**32 - 1,
                       profile=False)
    epochs: int = _param(10, "epochs on the true labels (generalizing cells; the curve's first phase): exactly "
                         "this many, or at most this many when generalize_until stops earlier", "int", minimum=0)
    generalize_until: object = _param("epochs", "when the true-label phase stops: 'epochs' (all of them), "
                                      "'plateau' (validation accuracy stops rising), 'paper' (the paper's "
                                      "validation accuracy, Table 1), 'fit' (a training accuracy of 0.99 evaluated "
                                      "on the fitted samples after an epoch, the fitting criterion), or a validation accuracy in (0, 1]", "until",
                                      choices=UNTIL_WORDS)
    max_memorize_epochs: int = _param(3000, "at most this many epochs on shuffled labels (memorizing cells; the "
                                      "curve's second phase)", "int", minimum=0)
    memorize_until: object = _param("paper", "when the shuffled-label phase stops: 'paper' (the paper's training "
                                    "accuracy, Table 1; a plateau where the paper has none), 'plateau', 'epochs' "
                                    "(all max_memorize_epochs), 'fit' (a training accuracy of 0.99 evaluated on the fitted samples), "
                                    "or a running training accuracy in (0, 1]", "until",
                                    choices=UNTIL_WORDS)
    patience: int = _param(100, "shuffled-label epochs without a gain of min_gain in training accuracy that "
                           "count as a plateau", "int", minimum=1)
    generalize_patience: int = _param(5, "true-label epochs without a gain of min_gain in validation accuracy "
                                      "that count as a plateau", "int", minimum=1)
    min_gain: float = _param(0.005, "the smallest accuracy gain (a fraction) that counts as progress", "float",
                             minimum=0, maximum=1, open_minimum=True, open_maximum=True)
    label_noise: float | None = _param(None, "fraction of training labels shuffled among themselves, seeded "
                                       "(default: 0 for generalizing cells, 1 for memorizing ones, the paper's "
                                       "condition)", "float", minimum=0, maximum=1, optional=True)
    batch_size: int = _param(256, "training batch size (the paper: 256); a batch larger than the samples trained on "
                             "takes them all at once", "int", minimum=1, maximum=1_000_000)
    learning_rate: float = _param(0.1, "SGD learning rate, no momentum (the paper: 0.1)", "float",
                                  minimum=0, open_minimum=True)
    validation_split: float = _param(0.1, "fraction of the training set held out for validation "
                                     "(the paper: 0.1)", "float", minimum=0, maximum=1, open_minimum=True,
                                     open_maximum=True)
    l1: float = _param(0.0, "L1 penalty on the observed layer's incoming weights (0: none, as in the paper)",
                       "float", minimum=0)
    l2: float = _param(0.0, "L2 penalty on the observed layer's incoming weights (0: none, as in the paper)",
                       "float", minimum=0)
    depth: int = _param(1, "hidden ReLU layers, each as wide as width, before the output, the observed one last "
                        "(the paper: 1)", "int", minimum=1, maximum=8)
    dropout: float = _param(0.0, "dropout rate after every hidden layer (0: none, as in the paper)", "float",
                            minimum=0, maximum=1, open_maximum=True)
    weight_decay: float = _param(0.0, "L2 penalty on every kernel of the model (0: none, as in the paper)",
                                 "float", minimum=0)
    train_samples: int | None = _param(None, "train on a fixed subset of this many training samples, the same "
                                       "for every cell and seed (validation_split of them validate); "
                                       "default: all", "int", minimum=2, optional=True)
    window: int = _param(100, "Fano-factor window in samples (the paper: 100)", "int", minimum=1)
    train_recording: str = _param("all", "which training samples the 'train' recording holds: 'all' (the paper's: "
                                  "the validation samples too) or 'fit' (only the samples trained on; the "
                                  "validation samples are then recorded apart)", "str", choices=("all", "fit"))
    ljung_box_lags: int = _param(10, "lags of the Ljung-Box test", "int", minimum=1)
    layer: str = _param(OBSERVED_LAYER, "name of the observed layer", "str")
    densenet_weights: str = _param("imagenet", "DenseNet121's initial weights; 'random' departs from the "
                                   "paper and is recorded", "str", choices=DENSENET_WEIGHTS)
    protocol: str = _param("cell", "'curve': true then shuffled labels, recording the firing rate after "
                           "every batch (the paper's Figure 5)", "str", choices=PROTOCOLS, profile=False)
    probe_size: int = _param(100, "training and test samples in each probe of the curve protocol "
                             "(the paper: 100)", "int", minimum=1)
    trace_every: int = _param(10, "measure MFR, CV FR, MF and CV MF on a fixed probe of training samples every "
                              "this many epochs (0: never)", "int", minimum=0)
    trace_samples: int = _param(2000, "training samples in the probe of the traces", "int", minimum=1)
    xla: bool = _param(True, "compile the training steps of networks of dense layers with XLA (faster per epoch; "
                       "the compilation costs seconds, more than a short run on a small data set saves)", "bool")
    save_model: bool = _param(True, "keep model.keras, so the analysis can be redone without training "
                              "(generalizing cells always keep it: others retrain them)", "bool")
    checkpoint_every: int = _param(10, "save a checkpoint every this many epochs (0: never); an interrupted "
                                   "cell resumes from it", "int", minimum=0, identity=False)
    base_model: str | None = _param(None, "the generalizing model.keras to retrain from (default: the "
                                    "sibling cell's)", "path", optional=True, identity=False, profile=False)
    output_dir: str | None = _param(None, "folder of the cell's outputs (default: "
                                    "results/cells/<cell id>)", "path", optional=True, identity=False,
                                    profile=False, cli="--out")
    data_dir: str | None = _param(None, "a folder searched first for data files", "path", optional=True,
                                  identity=False)

    def __post_init__(self):
        check_declared(self)
        text = str(self.dataset)
        if text not in DATASETS and not text.endswith(".npz"):
            raise ParameterError(f"`dataset`={self.dataset!r}: use one of {list(DATASETS)} or a path to an "
                                 ".npz file.", "dataset")
        if not self.layer.strip():
            raise ParameterError("`layer` must name a layer of the model; got an empty string.", "layer")
        if self.protocol == "curve" and self.condition not in RETRAINING:
            raise ParameterError(
                f"The curve protocol follows the paper's Figure 5: `condition` must be one of "
                f"{list(RETRAINING)}; got {self.condition!r}.", "condition")
        if self.trains_on_true_labels and self.epochs < 1:
            raise ParameterError(
                f"`epochs`={self.epochs}: a {'curve' if self.protocol == 'curve' else 'generalizing'} cell "
                "trains on the true labels and other cells retrain it; give at least 1 epoch.", "epochs")
        if self.trains_on_shuffled_labels and self.max_memorize_epochs < 1:
            raise ParameterError(
                f"`max_memorize_epochs`={self.max_memorize_epochs}: condition {self.condition!r} trains on "
                "shuffled labels; give a cap of at least 1 epoch.", "max_memorize_epochs")
        if self.condition == "random" and self.protocol == "cell" and self.label_noise is not None:
            raise ParameterError(f"`label_noise`={self.label_noise}: a random cell trains on no labels; leave "
                                 "it unset.", "label_noise")
        if self.trains_on_shuffled_labels and self.memorize_until == "paper" and self.label_noise not in (None, 1.0):
            raise ParameterError(
                f"`memorize_until`='paper' stops at the paper's accuracy on fully shuffled labels, but "
                f"`label_noise`={self.label_noise}; give a target accuracy, 'plateau' or 'epochs'.",
                "memorize_until")

    @property
    def trains_on_true_labels(self):
        """Whether the cell has a phase on the (noisy, by label_noise) true labels."""
        return self.condition == "generalizing" or self.protocol == "curve"

    @property
    def noise(self):
        """The label noise of the training phase that uses it: label_noise, or the condition's default."""
        if self.label_noise is not None:
            return float(self.label_noise)
        return 1.0 if (self.trains_on_shuffled_labels or self.protocol == "curve") else 0.0

    def phase_noise(self, phase):
        """The label noise of one training phase: ``"true labels"`` (none in a curve: its second
        phase shuffles) or ``"shuffled labels"``."""
        if phase == "true labels" and self.protocol == "curve":
            return 0.0
        return self.noise

    def base_cell(self):
        """The generalizing cell this cell retrains (same data set, model, width and seed), or ``None``.

        Its folder is the sibling of this cell's, where both have one.
        """
        if self.condition not in RETRAINING or self.protocol != "cell":
            return None
        base = dataclasses.replace(self, condition="generalizing", protocol="cell", output_dir=None)
        if self.output_dir is None:
            return base
        return dataclasses.replace(base, output_dir=str(Path(self.output_dir).parent / cell_id(base)))

    def placed(self, root=None):
        """This cell with its output folder: the one given, else ``<root>/cells/<cell id>``
        (``root`` default: the results folder, :func:`spikelib.paths.results_dir`)."""
        if self.output_dir is not None:
            return self
        return dataclasses.replace(self, output_dir=str(paths.cells_dir(root) / cell_id(self)))

    @classmethod
    def from_dict(cls, values):
        """Build from a mapping; an unknown key fails naming it and the known keys.

        Raises
        ------
        ParameterError
            For unknown keys, and everything the constructor checks.
        """
        known = [spec.name for spec in parameter_specs()]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"Unknown cell parameter(s) {unknown}; known parameters are {known}.",
                                 unknown[0])
        return cls(**values)

    def to_dict(self):
        return dataclasses.asdict(self)

    def recorded(self):
        """Every parameter as results and notebooks record it: paths relative to the
        repository when inside it, so that nothing committed names a folder of one machine."""
        values = self.to_dict()
        for spec in parameter_specs():
            if spec.kind == "path" and values[spec.name] is not None:
                values[spec.name] = paths.repository_relative(values[spec.name])
        if str(self.dataset).endswith(".npz"):
            values["dataset"] = paths.repository_relative(self.dataset)
        return values

    def identity(self):
        """The recorded parameters that define the cell's result (not where its files are).

        A data set given as an ``.npz`` file is identified by its content too
        (``dataset_sha256``): replace the file and the cell is no longer finished,
        nor its training current.
        """
        recorded = self.recorded()
        defaults = {spec.name: spec.default for spec in parameter_specs()}
        identity = {spec.name: recorded[spec.name] for spec in parameter_specs()
                    if spec.identity and not (spec.name in ADDED_LATER and recorded[spec.name] == defaults[spec.name])}
        if str(self.dataset).endswith(".npz") and Path(self.dataset).is_file():
            identity["dataset_sha256"] = sha256(self.dataset)
        return identity

    def training_identity(self):
        """The identity of the cell's training: :meth:`identity` without the parameters only the
        analysis reads (:data:`ANALYSIS_ONLY`), so that changing them never retrains."""
        return {key: value for key, value in self.identity().items() if key not in ANALYSIS_ONLY}

    @property
    def dataset_name(self):
        text = str(self.dataset)
        return Path(text).stem if text.endswith(".npz") else text

    @property
    def trains_on_shuffled_labels(self):
        """Whether the cell has a phase on shuffled labels (memorizing cells and curves)."""
        return self.condition in MEMORIZING

    @property
    def freezes_all_but_last_two(self):
        return self.condition in ("mem_retrain_last", "mem_random_last")


def parameter_specs(declaration=None):
    """The declared parameters of a cell (or of another declaration built with :func:`declared`), in order.

    Parameters
    ----------
    declaration : dataclass type, optional
        Default :class:`CellConfig`; the runner's options
        (:class:`spikelib.pipeline.runner.RunOptions`) are declared the same way.

    Returns
    -------
    list of ParameterSpec
    """
    specs = []
    for item in dataclasses.fields(declaration or CellConfig):
        meta = dict(item.metadata)
        meta.setdefault("cli", "--" + item.name.replace("_", "-"))
        specs.append(ParameterSpec(name=item.name, default=item.default, **meta))
    return specs


def declared(default, help, kind, **options):
    """A declared parameter: a dataclass field with what :class:`ParameterSpec` records (see :class:`CellConfig`)."""
    return _param(default, help, kind, **options)


def check_declared(instance):
    """Check every field of a declaration built with :func:`declared` against its declaration.

    Raises
    ------
    ParameterError
        Naming the first field whose value is of the wrong type, out of range or not among its choices.
    """
    for spec in parameter_specs(type(instance)):
        _check_value(spec, getattr(instance, spec.name))


def _describe(value):
    return f"{value!r} ({type(value).__name__})"


def _check_value(spec, value):
    """Check one value against its declaration; raise ParameterError naming it."""
    name = spec.name
    if value is None:
        if spec.optional:
            return
        raise ParameterError(f"`{name}` must be set; got None.", name)
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ParameterError(f"`{name}` must be an integer; got {_describe(value)}.", name)
    elif spec.kind == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(f"`{name}` must be a number; got {_describe(value)}.", name)
        if not math.isfinite(value):
            raise ParameterError(f"`{name}` must be a finite number; got {value!r}.", name)
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"`{name}` must be true or false; got {_describe(value)}.", name)
    elif spec.kind == "until":
        if isinstance(value, str):
            if value not in spec.choices:
                raise ParameterError(f"`{name}`={value!r} is not allowed; give one of {list(spec.choices)} or an "
                                     "accuracy in (0, 1].", name)
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
            raise ParameterError(f"`{name}` must be one of {list(spec.choices)} or an accuracy in (0, 1]; got "
                                 f"{_describe(value)}.", name)
        return
    elif spec.kind in ("str", "path"):
        if not isinstance(value, (str, Path)) or (spec.kind == "str" and not isinstance(value, str)):
            raise ParameterError(f"`{name}` must be a string; got {_describe(value)}.", name)
    if spec.choices is not None and value not in spec.choices:
        raise ParameterError(f"`{name}`={value!r} is not allowed; choose one of {list(spec.choices)}.", name)
    low_fails = spec.minimum is not None and (value <= spec.minimum if spec.open_minimum else value < spec.minimum)
    high_fails = spec.maximum is not None and (value >= spec.maximum if spec.open_maximum else value > spec.maximum)
    if low_fails or high_fails:
        raise ParameterError(f"`{name}` must be {_range(spec)}; got {value!r}.", name)


def _range(spec):
    if spec.maximum is None:
        word = "an integer" if spec.kind == "int" else "a number"
        return f"{word} {'>' if spec.open_minimum else '>='} {spec.minimum}"
    low = "(" if spec.open_minimum else "["
    high = ")" if spec.open_maximum else "]"
    return f"in {low}{spec.minimum}, {spec.maximum}{high}"


def cell_id(config):
    """A cell's folder name, e.g. ``fashion_mnist-mlp-128-generalizing-seed0``.

    Label noise and penalties other than the defaults join the name, so the
    cells of a sweep do not collide: ``...-generalizing-noise0.4-seed3``,
    ``...-mem_random_last-l2_0.0001-seed0``.

    Examples
    --------
    >>> cell_id(CellConfig(dataset="fashion_mnist", width=512, label_noise=0.4, seed=3))
    'fashion_mnist-mlp-512-generalizing-noise0.4-seed3'
    >>> cell_id(CellConfig(l1=1e-5))
    'digits-mlp-128-generalizing-l1_1e-05-seed0'
    >>> cell_id(CellConfig(depth=2, dropout=0.1, weight_decay=1e-4, learning_rate=0.05, train_samples=1000))
    'digits-mlp-128-generalizing-depth2-dropout0.1-wd0.0001-lr0.05-n1000-seed0'
    """
    protocol = "-curve" if config.protocol == "curve" else ""
    defaults = {spec.name: spec.default for spec in parameter_specs()}
    extras = "".join([f"-noise{config.label_noise:g}" if config.label_noise is not None else "",
                      f"-l1_{config.l1:g}" if config.l1 else "", f"-l2_{config.l2:g}" if config.l2 else "",
                      f"-depth{config.depth}" if config.depth != defaults["depth"] else "",
                      f"-dropout{config.dropout:g}" if config.dropout else "",
                      f"-wd{config.weight_decay:g}" if config.weight_decay else "",
                      f"-lr{config.learning_rate:g}" if config.learning_rate != defaults["learning_rate"] else "",
                      f"-batch{config.batch_size}" if config.batch_size != defaults["batch_size"] else "",
                      f"-n{config.train_samples}" if config.train_samples is not None else "",
                      "-recfit" if config.train_recording == "fit" else ""])
    return (f"{config.dataset_name}-{config.model}-{config.width}-{config.condition}{protocol}{extras}"
            f"-seed{config.seed}")
