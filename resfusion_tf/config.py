"""Typed configuration of a training run. Every default lives here.

The absl flags of `resfusion-train` take their defaults from these dataclasses, and the
experiment configs under `experiments/` override fields of the same classes, so a
default is written once.
"""

import dataclasses
from typing import Optional

# Stage kinds of a pipeline. `resfusion_tf.fusion.zoo` names the models of the
# ResFusion comparison as sequences of these kinds, and
# `resfusion_tf.fusion.registry.make_stage` builds them.
STAGE_KINDS = ("gbdt", "deepfm", "dnn", "lr", "fm", "gbdt_lr", "gbdt2dnn", "gbdt2deepfm",
               "gbdt_deepfm_average")
MIXED_PRECISION_MODES = ("auto", "off", "mixed_float16", "mixed_bfloat16")


@dataclasses.dataclass
class DataConfig:
    """Source of the examples and their train, validation and evaluation splits.

    Attributes:
        dataset: "criteo", "avazu", "csv" (needs `schema_path`) or "synthetic".
            Defaults to "synthetic".
        train_path: Comma-separated training files or globs. Unused for synthetic.
        eval_path: Comma-separated evaluation files or globs. When empty, a
            deterministic `eval_fraction` of the training rows is held out.
        schema_path: JSON schema file for dataset "csv".
        eval_fraction: Fraction of rows held out for evaluation when `eval_path` is
            empty. Defaults to 0.2.
        validation_fraction: Fraction of the remaining training rows held out for
            early stopping of every stage. Never taken from the evaluation rows.
            Defaults to 0.1.
        split_seed: Seed of both holdouts. It is separate from the model seed so that
            runs with different model seeds evaluate on the same rows. Defaults to 0.
        synthetic_rows: Number of rows generated for dataset "synthetic". Defaults to
            50000, where the fusion gain is clear: with 20000 rows the DeepFM stage
            cannot yet learn the planted categorical interactions.
        min_count: Minimum count in the training split for a category to get its own
            embedding row. Rarer values share the field's OOV bucket. Defaults to 5.
        max_vocabulary_size: Largest vocabulary kept per categorical feature, or None
            for no limit. Defaults to None.
        on_bad_row: "error" stops at the first invalid row with its file, line and
            column; "skip" skips invalid rows and lists each one in
            `<model_dir>/bad_rows.tsv`. Defaults to "error".
        streaming: Whether to stream the files with `tf.data` instead of reading them
            into memory. Neural stages then read every row from disk each epoch, and
            GBDT stages train on an in-memory sample of at most `GBDTConfig.max_rows`
            rows. Holdouts are then chosen by a hash of each row's file and line
            (see `resfusion_tf.data.row_hash`). Defaults to False.
        shuffle_buffer_size: Rows in the shuffle buffer of the streaming training
            input. Defaults to 100000.
        tfds_data_dir: Directory of prepared TFDS datasets for "tfds:criteo" and
            "tfds:avazu"; empty uses TFDS's default (~/tensorflow_datasets).
        tfds_manual_dir: Directory holding the raw Kaggle files for the TFDS builders;
            empty uses `<tfds_data_dir>/downloads/manual`.
    """

    dataset: str = "synthetic"
    train_path: str = ""
    eval_path: str = ""
    schema_path: str = ""
    eval_fraction: float = 0.2
    validation_fraction: float = 0.1
    split_seed: int = 0
    synthetic_rows: int = 50000
    min_count: int = 5
    max_vocabulary_size: Optional[int] = None
    on_bad_row: str = "error"
    streaming: bool = False
    shuffle_buffer_size: int = 100_000
    tfds_data_dir: str = ""
    tfds_manual_dir: str = ""

    def validate(self) -> None:
        """Raises ValueError on holdout fractions outside [0, 1) or paths a dataset ignores."""
        for name in ("eval_fraction", "validation_fraction"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"--{name} must be in [0, 1), got {value}.")
        if self.dataset == "synthetic" and (self.train_path or self.eval_path):
            raise ValueError(
                f"--train_path={self.train_path!r} and --eval_path={self.eval_path!r} are "
                "ignored by --dataset=synthetic (the default), which generates its own "
                "rows. Pass --dataset=criteo, --dataset=avazu or --dataset=csv with "
                "--schema to train on files.")


