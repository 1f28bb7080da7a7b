"""resfusion-train: trains a ResFusion pipeline and exports one composite SavedModel.

With no flags it trains GBDT then DeepFM on a built-in synthetic dataset in the Criteo
layout. Examples:

  resfusion-train
  resfusion-train --dataset=criteo --train_path=train.txt --eval_fraction=0.1 \
      --model_dir=runs/criteo --export_dir=exports/criteo
  resfusion-train --flagfile=criteo.flags
  resfusion-train --model=GBDT2DeepFM
"""

import dataclasses
import sys

from absl import app, flags, logging

from resfusion_tf.config import (MIXED_PRECISION_MODES, STAGE_KINDS, DataConfig, GBDTConfig,
                                 NeuralConfig, TrainConfig)
from resfusion_tf.data.bad_rows import ON_BAD_ROW_CHOICES
from resfusion_tf.data.loading import DATASETS
from resfusion_tf.data.readers import DataError
from resfusion_tf.data.schema import SchemaError
from resfusion_tf.export.exporter import ExportError
from resfusion_tf.fusion import training
from resfusion_tf.fusion.zoo import ZOO_MODELS, model_stages
from resfusion_tf.gbdt.preflight import GBDTMemoryError

_DATA, _GBDT, _NEURAL, _RUN = DataConfig(), GBDTConfig(), NeuralConfig(), TrainConfig()

# Data.
flags.DEFINE_enum("dataset", _DATA.dataset, DATASETS,
                  "Input format. 'csv' needs --schema; 'synthetic' needs no files.")
flags.DEFINE_string("train_path", _DATA.train_path, "Training files or globs, comma-separated.")
flags.DEFINE_string("eval_path", _DATA.eval_path,
                    "Evaluation files or globs. Empty: hold out --eval_fraction of the rows.")
flags.DEFINE_string("schema", _DATA.schema_path, "JSON schema file for --dataset=csv.")
flags.DEFINE_float("eval_fraction", _DATA.eval_fraction,
                   "Fraction of rows held out for evaluation when --eval_path is empty.")
flags.DEFINE_float("validation_fraction", _DATA.validation_fraction,
                   "Fraction of training rows held out for early stopping.")
flags.DEFINE_integer("split_seed", _DATA.split_seed, "Seed of the evaluation and validation holdouts.")
flags.DEFINE_integer("synthetic_rows", _DATA.synthetic_rows, "Rows generated for --dataset=synthetic.")
flags.DEFINE_integer("min_count", _DATA.min_count,
                     "Minimum training count for a category to get its own embedding; rarer "
                     "values share the field's OOV bucket.")
flags.DEFINE_integer("max_vocabulary_size", 0, "Largest vocabulary per categorical feature; 0 is no limit.")
flags.DEFINE_enum("on_bad_row", _DATA.on_bad_row, ON_BAD_ROW_CHOICES,
                  "What an invalid input row does: 'error' stops with its file, line and "
                  "column; 'skip' skips it and lists it in <model_dir>/bad_rows.tsv.")
flags.DEFINE_bool("streaming", _DATA.streaming,
                  "Stream the files with tf.data instead of reading them into memory; GBDT "
                  "stages then train on a sample of at most --gbdt_max_rows rows.")
flags.DEFINE_integer("shuffle_buffer_size", _DATA.shuffle_buffer_size,
                     "Rows in the shuffle buffer of the streaming training input.")
flags.DEFINE_string("tfds_data_dir", _DATA.tfds_data_dir,
                    "Directory of prepared TFDS datasets for --dataset=tfds:*; empty: TFDS's "
                    "default.")
flags.DEFINE_string("tfds_manual_dir", _DATA.tfds_manual_dir,
                    "Directory with the raw Kaggle files for --dataset=tfds:*; empty: "
                    "<tfds_data_dir>/downloads/manual.")

