"""LR: logistic regression on one-hot categorical values and encoded numeric values."""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.inputs import make_inputs


def build_lr(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig) -> keras.Model:
    """Builds a functional logistic regression over raw features, outputting a logit `[batch]`.

    The logit is the first-order term of the shared `FeatureEmbedding`: one weight per
    categorical value (its one-hot coefficient, with per-field OOV and missing rows),
    plus a weight per encoded numeric value and per numeric missing indicator. The
    layer is built with `embedding_dim=1` because the embeddings are unused.

    NOTE: `count_params()` includes that unused 1-column embedding table, so it is
    about twice the number of LR coefficients.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Only `l2` is used.
    """
    inputs = make_inputs(schema)
    feature_embedding = layers.FeatureEmbedding(
        vocabularies=statistics.vocabularies,
        numeric_means=statistics.numeric_means,
        numeric_stds=statistics.numeric_stds,
        embedding_dim=1,
        l2=config.l2,
        name="feature_embedding",
    )
    _, linear_logit = feature_embedding(inputs)
    logit = keras.layers.Identity(name="logit", dtype="float32")(linear_logit)
    return keras.Model(inputs, logit, name="lr")
