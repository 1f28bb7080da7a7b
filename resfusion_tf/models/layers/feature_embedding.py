"""Shared raw-feature input layer: one fused embedding table and a linear term."""

import keras
import tensorflow as tf

from resfusion_tf.models.layers.categorical_lookup import CategoricalLookup
from resfusion_tf.models.layers.numeric_encoding import NumericEncoding

# Keys of the encoded inputs that `FeatureEmbedding.encode` returns and `call` accepts.
CATEGORICAL_IDS_KEY = "encoded_categorical_ids"
NUMERIC_VALUES_KEY = "encoded_numeric_values"
NUMERIC_MISSING_KEY = "encoded_numeric_missing"
ENCODED_KEYS = (CATEGORICAL_IDS_KEY, NUMERIC_VALUES_KEY, NUMERIC_MISSING_KEY)


@keras.saving.register_keras_serializable(package="resfusion_tf")
class FeatureEmbedding(keras.layers.Layer):
    """Turns a dict of raw features into field embeddings and a first-order logit.

    Categorical fields go through `CategoricalLookup` into one fused table, so each
    field's OOV and missing values have their own learned row. Numeric fields go
    through `NumericEncoding`. Numeric field j is embedded as `x_j * v_j` when present
    and as a learned `m_j` when missing, the usual DeepFM treatment of dense fields.

    The layer also accepts the output of its own `encode` method in place of raw
    features. Training pipelines use that to run the string lookup once in `tf.data`
    and to train an XLA-compiled model over integer ids, while the exported model
    calls the same layer, with the same lookup tables and weights, on raw features.

    Args:
        vocabularies: dict mapping each categorical field to its known values. May be
            empty for a dense-only schema.
        numeric_means: dict mapping each numeric field to its training mean (see
            `NumericEncoding`). May be empty for a categorical-only schema.
        numeric_stds: dict mapping each numeric field to its training standard
            deviation.
        embedding_dim: int, size of each field embedding. Defaults to 16.
        l2: float, L2 penalty on the embedding and linear rows used in a batch.
            Defaults to 0.0.

    Returns:
        A tuple `(embeddings, linear_logit)`: embeddings of shape
        `[batch, num_fields, embedding_dim]` in the compute dtype, numeric fields
        first, and a float32 linear logit of shape `[batch]`.

    Example:

    >>> layer = FeatureEmbedding({"site": ["a"]}, {"x": 0.0}, {"x": 1.0}, embedding_dim=4)
    >>> embeddings, linear = layer({"site": tf.constant(["a"]), "x": tf.constant([1.0])})
    >>> embeddings.shape, linear.shape
    (TensorShape([1, 2, 4]), TensorShape([1]))
    """

    def __init__(
        self,
        vocabularies: dict[str, list[str]],
        numeric_means: dict[str, float],
        numeric_stds: dict[str, float],
        embedding_dim: int = 16,
        l2: float = 0.0,
        **kwargs,
    ):
        # The layer reads its tables and computes in float32 and casts only the returned
        # embeddings to the compute dtype. Keras autocasting would otherwise cast raw
        # numeric inputs and the float32 reads of the tables to float16 or bfloat16.
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if not vocabularies and not numeric_means:
            raise ValueError("FeatureEmbedding needs at least one categorical or numeric field.")
        if embedding_dim < 1:
            raise ValueError(f"embedding_dim must be at least 1, got {embedding_dim}.")
        if l2 < 0:
            raise ValueError(f"l2 must be non-negative, got {l2}.")
        self.vocabularies = vocabularies
        self.numeric_means = numeric_means
        self.numeric_stds = numeric_stds
        self.embedding_dim = embedding_dim
        self.l2 = l2
        self.lookup = CategoricalLookup(vocabularies, name="categorical_lookup") if vocabularies else None
        self.numeric = (
            NumericEncoding(numeric_means, numeric_stds, name="numeric_encoding")
            if numeric_means
            else None
        )

    @property
    def num_fields(self) -> int:
        return len(self.vocabularies) + len(self.numeric_means)

    def build(self, input_shape=None):
        initializer = keras.initializers.TruncatedNormal(stddev=0.01)
        if self.lookup is not None:
            self.categorical_table = self.add_weight(
                shape=(self.lookup.num_ids, self.embedding_dim), initializer=initializer,
                name="categorical_table")
            self.categorical_linear = self.add_weight(
                shape=(self.lookup.num_ids,), initializer="zeros", name="categorical_linear")
        if self.numeric is not None:
            num_numeric = len(self.numeric_means)
            self.numeric_table = self.add_weight(
                shape=(num_numeric, self.embedding_dim), initializer=initializer,
                name="numeric_table")
            self.missing_table = self.add_weight(
                shape=(num_numeric, self.embedding_dim), initializer=initializer,
                name="missing_table")
            self.numeric_linear = self.add_weight(
                shape=(num_numeric,), initializer="zeros", name="numeric_linear")
            self.missing_linear = self.add_weight(
                shape=(num_numeric,), initializer="zeros", name="missing_linear")
        self.built = True

    def encode(self, inputs: dict) -> dict:
        """Encodes raw features into the inputs that `call` also accepts.

        Args:
            inputs: dict of raw features, as `call` takes them.

        Returns:
            A dict with `CATEGORICAL_IDS_KEY` (int64 `[batch, categorical fields]`
            ids of the fused table) when the layer has categorical fields, and
            `NUMERIC_VALUES_KEY` and `NUMERIC_MISSING_KEY` (float32 `[batch, numeric
            fields]`) when it has numeric fields.
        """
        encoded = {}
        if self.numeric is not None:
            encoded[NUMERIC_VALUES_KEY], encoded[NUMERIC_MISSING_KEY] = self.numeric(inputs)
        if self.lookup is not None:
            encoded[CATEGORICAL_IDS_KEY] = self.lookup(inputs)
        return encoded

    def make_encoded_inputs(self) -> dict:
        """Returns one `keras.Input` per key of `encode`'s output, named as the key."""
        inputs = {}
        if self.numeric is not None:
            width = len(self.numeric_means)
            inputs[NUMERIC_VALUES_KEY] = keras.Input(
                shape=(width,), dtype="float32", name=NUMERIC_VALUES_KEY)
            inputs[NUMERIC_MISSING_KEY] = keras.Input(
                shape=(width,), dtype="float32", name=NUMERIC_MISSING_KEY)
        if self.lookup is not None:
            inputs[CATEGORICAL_IDS_KEY] = keras.Input(
                shape=(len(self.vocabularies),), dtype="int64", name=CATEGORICAL_IDS_KEY)
        return inputs

    @staticmethod
    def is_encoded(inputs: dict) -> bool:
        """Returns whether `inputs` is the output of `encode` rather than raw features."""
        return bool(inputs) and set(inputs) <= set(ENCODED_KEYS)

    def _embed_numeric(self, inputs):
        values, missing = inputs[NUMERIC_VALUES_KEY], inputs[NUMERIC_MISSING_KEY]
        table = tf.convert_to_tensor(self.numeric_table, tf.float32)
        missing_table = tf.convert_to_tensor(self.missing_table, tf.float32)
        embeddings = values[:, :, None] * table + missing[:, :, None] * missing_table
        linear = tf.reduce_sum(
            values * tf.convert_to_tensor(self.numeric_linear, tf.float32)
            + missing * tf.convert_to_tensor(self.missing_linear, tf.float32),
            axis=1,
        )
        return embeddings, linear

    def _embed_categorical(self, inputs):
        ids = inputs[CATEGORICAL_IDS_KEY]
        embeddings = tf.gather(tf.convert_to_tensor(self.categorical_table, tf.float32), ids)
        weights = tf.gather(tf.convert_to_tensor(self.categorical_linear, tf.float32), ids)
        if self.l2:
            self.add_loss(self.l2 * (tf.reduce_sum(tf.square(embeddings))
                                     + tf.reduce_sum(tf.square(weights)))
                          / tf.cast(tf.shape(ids)[0], tf.float32))
        return embeddings, tf.reduce_sum(weights, axis=1)

    def call(self, inputs: dict):
        if not self.is_encoded(inputs):
            inputs = self.encode(inputs)
        parts, linear = [], 0.0
        if self.numeric is not None:
            embeddings, numeric_linear = self._embed_numeric(inputs)
            parts.append(embeddings)
            linear += numeric_linear
        if self.lookup is not None:
            embeddings, categorical_linear = self._embed_categorical(inputs)
            parts.append(embeddings)
            linear += categorical_linear
        embeddings = tf.concat(parts, axis=1) if len(parts) > 1 else parts[0]
        return tf.cast(embeddings, self.compute_dtype), linear

    def compute_output_shape(self, input_shape):
        return (None, self.num_fields, self.embedding_dim), (None,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabularies=self.vocabularies,
            numeric_means=self.numeric_means,
            numeric_stds=self.numeric_stds,
            embedding_dim=self.embedding_dim,
            l2=self.l2,
        )
        return config
