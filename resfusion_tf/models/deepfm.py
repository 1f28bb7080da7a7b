"""DeepFM: a linear term, an FM pairwise term and an MLP over shared embeddings.

Guo et al., "DeepFM: A Factorization-Machine based Neural Network for CTR Prediction"
(IJCAI 2017). The three parts read the same field embeddings and their logits add up.
"""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.inputs import make_inputs


def build_feature_embedding(statistics: FeatureStatistics, config: NeuralConfig) -> layers.FeatureEmbedding:
    """Returns the shared raw-feature input layer configured from training statistics."""
    return layers.FeatureEmbedding(
        vocabularies=statistics.vocabularies,
        numeric_means=statistics.numeric_means,
        numeric_stds=statistics.numeric_stds,
        embedding_dim=config.embedding_dim,
        l2=config.l2,
        name="feature_embedding",
    )


def build_deepfm(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig) -> keras.Model:
    """Builds a functional DeepFM over raw features that outputs a float32 logit `[batch]`.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Embedding size, hidden units, dropout and L2.
    """
    inputs = make_inputs(schema)
    embeddings, linear_logit = build_feature_embedding(statistics, config)(inputs)

    fm_logit = layers.FactorizationMachine(name="fm")(embeddings)
    flat = keras.layers.Flatten(name="flatten")(embeddings)
    deep_logit = layers.MLP(config.hidden_units, config.dropout, config.l2, name="mlp")(flat)

    logit = keras.layers.Add(name="logit", dtype="float32")([linear_logit, fm_logit, deep_logit])
    return keras.Model(inputs, logit, name="deepfm")
