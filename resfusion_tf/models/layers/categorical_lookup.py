"""Lookup of raw categorical strings into one fused id space with per-field OOV."""

import keras
import tensorflow as tf

_SEPARATOR = "="


@keras.saving.register_keras_serializable(package="resfusion_tf")
class CategoricalLookup(keras.layers.Layer):
    """Maps raw string values of several fields to ids of one fused embedding table.

    With F fields and V vocabulary entries in total, ids are laid out as:
      * `[0, F)`: the OOV bucket of each field, for values not in its vocabulary;
      * `[F, 2F)`: the missing bucket of each field, for the empty string;
      * `[2F, 2F + V)`: vocabulary entries, field after field.
    One table with per-field offsets replaces one table per field, so a model does one
    gather per batch instead of F. Values are prefixed with their field name before
    the lookup, so the same string in two fields gets two ids.

    Args:
        vocabularies: dict mapping each field name, in input order, to its list of
            known values. "" must not appear, since it means missing.

    Example:

    >>> layer = CategoricalLookup({"site": ["a", "b"], "app": ["a"]})
    >>> layer({"site": tf.constant(["b", "zz", ""]), "app": tf.constant(["a", "a", "q"])})
    <tf.Tensor: shape=(3, 2), dtype=int64, numpy=
    array([[5, 6],
           [0, 6],
           [2, 1]])>
    """

    def __init__(self, vocabularies: dict[str, list[str]], **kwargs):
        super().__init__(**kwargs)
        if not vocabularies:
            raise ValueError(f"vocabularies must name at least one field, got {vocabularies!r}.")
        for field, values in vocabularies.items():
            if "" in values:
                raise ValueError(
                    f"The vocabulary of field {field!r} contains '', which is reserved for "
                    "missing values."
                )
        self.vocabularies = {field: list(values) for field, values in vocabularies.items()}
        self.fields = list(self.vocabularies)
        tokens = [
            f"{field}{_SEPARATOR}{value}"
            for field in self.fields
            for value in self.vocabularies[field]
        ]
        self.vocabulary_size = len(tokens)
        self._lookup = (
            keras.layers.StringLookup(vocabulary=tokens, num_oov_indices=1, mask_token=None)
            if tokens
            else None
        )

    @property
    def num_ids(self) -> int:
        """Size of the fused id space: OOV and missing buckets plus vocabulary."""
        return 2 * len(self.fields) + self.vocabulary_size

    def call(self, inputs: dict) -> tf.Tensor:
        num_fields = len(self.fields)
        values = tf.stack([tf.reshape(inputs[field], [-1]) for field in self.fields], axis=1)
        field_ids = tf.range(num_fields, dtype=tf.int64)

        ids = tf.broadcast_to(field_ids, tf.shape(values, out_type=tf.int64))
        if self._lookup is not None:
            prefixes = tf.constant([f"{field}{_SEPARATOR}" for field in self.fields])
            index = tf.cast(self._lookup(prefixes + values), tf.int64)
            ids = tf.where(index > 0, 2 * num_fields + index - 1, ids)

        return tf.where(tf.equal(values, ""), num_fields + field_ids, ids)

    def compute_output_shape(self, input_shape):
        return (None, len(self.fields))

    def get_config(self):
        config = super().get_config()
        config["vocabularies"] = self.vocabularies
        return config
