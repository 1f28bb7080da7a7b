"""GBDT stage: a TF-DF GradientBoostedTreesModel fitted to the label or the residual."""

import json
import os
import time

import numpy as np
import tensorflow as tf
import tensorflow_decision_forests as tfdf
from absl import logging

from resfusion_tf.config import GBDTConfig
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.fusion.heads import GBDTHead
from resfusion_tf.fusion.stage import Stage, StageContext, predict_head
from resfusion_tf.gbdt.line_search import logit_step_size
from resfusion_tf.gbdt.sampling import sample_training_rows
from resfusion_tf.residual.spaces import LogitSpace

_TFDF_BATCH_SIZE = 4096
TFDF_MODEL_DIRECTORY = "tfdf_model"
# Per-stage settings that the TF-DF model does not hold, such as the line-search scale.
STAGE_FILE = "stage.json"


def make_tfdf_dataset(table: ExampleTable, targets: np.ndarray, weights=None) -> tf.data.Dataset:
    """Returns the batched `(features, target[, weight])` dataset that TF-DF reads once."""
    tensors = (table.features, targets.astype(np.float32))
    if weights is not None:
        tensors += (np.asarray(weights, np.float32),)
    return tf.data.Dataset.from_tensor_slices(tensors).batch(_TFDF_BATCH_SIZE)


def build_gbdt_model(config: GBDTConfig, task, seed: int, numeric_features=()):
    """Returns an untrained TF-DF GradientBoostedTreesModel for `task`.

    Classification uses `apply_link_function=False`, so the model outputs logits.
    Early stopping uses the `validation_data` passed to `fit`. When it is given, TF-DF
    1.12 trains on every training row and does not carve its own validation set
    (`validation_ratio` only applies without it). Setting `validation_ratio=0` would
    instead disable early stopping altogether.

    Args:
        config: Hyperparameters of the stage.
        task: `tfdf.keras.Task.CLASSIFICATION` or `REGRESSION`.
        seed: Random seed of the learner.
        numeric_features: Names of the numeric input features. With
            `config.discretize_numerical_features`, each one is declared
            `DISCRETIZED_NUMERICAL`. TF-DF's model-wide `discretize_numerical_features`
            is not used, because in TF-DF 1.12 it also bins the example-weight column
            and training then fails.
    """
    features = None
    if config.discretize_numerical_features and numeric_features:
        features = [tfdf.keras.FeatureUsage(name, semantic=tfdf.keras.FeatureSemantic.DISCRETIZED_NUMERICAL)
                    for name in numeric_features]
    kwargs = dict(
        task=task,
        num_trees=config.num_trees,
        max_depth=config.max_depth,
        shrinkage=config.shrinkage,
        min_examples=config.min_examples,
        max_vocab_count=config.max_vocab_count,
        l2_categorical_regularization=config.l2_categorical_regularization,
        subsample=config.subsample,
        num_candidate_attributes_ratio=config.num_candidate_attributes_ratio,
        early_stopping="LOSS_INCREASE",
        early_stopping_num_trees_look_ahead=config.early_stopping_num_trees_look_ahead,
        features=features,
        random_seed=seed,
        verbose=0,
    )
    if config.num_threads:
        kwargs["num_threads"] = config.num_threads
    if task == tfdf.keras.Task.CLASSIFICATION:
        kwargs["apply_link_function"] = False
    return tfdf.keras.GradientBoostedTreesModel(**kwargs)


class GBDTStage(Stage):
    """Fits a TF-DF GBDT to the label (first stage) or to the residual (later stages).

    A later stage regresses the residual targets of the residual space with TF-DF's
    squared-error regression: `y - p` in probability space, and the LogitBoost working
    response with Hessian weights in logit space. In logit space the regression output
    is then scaled by a one-dimensional line search on the validation split, because
    the working response is only a second-order approximation of the log loss.
    """

    kind = "gbdt"

    def __init__(self):
        self.model = None
        self.scale = 1.0

    def fit(self, context: StageContext) -> None:
        context = sample_training_rows(context)
        config = context.config
        if context.is_first:
            task = tfdf.keras.Task.CLASSIFICATION
            train_data = make_tfdf_dataset(context.train, context.train.labels)
            valid_data = make_tfdf_dataset(context.valid, context.valid.labels)
        else:
            task = tfdf.keras.Task.REGRESSION
            train_data = self._residual_dataset(context.train, context.train_state, context)
            valid_data = self._residual_dataset(context.valid, context.valid_state, context)

        self.model = build_gbdt_model(config.gbdt, task, config.seed,
                                      numeric_features=context.train.schema.numeric)
        logging.info("Stage %d (gbdt): training a TF-DF %s model on %d rows, "
                     "early stopping on %d validation rows.", context.index,
                     "classification" if context.is_first else "residual regression",
                     len(context.train), len(context.valid))
        start = time.time()
        self.model.fit(train_data, validation_data=valid_data, verbose=0)
        num_trees = self.model.make_inspector().num_trees()
        logging.info("Stage %d (gbdt): trained %d trees in %.1f s.", context.index, num_trees,
                     time.time() - start)

        if not context.is_first and isinstance(context.space, LogitSpace):
            self._fit_scale(context)

    def _residual_dataset(self, table, state, context):
        targets, weights = context.space.regression_targets(table.labels, state)
        return make_tfdf_dataset(table, targets.numpy(), weights.numpy())

    def _fit_scale(self, context: StageContext) -> None:
        raw = predict_head(GBDTHead(self.model), context.valid)
        self.scale = logit_step_size(context.valid.labels, context.valid_state, raw)
        logging.info("Stage %d (gbdt): line-search scale %.4f on the validation split.",
                     context.index, self.scale)

    def head(self) -> tf.Module:
        if self.model is None:
            raise RuntimeError("GBDTStage.head() was called before fit().")
        return GBDTHead(self.model, self.scale)

    def save(self, directory: str) -> None:
        """Writes the TF-DF model to `tfdf_model/` and the line-search scale to `stage.json`."""
        self.model.save(os.path.join(directory, TFDF_MODEL_DIRECTORY))
        with open(os.path.join(directory, STAGE_FILE), "w", encoding="utf-8") as handle:
            json.dump({"kind": self.kind, "scale": float(self.scale)}, handle, indent=2)
            handle.write("\n")
