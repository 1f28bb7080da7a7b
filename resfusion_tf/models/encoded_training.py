"""Training over encoded features with the layers and weights of a raw-input model.

A model over raw features runs `FeatureEmbedding`'s string lookup and numeric
transform on every training step. For training, `split_encoded_model` builds a second
model from the same layer objects that starts after the encoding: it takes
`FeatureEmbedding.encode`'s integer ids and encoded values. The input pipeline calls the same
`encode` method once per row, so training and serving share the lookup tables and
the weights, and the raw-input model stays the one that is exported.
"""

import dataclasses
from typing import Optional

import keras

from resfusion_tf.models.layers.feature_embedding import FeatureEmbedding


@dataclasses.dataclass
class EncodedModel:
    """A model over encoded features that shares its layers with a raw-input model.

    Attributes:
        model: Keras model over the dict that `feature_embedding.encode` returns,
            with the same output as the raw-input model.
        feature_embedding: The `FeatureEmbedding` layer of the raw-input model, whose
            `encode` method turns raw feature batches into `model`'s inputs.
    """

    model: keras.Model
    feature_embedding: FeatureEmbedding


def split_encoded_model(model: keras.Model) -> Optional[EncodedModel]:
    """Builds a model over encoded features that reuses `model`'s layers and weights.

    Args:
        model: A functional model over raw features.

    Returns:
        An `EncodedModel`, or None when `model` does not read the raw features through
        exactly one `FeatureEmbedding` call that takes all of its inputs, for example
        when it has other inputs such as GBDT leaf indices. Callers then train `model`
        on raw features.
    """
    embedding_layers = [layer for layer in model.layers if isinstance(layer, FeatureEmbedding)]
    if len(embedding_layers) != 1:
        return None
    feature_embedding = embedding_layers[0]
    if len(feature_embedding._inbound_nodes) != 1:
        return None
    raw_outputs = list(feature_embedding.output)
    try:
        head = keras.Model(raw_outputs, model.output, name=f"{model.name}_head")
    except ValueError:
        # The graph after the embedding reads other inputs as well.
        return None

    encoded_inputs = feature_embedding.make_encoded_inputs()
    embeddings, linear = feature_embedding(encoded_inputs)
    output = head([embeddings, linear])
    encoded = keras.Model(encoded_inputs, output, name=f"{model.name}_encoded")
    return EncodedModel(encoded, feature_embedding)