# GBDT stages.
flags.DEFINE_integer("gbdt_num_trees", _GBDT.num_trees, "Maximum trees per GBDT stage.")
flags.DEFINE_integer("gbdt_max_depth", _GBDT.max_depth, "Maximum tree depth.")
flags.DEFINE_float("gbdt_shrinkage", _GBDT.shrinkage, "Boosting learning rate.")
flags.DEFINE_integer("gbdt_min_examples", _GBDT.min_examples, "Minimum examples per leaf.")
flags.DEFINE_integer("gbdt_max_vocab_count", _GBDT.max_vocab_count,
                     "Most frequent values kept per categorical feature by the trees.")
flags.DEFINE_float("gbdt_l2_categorical_regularization", _GBDT.l2_categorical_regularization,
                   "L2 penalty on leaf values of categorical splits.")
flags.DEFINE_float("gbdt_subsample", _GBDT.subsample, "Fraction of training rows sampled per tree.")
flags.DEFINE_float("gbdt_num_candidate_attributes_ratio", _GBDT.num_candidate_attributes_ratio,
                   "Fraction of features tried at each split.")
flags.DEFINE_integer("gbdt_early_stopping_num_trees_look_ahead",
                     _GBDT.early_stopping_num_trees_look_ahead,
                     "Trees trained past the best validation loss before stopping.")
flags.DEFINE_boolean("gbdt_discretize_numerical_features", _GBDT.discretize_numerical_features,
                     "Split numeric features on at most 255 quantile bins instead of on "
                     "every distinct value.")
flags.DEFINE_integer("gbdt_leaf_num_trees", _GBDT.leaf_num_trees,
                     "Maximum trees of the GBDT whose leaves feed GBDT+LR, GBDT2DNN and "
                     "GBDT2DeepFM.")
flags.DEFINE_integer("gbdt_num_threads", _GBDT.num_threads, "TF-DF training threads; 0 is TF-DF's default.")
flags.DEFINE_integer("gbdt_max_rows", 0,
                     "Largest number of training rows a GBDT stage trains on, as a uniform "
                     "sample; neural stages still read every row. 0 is no limit.")
flags.DEFINE_integer("gbdt_memory_limit_mb", _GBDT.memory_limit_mb,
                     "Memory in MiB that the GBDT pre-flight check allows; 0 uses the "
                     "memory available at start.")

# Neural stages.
flags.DEFINE_integer("embedding_dim", _NEURAL.embedding_dim, "Size of each field embedding.")
flags.DEFINE_list("hidden_units", [str(u) for u in _NEURAL.hidden_units], "Hidden layer widths.")
flags.DEFINE_float("dropout", _NEURAL.dropout, "Dropout rate after each hidden layer.")
flags.DEFINE_float("l2", _NEURAL.l2, "L2 penalty on embedding rows and hidden kernels.")
flags.DEFINE_float("learning_rate", _NEURAL.learning_rate, "Adam learning rate.")
flags.DEFINE_integer("batch_size", _NEURAL.batch_size, "Training batch size.")
flags.DEFINE_integer("epochs", _NEURAL.epochs, "Maximum epochs per neural stage.")
flags.DEFINE_integer("early_stopping_patience", _NEURAL.early_stopping_patience,
                     "Epochs without a better validation AUC before stopping.")

# Run.
flags.DEFINE_list("stages", list(_RUN.stages),
                  f"Stages in order, each one of {STAGE_KINDS}. Later stages fit the residual.")
flags.DEFINE_enum("model", None, list(ZOO_MODELS),
                  "Zoo model to train, by its paper name; replaces --stages with that "
                  "model's stages, such as GBDTRes+DeepFM for gbdt,deepfm.")
flags.DEFINE_enum("residual_space", _RUN.residual_space, ["logit", "probability"],
                  "Space in which later stages fit the residual.")
flags.DEFINE_enum("mixed_precision", _RUN.mixed_precision, MIXED_PRECISION_MODES,
                  "Keras dtype policy of neural stages. 'auto' is off on CPU.")
flags.DEFINE_integer("cross_fit_folds", _RUN.cross_fit_folds,
                     "Folds of out-of-fold predictions passed between stages on training "
                     "rows. Each fold trains one copy of the stage, and the served stage "
                     "averages them. 0 or 1: one fit on every row, in-sample predictions.")
