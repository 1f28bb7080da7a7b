"""Keras inputs for the raw features of a schema."""

import keras

from resfusion_tf.data.schema import FeatureSchema


def make_inputs(schema: FeatureSchema) -> dict[str, keras.KerasTensor]:
    """Returns one scalar-per-example `keras.Input` per feature, named as its column.

    Numeric features are float32 (NaN for missing), categorical features are string
    ("" for missing), matching the serving signature.
    """
    return {
        name: keras.Input(shape=(), dtype="float32" if schema.is_numeric(name) else "string",
                          name=name)
        for name in schema.features
    }
