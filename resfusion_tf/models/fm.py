"""FM: a factorization machine with first- and second-order terms.

Rendle, "Factorization Machines" (ICDM 2010). It is DeepFM without the MLP.
"""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.deepfm import build_feature_embedding
from resfusion_tf.models.inputs import make_inputs


def build_fm(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig) -> keras.Model:
    """Builds a functional FM over raw features that outputs a float32 logit `[batch]`.

    Args:
        schema: Names and types of the raw input features.
        statistics: Vocabularies and numeric moments from the training split.
        config: Embedding size and L2; the hidden units and dropout are unused.
    """
    inputs = make_inputs(schema)
    embeddings, linear_logit = build_feature_embedding(statistics, config)(inputs)
    fm_logit = layers.FactorizationMachine(name="fm")(embeddings)
    logit = keras.layers.Add(name="logit", dtype="float32")([linear_logit, fm_logit])
    return keras.Model(inputs, logit, name="fm")
