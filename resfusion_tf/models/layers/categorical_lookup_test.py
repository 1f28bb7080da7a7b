import keras
import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models.layers.categorical_lookup import CategoricalLookup


def _lookup():
    return CategoricalLookup({"site": ["a", "b"], "app": ["a"]})


def test_fused_ids_with_per_field_oov_and_missing():
    # Ids: 0 site OOV, 1 app OOV, 2 site missing, 3 app missing,
    # 4 site=a, 5 site=b, 6 app=a.
    ids = _lookup()({"site": tf.constant(["b", "zz", "", "a"]),
                     "app": tf.constant(["a", "a", "q", ""])})
    np.testing.assert_array_equal(ids.numpy(), [[5, 6], [0, 6], [2, 1], [4, 3]])


def test_same_value_in_two_fields_gets_two_ids():
    ids = _lookup()({"site": tf.constant(["a"]), "app": tf.constant(["a"])}).numpy()
    assert ids[0, 0] != ids[0, 1]


def test_num_ids():
    assert _lookup().num_ids == 2 * 2 + 3


def test_empty_vocabulary_maps_everything_to_oov():
    ids = CategoricalLookup({"site": []})({"site": tf.constant(["a", ""])})
    np.testing.assert_array_equal(ids.numpy(), [[0], [1]])


def test_missing_token_in_vocabulary_rejected():
    with pytest.raises(ValueError, match="'site'"):
        CategoricalLookup({"site": ["a", ""]})


def test_config_round_trip():
    layer = _lookup()
    restored = CategoricalLookup.from_config(layer.get_config())
    inputs = {"site": tf.constant(["b", "zz"]), "app": tf.constant(["a", ""])}
    np.testing.assert_array_equal(restored(inputs).numpy(), layer(inputs).numpy())
    assert isinstance(keras.layers.deserialize(keras.layers.serialize(layer)), CategoricalLookup)
