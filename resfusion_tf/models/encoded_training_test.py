"""Tests of training over encoded features with a raw-input model's layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models import model_testing
from resfusion_tf.models.deepfm import build_deepfm
from resfusion_tf.models.dnn import build_dnn
from resfusion_tf.models.encoded_training import split_encoded_model
from resfusion_tf.models.fm import build_fm
from resfusion_tf.models.gbdt2dnn import build_gbdt2dnn
from resfusion_tf.models.leaf_inputs import LeafShape
from resfusion_tf.models.lr import build_lr
from resfusion_tf.residual.dataset import make_residual_dataset

_BUILDERS = {"deepfm": build_deepfm, "dnn": build_dnn, "fm": build_fm, "lr": build_lr}


def _build(kind, layout):
    table = model_testing.tiny_table(layout)
    statistics = model_testing.tiny_statistics(table)
    keras.utils.set_random_seed(0)
    model = _BUILDERS[kind](table.schema, statistics, model_testing.TINY_NEURAL)
    return table, model


def _encode(encoded, features):
    tensors = {name: tf.constant(values) for name, values in features.items()}
    return encoded.feature_embedding.encode(tensors)


@pytest.mark.parametrize("layout", model_testing.LAYOUTS)
@pytest.mark.parametrize("kind", sorted(_BUILDERS))
def test_encoded_model_matches_raw_model(kind, layout):
    table, model = _build(kind, layout)
    encoded = split_encoded_model(model)
    assert encoded is not None

    expected = model_testing.predict_logits(model, table.features)
    actual = np.asarray(encoded.model(_encode(encoded, table.features), training=False))
    np.testing.assert_allclose(actual, expected, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(_BUILDERS))
def test_encoded_model_shares_weights(kind):
    _, model = _build(kind, "mixed")
    encoded = split_encoded_model(model)
    assert {id(weight) for weight in encoded.model.weights} == {id(w) for w in model.weights}


def test_training_encoded_model_updates_raw_model():
    table, model = _build("deepfm", "mixed")
    encoded = split_encoded_model(model)
    before = model_testing.predict_logits(model, table.features)
    encoded.model.compile(optimizer=keras.optimizers.Adam(1e-2),
                          loss=keras.losses.BinaryCrossentropy(from_logits=True))
    dataset = make_residual_dataset(table, None, 64, shuffle=True, seed=0,
                                    encoder=encoded.feature_embedding.encode)
    encoded.model.fit(dataset, epochs=1, verbose=0)

    after = model_testing.predict_logits(model, table.features)
    encoded_after = np.asarray(encoded.model(_encode(encoded, table.features), training=False))
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(encoded_after, after, atol=1e-6)


def test_unseen_and_missing_values_match_raw_model():
    table, model = _build("deepfm", "mixed")
    encoded = split_encoded_model(model)
    features = {name: values[:3].copy() for name, values in table.features.items()}
    features["site"][:] = ["never_seen", "", "site_1"]
    features["x1"][:] = [np.nan, np.inf, -5.0]

    expected = model_testing.predict_logits(model, features)
    actual = np.asarray(encoded.model(_encode(encoded, features), training=False))
    np.testing.assert_allclose(actual, expected, atol=1e-6)


def test_model_with_leaf_input_is_not_split():
    table = model_testing.tiny_table("mixed")
    statistics = model_testing.tiny_statistics(table)
    model = build_gbdt2dnn(table.schema, statistics, model_testing.TINY_NEURAL,
                           LeafShape(num_trees=3, leaves_per_tree=4))
    assert split_encoded_model(model) is None
