import collections

import numpy as np
import pytest

from resfusion_tf.data import statistics
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import FeatureSchema


def test_vocabulary_orders_by_count_then_value():
    counter = collections.Counter({"b": 3, "a": 3, "c": 5, "d": 1})
    assert statistics.build_vocabulary(counter, min_count=2, max_size=None) == ["c", "a", "b"]
    assert statistics.build_vocabulary(counter, min_count=1, max_size=2) == ["c", "a"]


def test_missing_value_never_in_vocabulary():
    assert statistics.count_categories(["", "", "x"]) == collections.Counter({"x": 1})


def test_signed_log_transform():
    values = np.array([0.0, np.e - 1, -(np.e - 1), np.nan])
    np.testing.assert_allclose(statistics.transform_numeric(values), [0.0, 1.0, -1.0, np.nan])


def test_compute_statistics_uses_present_values_only():
    schema = FeatureSchema(name="t", label="y", numeric=("n",), categorical=("c",))
    table = ExampleTable(
        schema,
        {"n": np.array([0.0, np.e - 1, np.nan], np.float32),
         "c": np.array(["a", "a", "b"], object)},
        np.array([0, 1, 0], np.float32),
    )

    stats = statistics.compute_statistics(table, min_count=2)

    assert stats.vocabularies == {"c": ["a"]}
    assert stats.numeric_means["n"] == pytest.approx(0.5, abs=1e-6)
    assert stats.numeric_stds["n"] == pytest.approx(0.5, abs=1e-6)
    assert stats.num_rows == 3


def test_min_count_must_be_positive():
    schema = FeatureSchema(name="t", label="y", categorical=("c",))
    table = ExampleTable(schema, {"c": np.array(["a"], object)}, np.array([1], np.float32))
    with pytest.raises(ValueError, match="got 0"):
        statistics.compute_statistics(table, min_count=0)