@dataclasses.dataclass
class GBDTConfig:
    """Hyperparameters of a TF-DF GradientBoostedTreesModel stage.

    The defaults regularize more than TF-DF's own. On the Criteo sample (12.9k
    training rows, 2 CPU cores), TF-DF's defaults with max_vocab_count=100 reached
    validation AUC 0.730; these defaults reached 0.748 in half the time. Train AUC
    0.98 against validation AUC 0.68 was typical of the unregularized trees, mostly
    through subset splits on high-cardinality categoricals.

    Attributes:
        num_trees: Maximum number of trees. Early stopping on the validation split
            usually stops sooner. Defaults to 500.
        max_depth: Maximum depth of each tree. Defaults to 4.
        shrinkage: Learning rate of the boosting. Defaults to 0.05.
        min_examples: Minimum number of examples in a leaf. Defaults to 100.
        max_vocab_count: Most frequent values kept per categorical feature; rarer
            values are one out-of-dictionary value for the trees. Training time grows
            fast with this count: on 14k Criteo rows on 2 CPU cores, 2000 (TF-DF's
            default) took 1.3 s per tree and 100 took 0.04 s. Defaults to 30.
        l2_categorical_regularization: L2 penalty on leaf values of categorical
            splits. Defaults to 10.0.
        subsample: Fraction of the training rows sampled for each tree. Defaults to
            0.8.
        num_candidate_attributes_ratio: Fraction of the features tried at each split.
            Defaults to 0.5.
        early_stopping_num_trees_look_ahead: Trees trained past the best validation
            loss before stopping. Defaults to 50.
        discretize_numerical_features: Whether the trees split numeric features on at
            most 255 quantile bins, as LightGBM's histograms do, instead of on every
            distinct value. On the Criteo sample's training split repeated 8 times
            (103k rows, 2 CPU cores, `benchmarks/gbdt_vs_lightgbm.py
            --train_copies=8`), the stage took 7.3 s instead of 9.8 s, at eval AUC
            0.7494 against 0.7503. Defaults to True.
        num_threads: Training threads; 0 uses TF-DF's default. Defaults to 0.
        leaf_num_trees: Maximum number of trees of the GBDT whose leaf indices feed
            the GBDT+LR, GBDT2DNN and GBDT2DeepFM networks. Each tree is one more
            categorical field of the network. Defaults to 30.
        max_rows: Largest number of training rows a GBDT stage trains on; a larger
            training split is sampled uniformly (seeded by `TrainConfig.seed`), and
            neural stages still see every row. None trains on every row. Defaults
            to None.
        memory_limit_mb: Memory a GBDT stage may use, in MiB, for the pre-flight
            check in `resfusion_tf.gbdt.preflight`; 0 uses the memory available
            when the run starts. Defaults to 0.
    """

    num_trees: int = 500
    max_depth: int = 4
    shrinkage: float = 0.05
    min_examples: int = 100
    max_vocab_count: int = 30
    l2_categorical_regularization: float = 10.0
    subsample: float = 0.8
    num_candidate_attributes_ratio: float = 0.5
    early_stopping_num_trees_look_ahead: int = 50
    discretize_numerical_features: bool = True
    num_threads: int = 0
    leaf_num_trees: int = 30
    max_rows: Optional[int] = None
    memory_limit_mb: int = 0


@dataclasses.dataclass
class NeuralConfig:
    """Hyperparameters of a Keras stage (DeepFM or DNN).

    Attributes:
        embedding_dim: Size of each field embedding. Defaults to 16.
        hidden_units: Widths of the hidden layers of the deep part. Defaults to
            (256, 128).
        dropout: Dropout rate after each hidden layer. Defaults to 0.1.
        l2: L2 penalty on embedding rows used in a batch and on hidden kernels.
            Defaults to 1e-5.
        learning_rate: Adam learning rate. Defaults to 1e-3.
        batch_size: Training batch size. Defaults to 512.
        epochs: Maximum number of epochs. Defaults to 10.
        early_stopping_patience: Epochs without a better validation AUC before
            training stops and the best weights are restored. Defaults to 2.
    """

    embedding_dim: int = 16
    hidden_units: tuple[int, ...] = (256, 128)
    dropout: float = 0.1
    l2: float = 1e-5
    learning_rate: float = 1e-3
    batch_size: int = 512
    epochs: int = 10
    early_stopping_patience: int = 2


@dataclasses.dataclass
class TrainConfig:
    """A whole ResFusion training run.

    Attributes:
        data: Input data and splits.
        gbdt: Hyperparameters shared by every GBDT stage.
        neural: Hyperparameters shared by every DeepFM and DNN stage.
        stages: Learners in order. The first one fits the label; each later one fits
            the residual of the prediction so far. Defaults to ("gbdt", "deepfm").
        residual_space: "logit" or "probability"; see `resfusion_tf.residual.spaces`.
            Defaults to "logit".
        mixed_precision: "auto", "off", "mixed_float16" or "mixed_bfloat16". "auto" is
            off on CPU and picks bfloat16 on GPUs that support it. Defaults to "auto".
        cross_fit_folds: Folds for the out-of-fold predictions that every stage but the
            last passes to the next one on the training rows (see
            `resfusion_tf.fusion.pipeline.fit_cross_fitted_stage`). Each fold trains
            one copy of the stage, and the served stage averages the copies. 0 or 1
            trains the stage once on every row and passes its in-sample predictions.
            Defaults to 3.
        seed: Seed of model initialization, shuffling and tree sampling. Defaults to 0.
        model_dir: Directory for metrics.json, TensorBoard logs and trained stages.
        export_dir: Base directory of the versioned composite SavedModel; empty
            skips the export.
    """

    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    gbdt: GBDTConfig = dataclasses.field(default_factory=GBDTConfig)
    neural: NeuralConfig = dataclasses.field(default_factory=NeuralConfig)
    stages: tuple[str, ...] = ("gbdt", "deepfm")
    residual_space: str = "logit"
    mixed_precision: str = "auto"
    cross_fit_folds: int = 3
    seed: int = 0
    model_dir: str = "runs/resfusion"
    export_dir: str = ""

    def validate(self) -> None:
        """Raises ValueError on invalid data options or an unknown stage, space or mode."""
        self.data.validate()
        if not self.stages:
            raise ValueError("stages must name at least one stage, got an empty list.")
        unknown = [stage for stage in self.stages if stage not in STAGE_KINDS]
        if unknown:
            raise ValueError(f"Unknown stages {unknown}; each stage must be one of {STAGE_KINDS}.")
        if self.residual_space not in ("logit", "probability"):
            raise ValueError(
                f"residual_space must be 'logit' or 'probability', got {self.residual_space!r}.")
        if self.cross_fit_folds < 0:
            raise ValueError(f"cross_fit_folds must be 0 or more, got {self.cross_fit_folds}.")
        if self.mixed_precision not in MIXED_PRECISION_MODES:
            raise ValueError(
                f"mixed_precision must be one of {MIXED_PRECISION_MODES}, "
                f"got {self.mixed_precision!r}.")
