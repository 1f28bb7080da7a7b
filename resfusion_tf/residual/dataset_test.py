"""Tests of the residual tf.data pipeline."""

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.data import synthetic
from resfusion_tf.residual.dataset import PREVIOUS_STATE_KEY, encode_batch, make_residual_dataset


@pytest.fixture(scope="module")
def table():
    return synthetic.generate(100, seed=3)


def test_unshuffled_batches_keep_row_order(table):
    state = np.arange(len(table), dtype=np.float32)
    batches = list(make_residual_dataset(table, state, 32, shuffle=False, seed=0))
    assert [len(labels) for _, labels in batches] == [32, 32, 32, 4]
    states = np.concatenate([features[PREVIOUS_STATE_KEY].numpy() for features, _ in batches])
    np.testing.assert_array_equal(states, state)
    labels = np.concatenate([labels.numpy() for _, labels in batches])
    np.testing.assert_array_equal(labels, table.labels)
    first_c1 = batches[0][0]["C1"].numpy()[:5].astype(str)
    np.testing.assert_array_equal(first_c1, table.features["C1"][:5])


def test_shuffled_epochs_cover_every_row_once(table):
    state = np.arange(len(table), dtype=np.float32)
    dataset = make_residual_dataset(table, state, 16, shuffle=True, seed=1)
    epochs = []
    for _ in range(2):
        rows = np.concatenate([f[PREVIOUS_STATE_KEY].numpy() for f, _ in dataset])
        np.testing.assert_array_equal(np.sort(rows), state)
        epochs.append(rows)
    assert not np.array_equal(epochs[0], epochs[1])


def test_labels_follow_their_rows_when_shuffled(table):
    state = np.arange(len(table), dtype=np.float32)
    for features, labels in make_residual_dataset(table, state, 16, shuffle=True, seed=2):
        rows = features[PREVIOUS_STATE_KEY].numpy().astype(int)
        np.testing.assert_array_equal(labels.numpy(), table.labels[rows])
        np.testing.assert_array_equal(features["I1"].numpy(), table.features["I1"][rows])


def test_first_stage_has_no_previous_state(table):
    features, _ = next(iter(make_residual_dataset(table, None, 8, shuffle=False, seed=0)))
    assert PREVIOUS_STATE_KEY not in features
    assert features["I1"].dtype.name == "float32"
    assert features["C1"].dtype.name == "string"


def test_rejects_state_of_wrong_length(table):
    with pytest.raises(ValueError, match="previous_state must have shape"):
        make_residual_dataset(table, np.zeros(3), 8, shuffle=False, seed=0)


def _encode_site_lengths(features):
    return {"site_length": tf.strings.length(features["C1"])}


def test_encoder_output_replaces_raw_features(table):
    state = np.arange(len(table), dtype=np.float32)
    batches = list(make_residual_dataset(table, state, 32, shuffle=False, seed=0,
                                         encoder=_encode_site_lengths))
    features = batches[0][0]
    assert set(features) == {"site_length", PREVIOUS_STATE_KEY}
    lengths = np.concatenate([features["site_length"].numpy() for features, _ in batches])
    expected = [len(value.encode()) for value in table.features["C1"]]
    np.testing.assert_array_equal(lengths, expected)


def test_encoded_rows_stay_with_their_state(table):
    state = np.arange(len(table), dtype=np.float32)
    expected = np.array([len(value.encode()) for value in table.features["C1"]])
    dataset = make_residual_dataset(table, state, 16, shuffle=True, seed=4,
                                    encoder=_encode_site_lengths)
    for features, _ in dataset:
        rows = features[PREVIOUS_STATE_KEY].numpy().astype(int)
        np.testing.assert_array_equal(features["site_length"].numpy(), expected[rows])


def test_encode_batch_passes_previous_state_through():
    features = {"x": tf.constant([1.0, 2.0]), PREVIOUS_STATE_KEY: tf.constant([0.5, -0.5])}

    encoded = encode_batch(features, lambda raw: {"x_plus_one": raw["x"] + 1.0, "fields": len(raw)})

    assert set(encoded) == {"x_plus_one", "fields", PREVIOUS_STATE_KEY}
    np.testing.assert_array_equal(encoded["x_plus_one"].numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(encoded[PREVIOUS_STATE_KEY].numpy(), [0.5, -0.5])
    # The previous state is not passed to the encoder.
    assert encoded["fields"] == 1
