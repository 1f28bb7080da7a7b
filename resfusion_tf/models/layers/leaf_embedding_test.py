import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models.layers.leaf_embedding import LeafEmbedding


def test_shapes_and_dtypes():
    embeddings, linear = LeafEmbedding(num_trees=3, leaves_per_tree=4, embedding_dim=2)(
        tf.constant([[0, 1, 3], [2, 2, 2]]))
    assert embeddings.shape == (2, 3, 2)
    assert linear.shape == (2,)
    assert linear.dtype == tf.float32


def test_each_tree_has_its_own_rows():
    layer = LeafEmbedding(num_trees=2, leaves_per_tree=3, embedding_dim=1)
    layer.build()
    layer.linear.assign(np.arange(6, dtype=np.float32))
    _, linear = layer(tf.constant([[0, 0], [2, 1]]))
    # Tree 1's rows start at offset 3, so leaf 0 of tree 1 is row 3.
    np.testing.assert_array_equal(linear.numpy(), [0.0 + 3.0, 2.0 + 4.0])


def test_out_of_range_leaf_is_clipped():
    layer = LeafEmbedding(num_trees=1, leaves_per_tree=2, embedding_dim=1)
    layer.build()
    layer.linear.assign([5.0, 7.0])
    _, linear = layer(tf.constant([[9], [-1]]))
    np.testing.assert_array_equal(linear.numpy(), [7.0, 5.0])


def test_l2_adds_a_loss():
    layer = LeafEmbedding(num_trees=1, leaves_per_tree=2, embedding_dim=2, l2=0.1)
    layer(tf.constant([[1]]))
    assert len(layer.losses) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_trees=0, leaves_per_tree=2), "num_trees must be at least 1, got 0"),
    (dict(num_trees=1, leaves_per_tree=0), "leaves_per_tree must be at least 1, got 0"),
    (dict(num_trees=1, leaves_per_tree=2, embedding_dim=0), "got 0"),
    (dict(num_trees=1, leaves_per_tree=2, l2=-0.5), "got -0.5"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LeafEmbedding(**kwargs)


def test_config_round_trip():
    layer = LeafEmbedding(num_trees=4, leaves_per_tree=8, embedding_dim=3, l2=0.01)
    assert LeafEmbedding.from_config(layer.get_config()).get_config() == layer.get_config()
