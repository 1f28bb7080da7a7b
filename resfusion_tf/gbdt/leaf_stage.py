"""Leaf-index stage: a GBDT whose active leaves are categorical fields of a Keras network.

This is the stage of GBDT+LR, GBDT2DNN and GBDT2DeepFM. The GBDT always fits the
label, because it is a feature transform; the network fits the label (first stage) or
the residual (later stage). The serving head computes the leaves inside the graph
with TF-DF's `call_get_leaves`, so the exported model still takes raw features.
"""

import dataclasses
import json
import os
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf
import tensorflow_decision_forests as tfdf
from absl import logging

from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.fusion.stage import Stage, StageContext
from resfusion_tf.gbdt.sampling import sample_training_rows
from resfusion_tf.gbdt.stage import build_gbdt_model, make_tfdf_dataset
from resfusion_tf.gbdt.trees import forest_size
from resfusion_tf.models.inputs import make_inputs
from resfusion_tf.models.leaf_inputs import LEAVES_KEY, LeafShape, make_leaf_input
from resfusion_tf.models.stage import (ValidationAUC, compile_training_model,
                                       progress_verbosity)
from resfusion_tf.residual.dataset import PREVIOUS_STATE_KEY, make_residual_dataset
from resfusion_tf.residual.spaces import LogitSpace

LeafModelBuilder = Callable[..., keras.Model]
# Written by `LeafStage.save` beside the forest and the network: the leaf input size
# that the network must be rebuilt with before its weights are loaded.
# NOTE: `resfusion_tf.fusion.restore` does not rebuild leaf stages from these files yet,
# so resfusion-export rejects them; resfusion-train --export_dir exports them.
LEAF_STAGE_FILE = "leaf_stage.json"
_LEAVES_BATCH_SIZE = 4096


class LeafHead(tf.Module):
    """Serving head: raw features to leaf indices to the network's `[batch]` output.

    Args:
        gbdt_model: The trained TF-DF model that produces the leaves.
        network: The Keras 3 model over raw features and `LEAVES_KEY`.
        feature_names: Raw feature names of the schema.
    """

    def __init__(self, gbdt_model, network: keras.Model, feature_names, name=None):
        super().__init__(name=name)
        self.gbdt_model = gbdt_model
        self.network = network
        self.feature_names = list(feature_names)

    def __call__(self, features):
        inputs = {name: features[name] for name in self.feature_names}
        leaves = tf.cast(self.gbdt_model.call_get_leaves(inputs), tf.int32)
        output = self.network({**inputs, LEAVES_KEY: leaves}, training=False)
        return tf.cast(tf.reshape(output, [-1]), tf.float32)


def predict_leaves(gbdt_model, table: ExampleTable) -> np.ndarray:
    """Returns the int32 leaf index `[rows, num_trees]` of every row of `table`."""
    dataset = tf.data.Dataset.from_tensor_slices(table.features).batch(_LEAVES_BATCH_SIZE)
    return np.asarray(gbdt_model.predict_get_leaves(dataset), np.int32)


def with_leaves(table: ExampleTable, leaves: np.ndarray) -> ExampleTable:
    """Returns `table` with an extra `LEAVES_KEY` column of leaf indices."""
    return ExampleTable(table.schema, {**table.features, LEAVES_KEY: leaves}, table.labels)


