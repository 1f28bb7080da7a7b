"""DNN: an MLP over the shared field embeddings."""

import keras

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.models import layers
from resfusion_tf.models.deepfm import build_feature_embedding
from resfusion_tf.models.inputs import make_inputs


def build_dnn(schema: FeatureSchema, statistics: FeatureStatistics, config: NeuralConfig) -> keras.Model:
    """Builds a functional embedding + MLP model that outputs a float32 logit `[batch]`.

    The first-order term of the embedding layer is left out, so this is the plain DNN
    baseline of the ResFusion comparison.
    """
    inputs = make_inputs(schema)
    embeddings, _ = build_feature_embedding(statistics, config)(inputs)
    flat = keras.layers.Flatten(name="flatten")(embeddings)
    logit = layers.MLP(config.hidden_units, config.dropout, config.l2, name="mlp")(flat)
    return keras.Model(inputs, logit, name="dnn")
