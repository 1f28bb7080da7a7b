"""Keras 3 layers shared by every neural model of the zoo."""

from resfusion_tf.models.layers.categorical_lookup import CategoricalLookup
from resfusion_tf.models.layers.factorization_machine import FactorizationMachine
from resfusion_tf.models.layers.feature_embedding import FeatureEmbedding
from resfusion_tf.models.layers.mlp import MLP
from resfusion_tf.models.layers.numeric_encoding import NumericEncoding
from resfusion_tf.models.layers.leaf_embedding import LeafEmbedding
