"""Raw features as serialized `tf.Example` protos, the input of Example-based signatures.

TF Serving's Classify API, TFX and many request builders send serialized
`tf.Example`s. A numeric feature travels as a one-value `float_list` and a categorical
feature as a one-value `bytes_list`, both named as the schema column. A missing value is
an absent feature: parsing fills in the schema's missing value, NaN or "".
"""

import numpy as np
import tensorflow as tf

from resfusion_tf.data.schema import FeatureSchema


def example_parse_spec(schema: FeatureSchema) -> dict[str, tf.io.FixedLenFeature]:
    """Returns the `tf.io.parse_example` spec of the raw features of `schema`.

    Each feature is a scalar whose default is the schema's missing value: NaN for
    numeric features and "" for categorical features. A numeric feature must be sent
    as a `float_list`; an `int64_list` fails to parse with a type mismatch.
    """
    spec = {}
    for name in schema.numeric:
        spec[name] = tf.io.FixedLenFeature([], tf.float32, default_value=float("nan"))
    for name in schema.categorical:
        spec[name] = tf.io.FixedLenFeature([], tf.string, default_value="")
    return spec


def _is_missing_numeric(value) -> bool:
    return value is None or not np.isfinite(value)


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def make_example(schema: FeatureSchema, row: dict) -> tf.train.Example:
    """Builds one `tf.train.Example` from a dict of raw feature values.

    Missing values (NaN or None for numeric features, "" or None for categorical
    features) and features absent from `row` are left out of the Example.

    Args:
        schema: The feature schema.
        row: Raw values keyed by feature name.
    """
    feature = {}
    for name in schema.numeric:
        value = row.get(name)
        if not _is_missing_numeric(value):
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
    for name in schema.categorical:
        value = row.get(name)
        if value is not None and value not in ("", b""):
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[_as_bytes(value)]))
    return tf.train.Example(features=tf.train.Features(feature=feature))


def serialize_examples(schema: FeatureSchema, features: dict[str, np.ndarray]) -> list[bytes]:
    """Serializes column arrays of raw features into one `tf.Example` per row.

    Args:
        schema: The feature schema.
        features: One equal-length array per feature, as in `ExampleTable.features`.
            Features absent from the dict are missing in every row.

    Raises:
        ValueError: if the arrays differ in length.
    """
    lengths = {name: len(column) for name, column in features.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Feature arrays must have equal lengths, got {lengths}.")
    num_rows = next(iter(lengths.values()), 0)
    serialized = []
    for row in range(num_rows):
        values = {name: column[row] for name, column in features.items()}
        serialized.append(make_example(schema, values).SerializeToString())
    return serialized
