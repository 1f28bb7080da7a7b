"""GBDT+LR: logistic regression on GBDT leaf indices and the raw features.

He et al., "Practical Lessons from Predicting Clicks on Ads at Facebook" (ADKDD
2014): each tree's active leaf is a categorical feature of a linear model.
"""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.inputs import make_inputs
from resfusion_tf.models.leaf_inputs import LEAVES_KEY, LeafShape, make_leaf_input


def build_gbdt_lr(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig,
                  leaf_shape: LeafShape) -> keras.Model:
    """Builds a functional LR over raw features plus leaf indices; outputs a logit `[batch]`.

    The logit is the sum of one weight per active leaf and the first-order term of the
    raw features (as in `build_lr`). The model's inputs are the raw features and
    `LEAVES_KEY`, the int32 `[batch, num_trees]` leaf indices.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Only `l2` is used.
        leaf_shape: Number of trees and leaves per tree of the GBDT.
    """
    inputs = make_inputs(schema)
    inputs[LEAVES_KEY] = make_leaf_input(leaf_shape)
    raw_features = {name: inputs[name] for name in schema.features}
    _, raw_logit = layers.FeatureEmbedding(
        vocabularies=statistics.vocabularies, numeric_means=statistics.numeric_means,
        numeric_stds=statistics.numeric_stds, embedding_dim=1, l2=config.l2,
        name="feature_embedding")(raw_features)
    _, leaf_logit = layers.LeafEmbedding(
        leaf_shape.num_trees, leaf_shape.leaves_per_tree, embedding_dim=1, l2=config.l2,
        name="leaf_embedding")(inputs[LEAVES_KEY])
    logit = keras.layers.Add(name="logit", dtype="float32")([raw_logit, leaf_logit])
    return keras.Model(inputs, logit, name="gbdt_lr")
