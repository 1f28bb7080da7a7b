"""Neural stage: a Keras model fitted to the label or to the residual."""

import math
import os
import sys
from typing import Callable, Optional

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from resfusion_tf import metrics
from resfusion_tf.config import NeuralConfig
from resfusion_tf.fusion.heads import KerasHead
from resfusion_tf.fusion.stage import Stage, StageContext
from resfusion_tf.models.encoded_training import split_encoded_model
from resfusion_tf.models.fused_adam import FusedAdam
from resfusion_tf.models.inputs import make_inputs
from resfusion_tf.residual.dataset import PREVIOUS_STATE_KEY, make_residual_dataset
from resfusion_tf.residual.spaces import LogitSpace

ModelBuilder = Callable[..., keras.Model]


class ValidationAUC(keras.callbacks.Callback):
    """Adds `val_auc`, the exact AUC of the cumulative prediction, to the epoch logs."""

    def __init__(self, dataset: tf.data.Dataset, labels: np.ndarray):
        super().__init__()
        self.dataset = dataset
        self.labels = labels

    def on_epoch_end(self, epoch, logs=None):
        scores = self.model.predict(self.dataset, verbose=0)
        logs["val_auc"] = metrics.auc(self.labels, scores)
        logging.info("Epoch %d: validation AUC of the cumulative prediction %.5f.",
                     epoch + 1, logs["val_auc"])


def build_training_model(model: keras.Model, context: StageContext,
                         inputs: Optional[dict] = None):
    """Wraps `model` so that its output is the cumulative prediction, and picks the loss.

    Args:
        model: Model with a `[batch]` float32 output.
        context: The stage's context, which tells whether it is a first stage and in
            which space it fits.
        inputs: New `keras.Input`s matching `model`'s inputs. Defaults to the raw
            features of the training schema.

    Returns:
        `(training_model, loss)`. A first stage trains its logit with log loss. A
        residual stage takes the previous state as an extra input: in logit space the
        output is `state + f(x)` with log loss, in probability space it is
        `state + r(x)` with squared error, which regresses `y - state`.
    """
    if context.is_first:
        return model, keras.losses.BinaryCrossentropy(from_logits=True)

    if inputs is None:
        inputs = make_inputs(context.train.schema)
    previous = keras.Input(shape=(), dtype="float32", name=PREVIOUS_STATE_KEY)
    output = keras.layers.Add(dtype="float32", name="cumulative")([previous, model(inputs)])
    training_model = keras.Model({**inputs, PREVIOUS_STATE_KEY: previous}, output)
    if isinstance(context.space, LogitSpace):
        return training_model, keras.losses.BinaryCrossentropy(from_logits=True)
    return training_model, keras.losses.MeanSquaredError()


def compile_training_model(training_model: keras.Model, loss: keras.losses.Loss,
                           config: NeuralConfig) -> None:
    """Compiles `training_model` with Adam and `loss`, as every neural stage trains.

    The optimizer is `FusedAdam`, one fused kernel per variable. Under a
    `mixed_float16` policy, Keras 3 `compile` wraps it in a `LossScaleOptimizer` by
    itself.
    """
    training_model.compile(optimizer=FusedAdam(config.learning_rate), loss=loss)


def progress_verbosity() -> int:
    """Returns the `verbose` value for `fit` that suits where the output goes.

    That is a progress bar on a terminal or in a notebook, and one line per epoch
    otherwise, because Keras' "auto" draws the progress bar, with its terminal control
    codes, into log files too.
    """
    interactive = sys.stdout.isatty() or "ipykernel" in sys.modules
    return 1 if interactive else 2


class NeuralStage(Stage):
    """Trains a Keras model from `builder(schema, statistics, neural_config)`.

    Args:
        kind: Stage name used in output names, such as "deepfm" or "dnn".
        builder: Function that returns a functional model over raw features with a
            `[batch]` float32 output.
    """

    def __init__(self, kind: str, builder: ModelBuilder):
        self.kind = kind
        self.builder = builder
        self.model = None
        self.feature_names = ()

    def fit(self, context: StageContext) -> None:
        config = context.config.neural
        keras.utils.set_random_seed(context.config.seed + context.index)
        self.feature_names = context.train.schema.features
        self.model = self.builder(context.train.schema, context.statistics, config)
        # The stage trains a model over encoded features that shares every layer and
        # weight with self.model, the raw-input model that gets exported. The same
        # FeatureEmbedding layer encodes the inputs in tf.data, once per table in
        # memory and once per batch when streaming, so no training step looks up
        # strings.
        encoded = split_encoded_model(self.model)
        encoder = None
        if encoded is None:
            training_model, loss = build_training_model(self.model, context)
        else:
            encoder = encoded.feature_embedding.encode
            training_model, loss = build_training_model(
                encoded.model, context, encoded.feature_embedding.make_encoded_inputs())
        compile_training_model(training_model, loss, config)

        if context.streams is not None:
            train_data, valid_data, valid_labels = context.streams.neural_inputs(
                config.batch_size, context.config.seed, encoder=encoder)
            num_rows = context.streams.num_train_rows
            steps_per_epoch = None
        else:
            # An endless dataset with a fixed number of steps per epoch lets Keras keep one
            # iterator for the whole fit. Building an iterator per epoch over in-memory
            # columns cost about 0.6 s per epoch on the Criteo sample on 2 CPU cores.
            train_data = make_residual_dataset(context.train, context.train_state,
                                               config.batch_size, shuffle=True,
                                               seed=context.config.seed,
                                               encoder=encoder).repeat()
            steps_per_epoch = math.ceil(len(context.train) / config.batch_size)
            valid_data = make_residual_dataset(context.valid, context.valid_state, 8192,
                                               shuffle=False, seed=0, encoder=encoder)
            valid_labels, num_rows = context.valid.labels, len(context.train)
        callbacks = [
            ValidationAUC(valid_data, valid_labels),
            keras.callbacks.EarlyStopping(monitor="val_auc", mode="max",
                                          patience=config.early_stopping_patience,
                                          restore_best_weights=True, verbose=1),
            keras.callbacks.TensorBoard(log_dir=context.log_dir),
        ]
        logging.info("Stage %d (%s): training on %d rows for at most %d epochs, batch size %d.",
                     context.index, self.kind, num_rows, config.epochs,
                     config.batch_size)
        training_model.fit(train_data, epochs=config.epochs, steps_per_epoch=steps_per_epoch,
                           callbacks=callbacks, verbose=progress_verbosity())

    def head(self) -> tf.Module:
        if self.model is None:
            raise RuntimeError(f"NeuralStage({self.kind!r}).head() was called before fit().")
        return KerasHead(self.model, self.feature_names)

    def save(self, directory: str) -> None:
        self.model.save(os.path.join(directory, f"{self.kind}.keras"))
