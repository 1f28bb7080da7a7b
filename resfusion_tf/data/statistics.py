"""Preprocessing statistics computed from the training split only.

The feature layers of every Keras model embed these statistics, so that the exported
model takes raw values and applies exactly the preprocessing used in training.
"""

import collections
import dataclasses
from typing import Iterable

import numpy as np
from absl import logging

from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import FeatureSchema


def transform_numeric(values: np.ndarray) -> np.ndarray:
    """Applies the numeric transform `sign(x) * log1p(|x|)`, keeping NaN.

    Click-log numeric features are mostly heavy-tailed counts (Criteo's I1..I13), and
    Criteo's I2 can be negative. The signed log keeps order and sign and compresses the
    tail, so the result can be standardized with a mean and a standard deviation.
    """
    return np.sign(values) * np.log1p(np.abs(values))


@dataclasses.dataclass(frozen=True)
class FeatureStatistics:
    """Vocabularies and numeric moments of the training split.

    Attributes:
        vocabularies: For each categorical feature, its values seen at least
            `min_count` times, most frequent first. "" (missing) is never included.
        numeric_means: Mean of `transform_numeric(x)` over present values, per numeric
            feature.
        numeric_stds: Standard deviation of the same, per numeric feature; 1.0 where the
            feature is constant or always missing.
        num_rows: Number of training rows the statistics were computed from.
    """

    vocabularies: dict[str, list[str]]
    numeric_means: dict[str, float]
    numeric_stds: dict[str, float]
    num_rows: int

    def to_json_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json_dict(cls, data: dict) -> "FeatureStatistics":
        return cls(**data)


def count_categories(values: Iterable[str]) -> collections.Counter:
    """Counts category values, leaving out "" (missing)."""
    counter = collections.Counter(values)
    counter.pop("", None)
    return counter


def build_vocabulary(counter: collections.Counter, min_count: int, max_size: int | None) -> list[str]:
    """Returns values seen at least `min_count` times, most frequent first, then by value.

    Args:
        counter: Counts of each value.
        min_count: Minimum count for a value to get its own embedding row.
        max_size: Largest vocabulary kept, or None for no limit.
    """
    kept = [(value, count) for value, count in counter.items() if count >= min_count]
    kept.sort(key=lambda item: (-item[1], item[0]))
    if max_size is not None:
        kept = kept[:max_size]
    return [value for value, _ in kept]


def build_feature_vocabulary(name: str, counter: collections.Counter, min_count: int,
                             max_size: int | None) -> list[str]:
    """Builds the vocabulary of feature `name` and warns when `max_size` cuts it.

    Values cut by the limit share the feature's OOV bucket, like values rarer than
    `min_count`. The warning names the feature and the counts, so a limit set too
    low is visible in the log.
    """
    vocabulary = build_vocabulary(counter, min_count, None)
    if max_size is not None and len(vocabulary) > max_size:
        logging.warning(
            "Feature %s has %d values seen at least %d times, more than the vocabulary "
            "limit %d; the %d least frequent share the OOV bucket. Raise "
            "--max_vocabulary_size to keep them.", name, len(vocabulary), min_count,
            max_size, len(vocabulary) - max_size)
        vocabulary = vocabulary[:max_size]
    return vocabulary


def numeric_moments(values: np.ndarray) -> tuple[float, float]:
    """Returns mean and standard deviation of transformed present values."""
    transformed = transform_numeric(values[np.isfinite(values)].astype(np.float64))
    if transformed.size == 0:
        return 0.0, 1.0
    std = float(transformed.std())
    return float(transformed.mean()), std if std > 1e-6 else 1.0


def compute_statistics(
    table: ExampleTable, min_count: int, max_vocabulary_size: int | None = None
) -> FeatureStatistics:
    """Computes vocabularies and numeric moments from a training table.

    Args:
        table: The training split. Never pass evaluation rows here.
        min_count: Minimum count for a category to get its own embedding row. Rarer
            values map to the feature's OOV bucket.
        max_vocabulary_size: Largest vocabulary per feature, or None for no limit.

    Raises:
        ValueError: if `min_count` is below 1.
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}.")
    schema: FeatureSchema = table.schema

    vocabularies = {}
    for name in schema.categorical:
        counter = count_categories(table.features[name])
        vocabularies[name] = build_feature_vocabulary(name, counter, min_count,
                                                      max_vocabulary_size)
        logging.debug("Feature %s: %d distinct values, %d kept.", name, len(counter),
                      len(vocabularies[name]))

    means, stds = {}, {}
    for name in schema.numeric:
        means[name], stds[name] = numeric_moments(table.features[name])

    total = sum(len(v) for v in vocabularies.values())
    logging.info("Built vocabularies over %d training rows: %d categorical features, "
                 "%d values kept with min_count=%d.", len(table), len(vocabularies),
                 total, min_count)
    return FeatureStatistics(vocabularies, means, stds, len(table))