class LeafStage(Stage):
    """Trains a GBDT on the label, then a network on raw features and its leaf indices.

    Args:
        kind: Stage name used in output names, such as "gbdt2dnn".
        builder: Function `(schema, statistics, neural_config, leaf_shape)` that
            returns a functional model over raw features and `LEAVES_KEY` with a
            `[batch]` float32 output.
    """

    def __init__(self, kind: str, builder: LeafModelBuilder):
        self.kind = kind
        self.builder = builder
        self.gbdt_model = None
        self.network = None
        self.num_tree_nodes = 0
        self.leaf_shape = None
        self.feature_names = ()

    def fit(self, context: StageContext) -> None:
        config = context.config
        schema = context.train.schema
        self.feature_names = schema.features

        gbdt_config = dataclasses.replace(config.gbdt, num_trees=config.gbdt.leaf_num_trees)
        self.gbdt_model = build_gbdt_model(gbdt_config, tfdf.keras.Task.CLASSIFICATION, config.seed,
                                           numeric_features=schema.numeric)
        # The forest trains on at most `gbdt.max_rows` rows; the network reads every row.
        gbdt_train = sample_training_rows(context).train
        start = time.time()
        self.gbdt_model.fit(make_tfdf_dataset(gbdt_train, gbdt_train.labels),
                            validation_data=make_tfdf_dataset(context.valid, context.valid.labels),
                            verbose=0)
        size = forest_size(self.gbdt_model)
        self.num_tree_nodes = size.num_nodes
        leaf_shape = LeafShape(size.num_trees, max(size.max_leaves_per_tree, 1))
        self.leaf_shape = leaf_shape
        logging.info("Stage %d (%s): trained %d trees with at most %d leaves in %.1f s.",
                     context.index, self.kind, leaf_shape.num_trees, leaf_shape.leaves_per_tree,
                     time.time() - start)

        train = with_leaves(context.train, predict_leaves(self.gbdt_model, context.train))
        valid = with_leaves(context.valid, predict_leaves(self.gbdt_model, context.valid))
        keras.utils.set_random_seed(config.seed + context.index)
        self.network = self.builder(schema, context.statistics, config.neural, leaf_shape)
        self._fit_network(context, train, valid, leaf_shape)

    def _fit_network(self, context: StageContext, train: ExampleTable, valid: ExampleTable,
                     leaf_shape: LeafShape) -> None:
        neural = context.config.neural
        # NOTE: these networks take leaf indices beside the raw features, so
        # split_encoded_model does not apply, and every step looks up strings again.
        training_model, loss = self._training_model(context, leaf_shape)
        compile_training_model(training_model, loss, neural)
        train_data = make_residual_dataset(train, context.train_state, neural.batch_size,
                                           shuffle=True, seed=context.config.seed)
        valid_data = make_residual_dataset(valid, context.valid_state, 8192, shuffle=False, seed=0)
        callbacks = [
            ValidationAUC(valid_data, valid.labels),
            keras.callbacks.EarlyStopping(monitor="val_auc", mode="max",
                                          patience=neural.early_stopping_patience,
                                          restore_best_weights=True, verbose=1),
            keras.callbacks.TensorBoard(log_dir=context.log_dir),
        ]
        logging.info("Stage %d (%s): training the network on %d rows for at most %d epochs.",
                     context.index, self.kind, len(train), neural.epochs)
        training_model.fit(train_data, epochs=neural.epochs, callbacks=callbacks,
                           verbose=progress_verbosity())

    def _training_model(self, context: StageContext, leaf_shape: LeafShape):
        """Returns `(training_model, loss)`, as `models.stage.build_training_model` does."""
        if context.is_first:
            return self.network, keras.losses.BinaryCrossentropy(from_logits=True)
        inputs = make_inputs(context.train.schema)
        inputs[LEAVES_KEY] = make_leaf_input(leaf_shape)
        previous = keras.Input(shape=(), dtype="float32", name=PREVIOUS_STATE_KEY)
        output = keras.layers.Add(dtype="float32", name="cumulative")([previous, self.network(inputs)])
        training_model = keras.Model({**inputs, PREVIOUS_STATE_KEY: previous}, output)
        if isinstance(context.space, LogitSpace):
            return training_model, keras.losses.BinaryCrossentropy(from_logits=True)
        return training_model, keras.losses.MeanSquaredError()

    def head(self) -> tf.Module:
        if self.network is None:
            raise RuntimeError(f"LeafStage({self.kind!r}).head() was called before fit().")
        return LeafHead(self.gbdt_model, self.network, self.feature_names)

    def save(self, directory: str) -> None:
        self.gbdt_model.save(os.path.join(directory, "tfdf_model"))
        self.network.save(os.path.join(directory, f"{self.kind}.keras"))
        with open(os.path.join(directory, LEAF_STAGE_FILE), "w", encoding="utf-8") as handle:
            json.dump({**dataclasses.asdict(self.leaf_shape),
                       "num_tree_nodes": self.num_tree_nodes}, handle, indent=2)

    def num_parameters(self) -> int:
        """Returns the tree node count plus the network's parameter count."""
        return self.num_tree_nodes + self.network.count_params()