flags.DEFINE_integer("seed", _RUN.seed, "Seed of model initialization and shuffling.")
flags.DEFINE_string("model_dir", _RUN.model_dir,
                    "Directory for metrics.json, TensorBoard logs and trained stages.")
flags.DEFINE_string("export_dir", _RUN.export_dir,
                    "Base directory of the versioned SavedModel export. Empty: no export.")
flags.DEFINE_integer("export_version", None, "Export version. Default: the next free one.")

FLAGS = flags.FLAGS


def config_from_flags() -> TrainConfig:
    """Builds the TrainConfig that the parsed flags describe."""
    data = DataConfig(
        dataset=FLAGS.dataset, train_path=FLAGS.train_path, eval_path=FLAGS.eval_path,
        schema_path=FLAGS.schema, eval_fraction=FLAGS.eval_fraction,
        validation_fraction=FLAGS.validation_fraction, split_seed=FLAGS.split_seed,
        synthetic_rows=FLAGS.synthetic_rows, min_count=FLAGS.min_count,
        max_vocabulary_size=FLAGS.max_vocabulary_size or None, on_bad_row=FLAGS.on_bad_row,
        streaming=FLAGS.streaming, shuffle_buffer_size=FLAGS.shuffle_buffer_size,
        tfds_data_dir=FLAGS.tfds_data_dir, tfds_manual_dir=FLAGS.tfds_manual_dir)
    gbdt = GBDTConfig(
        num_trees=FLAGS.gbdt_num_trees, max_depth=FLAGS.gbdt_max_depth,
        shrinkage=FLAGS.gbdt_shrinkage, min_examples=FLAGS.gbdt_min_examples,
        max_vocab_count=FLAGS.gbdt_max_vocab_count,
        l2_categorical_regularization=FLAGS.gbdt_l2_categorical_regularization,
        subsample=FLAGS.gbdt_subsample,
        num_candidate_attributes_ratio=FLAGS.gbdt_num_candidate_attributes_ratio,
        early_stopping_num_trees_look_ahead=FLAGS.gbdt_early_stopping_num_trees_look_ahead,
        discretize_numerical_features=FLAGS.gbdt_discretize_numerical_features,
        num_threads=FLAGS.gbdt_num_threads, leaf_num_trees=FLAGS.gbdt_leaf_num_trees,
        max_rows=FLAGS.gbdt_max_rows or None,
        memory_limit_mb=FLAGS.gbdt_memory_limit_mb)
    neural = NeuralConfig(
        embedding_dim=FLAGS.embedding_dim,
        hidden_units=tuple(int(units) for units in FLAGS.hidden_units),
        dropout=FLAGS.dropout, l2=FLAGS.l2, learning_rate=FLAGS.learning_rate,
        batch_size=FLAGS.batch_size, epochs=FLAGS.epochs,
        early_stopping_patience=FLAGS.early_stopping_patience)
    return TrainConfig(
        data=data, gbdt=gbdt, neural=neural,
        stages=model_stages(FLAGS.model) if FLAGS.model else tuple(FLAGS.stages),
        residual_space=FLAGS.residual_space, mixed_precision=FLAGS.mixed_precision,
        cross_fit_folds=FLAGS.cross_fit_folds, seed=FLAGS.seed, model_dir=FLAGS.model_dir, export_dir=FLAGS.export_dir)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}. Pass options as --flag=value.")
    config = config_from_flags()
    try:
        config.validate()
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    logging.info("Configuration: %s", dataclasses.asdict(config))
    try:
        result = training.train(config, export_version=FLAGS.export_version)
    except (DataError, SchemaError, ExportError, GBDTMemoryError) as error:
        logging.error("%s", error)
        sys.exit(f"resfusion-train: {error}")
    print(training.format_metrics_table(result.metrics))
    print(f"metrics: {config.model_dir}/metrics.json")
    if result.export_path:
        print(f"SavedModel: {result.export_path}")


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
