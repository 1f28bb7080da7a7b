"""Embedding of GBDT leaf indices: one categorical field per tree."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="resfusion_tf")
class LeafEmbedding(keras.layers.Layer):
    """Turns the active leaf of each tree into a field embedding and a linear weight.

    Tree `t` is a categorical field whose values are its leaf indices, as returned
    by TF-DF's `call_get_leaves` (depth-first order, from 0). All trees share one
    table with `leaves_per_tree` rows per tree. An index outside
    `[0, leaves_per_tree)` is clipped into it. `LeafStage` sizes the layer from the
    forest's largest tree, so its leaves are always in range.

    Args:
        num_trees: int, number of trees, the width of the leaf input.
        leaves_per_tree: int, the largest number of leaves of any tree.
        embedding_dim: int, size of each field embedding. Defaults to 16.
        l2: float, L2 penalty on the embedding and linear rows used in a batch.
            Defaults to 0.0.

    Input shape: int32 `[batch, num_trees]`.
    Returns:
        A tuple `(embeddings, linear_logit)`: float32 embeddings
        `[batch, num_trees, embedding_dim]` and a float32 linear logit `[batch]`.

    Example:

    >>> layer = LeafEmbedding(num_trees=2, leaves_per_tree=4, embedding_dim=3)
    >>> embeddings, linear = layer(tf.constant([[0, 3]]))
    >>> embeddings.shape, linear.shape
    (TensorShape([1, 2, 3]), TensorShape([1]))
    """

    def __init__(self, num_trees: int, leaves_per_tree: int, embedding_dim: int = 16,
                 l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if num_trees < 1:
            raise ValueError(f"num_trees must be at least 1, got {num_trees}.")
        if leaves_per_tree < 1:
            raise ValueError(f"leaves_per_tree must be at least 1, got {leaves_per_tree}.")
        if embedding_dim < 1:
            raise ValueError(f"embedding_dim must be at least 1, got {embedding_dim}.")
        if l2 < 0:
            raise ValueError(f"l2 must be non-negative, got {l2}.")
        self.num_trees = int(num_trees)
        self.leaves_per_tree = int(leaves_per_tree)
        self.embedding_dim = int(embedding_dim)
        self.l2 = l2

    def build(self, input_shape=None):
        rows = self.num_trees * self.leaves_per_tree
        self.table = self.add_weight(
            shape=(rows, self.embedding_dim),
            initializer=keras.initializers.TruncatedNormal(stddev=0.01), name="table")
        self.linear = self.add_weight(shape=(rows,), initializer="zeros", name="linear")
        self.built = True

    def call(self, leaves):
        leaves = tf.clip_by_value(tf.cast(leaves, tf.int32), 0, self.leaves_per_tree - 1)
        offsets = tf.range(self.num_trees, dtype=tf.int32) * self.leaves_per_tree
        ids = leaves + offsets[None, :]
        embeddings = tf.gather(tf.convert_to_tensor(self.table, tf.float32), ids)
        weights = tf.gather(tf.convert_to_tensor(self.linear, tf.float32), ids)
        if self.l2:
            self.add_loss(self.l2 * (tf.reduce_sum(tf.square(embeddings))
                                     + tf.reduce_sum(tf.square(weights)))
                          / tf.cast(tf.shape(ids)[0], tf.float32))
        return embeddings, tf.reduce_sum(weights, axis=1)

    def compute_output_shape(self, input_shape):
        return (None, self.num_trees, self.embedding_dim), (None,)

    def get_config(self):
        config = super().get_config()
        config.update(num_trees=self.num_trees, leaves_per_tree=self.leaves_per_tree,
                      embedding_dim=self.embedding_dim, l2=self.l2)
        return config
