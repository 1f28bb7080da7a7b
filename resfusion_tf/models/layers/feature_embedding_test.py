import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models.layers.feature_embedding import FeatureEmbedding


def _inputs():
    return {"site": tf.constant(["a", "unseen", ""]), "x": tf.constant([1.0, np.nan, -2.0])}


def test_shapes_and_field_order():
    layer = FeatureEmbedding({"site": ["a"]}, {"x": 0.0}, {"x": 1.0}, embedding_dim=3)
    embeddings, linear = layer(_inputs())
    assert embeddings.shape == (3, 2, 3)
    assert linear.shape == (3,)
    assert linear.dtype == tf.float32


def test_missing_numeric_uses_missing_embedding():
    layer = FeatureEmbedding({}, {"x": 0.0}, {"x": 1.0}, embedding_dim=2)
    layer.build()
    layer.numeric_table.assign([[1.0, 1.0]])
    layer.missing_table.assign([[7.0, 8.0]])
    embeddings, _ = layer({"x": tf.constant([np.nan])})
    np.testing.assert_array_equal(embeddings.numpy(), [[[7.0, 8.0]]])


def test_dense_only_and_categorical_only():
    dense = FeatureEmbedding({}, {"x": 0.0}, {"x": 1.0}, embedding_dim=2)
    categorical = FeatureEmbedding({"site": ["a"]}, {}, {}, embedding_dim=2)
    assert dense({"x": tf.constant([1.0])})[0].shape == (1, 1, 2)
    assert categorical({"site": tf.constant(["a"])})[0].shape == (1, 1, 2)


def test_l2_adds_a_loss():
    layer = FeatureEmbedding({"site": ["a"]}, {}, {}, embedding_dim=2, l2=0.1)
    layer({"site": tf.constant(["a"])})
    assert len(layer.losses) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(embedding_dim=0), "got 0"),
    (dict(l2=-1.0), "got -1.0"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FeatureEmbedding({"site": ["a"]}, {}, {}, **kwargs)


def test_config_is_complete():
    layer = FeatureEmbedding({"site": ["a"]}, {"x": 0.5}, {"x": 2.0}, embedding_dim=4, l2=0.01)
    config = layer.get_config()
    restored = FeatureEmbedding.from_config(config)
    assert restored.get_config() == config


def test_encoded_inputs_give_raw_outputs():
    layer = FeatureEmbedding({"site": ["a"]}, {"x": 0.5}, {"x": 2.0}, embedding_dim=3)
    raw_embeddings, raw_linear = layer(_inputs())
    encoded = layer.encode(_inputs())
    assert FeatureEmbedding.is_encoded(encoded)
    assert not FeatureEmbedding.is_encoded(_inputs())
    embeddings, linear = layer(encoded)
    np.testing.assert_array_equal(embeddings.numpy(), raw_embeddings.numpy())
    np.testing.assert_array_equal(linear.numpy(), raw_linear.numpy())


def test_encoded_ids_keep_oov_and_missing_buckets():
    layer = FeatureEmbedding({"site": ["a"]}, {}, {}, embedding_dim=2)
    encoded = layer.encode({"site": tf.constant(["a", "unseen", ""])})
    assert set(encoded) == {"encoded_categorical_ids"}
    # One field: id 0 is its OOV bucket, 1 its missing bucket, 2 the value "a".
    assert encoded["encoded_categorical_ids"].numpy().ravel().tolist() == [2, 0, 1]
