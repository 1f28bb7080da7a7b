"""Tiny tables and checks shared by the unit tests of the zoo models.

Three layouts cover the schemas a model must handle: "dense" (numeric features only,
NaN for some missing values), "categorical" (string features only, "" for some
missing values, as iPinYou and Avazu) and "mixed" (both, as Criteo).
"""

import os

import keras
import numpy as np
import tensorflow as tf

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import compute_statistics

LAYOUTS = ("dense", "categorical", "mixed")

# Small enough for a test to train in about a second on one CPU core.
TINY_NEURAL = NeuralConfig(embedding_dim=4, hidden_units=(8,), dropout=0.1, l2=1e-5,
                           learning_rate=1e-2, batch_size=64, epochs=2, early_stopping_patience=1)


def tiny_schema(layout: str) -> FeatureSchema:
    """Returns the schema of a layout: "dense", "categorical" or "mixed".

    Raises:
        ValueError: for another layout.
    """
    numeric = ("x1", "x2") if layout in ("dense", "mixed") else ()
    categorical = ("site", "device") if layout in ("categorical", "mixed") else ()
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose one of {LAYOUTS}.")
    return FeatureSchema(name=f"tiny_{layout}", label="click", numeric=numeric,
                         categorical=categorical)


def tiny_table(layout: str, rows: int = 256, seed: int = 0) -> ExampleTable:
    """Returns `rows` examples of a layout whose label depends on every feature."""
    rng = np.random.default_rng(seed)
    schema = tiny_schema(layout)
    features, logit = {}, np.zeros(rows)
    for name in schema.numeric:
        values = rng.normal(size=rows).astype(np.float32)
        logit += 1.5 * values
        values[rng.random(rows) < 0.1] = np.nan
        features[name] = values
    for name in schema.categorical:
        indices = rng.integers(0, 6, size=rows)
        logit += np.where(indices % 2 == 0, 1.0, -1.0)
        values = np.array([f"{name}_{index}" for index in indices], dtype=object)
        values[rng.random(rows) < 0.1] = ""
        features[name] = values
    labels = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    return ExampleTable(schema, features, labels)


def tiny_statistics(table: ExampleTable):
    """Returns the preprocessing statistics of a tiny table, keeping every value."""
    return compute_statistics(table, min_count=1)


def fit_few_steps(model: keras.Model, features: dict, labels: np.ndarray, steps: int = 3) -> None:
    """Trains `model` with log loss for `steps` batches of 64 rows of `features`."""
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(64).take(steps)
    model.fit(dataset, epochs=1, verbose=0)


def predict_logits(model: keras.Model, features: dict) -> np.ndarray:
    """Returns the model's `[rows]` output on `features`, in one batch."""
    tensors = {name: tf.constant(values) for name, values in features.items()}
    return np.asarray(model(tensors, training=False))


def keras_round_trip(model: keras.Model, directory: str, name: str) -> keras.Model:
    """Saves `model` as a `.keras` file under `directory` and loads it back."""
    path = os.path.join(directory, f"{name}.keras")
    model.save(path)
    return keras.models.load_model(path)


def add_random_leaves(features: dict, num_trees: int, leaves_per_tree: int, seed: int = 0) -> dict:
    """Returns `features` plus int32 leaf indices `[rows, num_trees]` under `LEAVES_KEY`.

    The indices stand in for a GBDT's leaves, so a network test needs no trained forest.
    """
    from resfusion_tf.models.leaf_inputs import LEAVES_KEY

    rows = len(next(iter(features.values())))
    leaves = np.random.default_rng(seed).integers(0, leaves_per_tree, size=(rows, num_trees))
    return {**features, LEAVES_KEY: leaves.astype(np.int32)}


def check_leaf_model_trains_and_round_trips(builder, layout: str, directory: str,
                                            name: str) -> None:
    """Trains a leaf-index network a few steps, then checks its logits and a save/load.

    Args:
        builder: `build_gbdt_lr`, `build_gbdt2dnn` or `build_gbdt2deepfm`.
        layout: One of `LAYOUTS`.
        directory: Folder for the saved `.keras` file.
        name: File name stem of the saved model.
    """
    from resfusion_tf.models.leaf_inputs import LeafShape

    leaf_shape = LeafShape(num_trees=3, leaves_per_tree=5)
    table = tiny_table(layout)
    model = builder(table.schema, tiny_statistics(table), TINY_NEURAL, leaf_shape)
    features = add_random_leaves(table.features, leaf_shape.num_trees, leaf_shape.leaves_per_tree)
    fit_few_steps(model, features, table.labels)

    logits = predict_logits(model, features)
    assert logits.shape == (len(table),)
    assert np.all(np.isfinite(logits))
    assert np.std(logits) > 0

    restored = keras_round_trip(model, directory, name)
    np.testing.assert_allclose(predict_logits(restored, features), logits, rtol=1e-5, atol=1e-6)


def check_leaf_model_uses_leaves(builder) -> None:
    """Checks that shifting every leaf index changes a leaf-index network's logits."""
    from resfusion_tf.models.leaf_inputs import LEAVES_KEY, LeafShape

    leaf_shape = LeafShape(num_trees=3, leaves_per_tree=5)
    table = tiny_table("mixed")
    model = builder(table.schema, tiny_statistics(table), TINY_NEURAL, leaf_shape)
    features = add_random_leaves(table.features, leaf_shape.num_trees, leaf_shape.leaves_per_tree)
    fit_few_steps(model, features, table.labels)
    shifted = dict(features)
    shifted[LEAVES_KEY] = (features[LEAVES_KEY] + 1) % leaf_shape.leaves_per_tree

    difference = np.abs(predict_logits(model, shifted) - predict_logits(model, features))
    assert difference.max() > 0
