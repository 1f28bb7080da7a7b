"""GBDT2DNN: a DNN whose fields are the raw features plus one field per GBDT tree."""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.deepfm import build_feature_embedding
from resfusion_tf.models.inputs import make_inputs
from resfusion_tf.models.leaf_inputs import LEAVES_KEY, LeafShape, make_leaf_input


def embed_raw_and_leaves(schema: FeatureSchema, statistics: FeatureStatistics,
                         config: NeuralConfig, leaf_shape: LeafShape):
    """Builds the inputs and embeds raw features and leaf indices as one field list.

    Returns:
        `(inputs, embeddings, linear_logit)`: the dict of Keras inputs (raw features
        and `LEAVES_KEY`), embeddings `[batch, num_raw_fields + num_trees, d]` with
        the raw fields first, and the float32 first-order logit `[batch]` of all fields.
    """
    inputs = make_inputs(schema)
    inputs[LEAVES_KEY] = make_leaf_input(leaf_shape)
    raw_features = {name: inputs[name] for name in schema.features}
    raw_embeddings, raw_logit = build_feature_embedding(statistics, config)(raw_features)
    leaf_embeddings, leaf_logit = layers.LeafEmbedding(
        leaf_shape.num_trees, leaf_shape.leaves_per_tree, config.embedding_dim, config.l2,
        name="leaf_embedding")(inputs[LEAVES_KEY])
    leaf_embeddings = keras.ops.cast(leaf_embeddings, raw_embeddings.dtype)
    embeddings = keras.layers.Concatenate(axis=1, name="fields")([raw_embeddings, leaf_embeddings])
    linear_logit = keras.layers.Add(name="linear_logit", dtype="float32")([raw_logit, leaf_logit])
    return inputs, embeddings, linear_logit


def build_gbdt2dnn(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig,
                   leaf_shape: LeafShape) -> keras.Model:
    """Builds a functional DNN over raw fields and leaf fields; outputs a logit `[batch]`.

    Like `build_dnn`, the first-order term is left out and the logit is the MLP output.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Embedding size, hidden units, dropout and L2.
        leaf_shape: Number of trees and leaves per tree of the GBDT.
    """
    inputs, embeddings, _ = embed_raw_and_leaves(schema, statistics, config, leaf_shape)
    flat = keras.layers.Flatten(name="flatten")(embeddings)
    logit = layers.MLP(config.hidden_units, config.dropout, config.l2, name="mlp")(flat)
    return keras.Model(inputs, logit, name="gbdt2dnn")
