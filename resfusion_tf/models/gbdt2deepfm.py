"""GBDT2DeepFM: a DeepFM whose fields are the raw features plus one field per GBDT tree."""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.gbdt2dnn import embed_raw_and_leaves
from resfusion_tf.models.leaf_inputs import LeafShape


def build_gbdt2deepfm(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig,
                      leaf_shape: LeafShape) -> keras.Model:
    """Builds a functional DeepFM over raw fields and leaf fields; outputs a logit `[batch]`.

    The linear, FM and MLP parts all read the raw fields and the leaf fields.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Embedding size, hidden units, dropout and L2.
        leaf_shape: Number of trees and leaves per tree of the GBDT.
    """
    inputs, embeddings, linear_logit = embed_raw_and_leaves(schema, statistics, config, leaf_shape)
    fm_logit = layers.FactorizationMachine(name="fm")(embeddings)
    flat = keras.layers.Flatten(name="flatten")(embeddings)
    deep_logit = layers.MLP(config.hidden_units, config.dropout, config.l2, name="mlp")(flat)
    logit = keras.layers.Add(name="logit", dtype="float32")([linear_logit, fm_logit, deep_logit])
    return keras.Model(inputs, logit, name="gbdt2deepfm")
