"""In-memory table of parsed examples, and its conversion to `tf.data`."""

import dataclasses

import numpy as np
import tensorflow as tf

from resfusion_tf.data.schema import FeatureSchema


@dataclasses.dataclass
class ExampleTable:
    """Parsed examples: raw feature columns and 0/1 labels.

    Attributes:
        schema: The schema the columns follow.
        features: One array per feature, keyed by column name. Numeric columns are
            float32 with NaN for missing values. Categorical columns are object arrays
            of Python `str` with "" for missing values.
        labels: float32 array of 0.0 and 1.0.
    """

    schema: FeatureSchema
    features: dict[str, np.ndarray]
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def take(self, indices: np.ndarray) -> "ExampleTable":
        """Returns the rows at `indices`, in that order."""
        features = {name: column[indices] for name, column in self.features.items()}
        return ExampleTable(self.schema, features, self.labels[indices])

    def concatenate(self, other: "ExampleTable") -> "ExampleTable":
        """Returns this table followed by `other`, which must share the schema."""
        if other.schema.features != self.schema.features:
            raise ValueError(
                f"Cannot concatenate tables with different features: "
                f"{self.schema.features} and {other.schema.features}."
            )
        features = {
            name: np.concatenate([column, other.features[name]])
            for name, column in self.features.items()
        }
        return ExampleTable(self.schema, features, np.concatenate([self.labels, other.labels]))

    def positive_rate(self) -> float:
        """Returns the fraction of rows labelled 1."""
        return float(self.labels.mean()) if len(self) else float("nan")


def feature_dtype(schema: FeatureSchema, feature: str) -> tf.dtypes.DType:
    """Returns the tensor dtype of a raw feature: float32 for numeric, string otherwise."""
    return tf.float32 if schema.is_numeric(feature) else tf.string


def feature_specs(schema: FeatureSchema) -> dict[str, tf.TensorSpec]:
    """Returns one `[batch]` TensorSpec per raw feature, named as the schema column."""
    return {
        name: tf.TensorSpec([None], feature_dtype(schema, name), name=name)
        for name in schema.features
    }


def to_feature_tensors(table: ExampleTable, indices=None) -> dict[str, tf.Tensor]:
    """Converts the table's feature columns (or the rows at `indices`) to tensors."""
    result = {}
    for name, column in table.features.items():
        values = column if indices is None else column[indices]
        result[name] = tf.constant(values, dtype=feature_dtype(table.schema, name))
    return result
