"""Tests of raw features as serialized tf.Examples."""

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.export.tf_example import example_parse_spec, make_example, serialize_examples

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("x1", "x2"), categorical=("c1", "c2"))


def test_make_example_leaves_out_missing_values():
    example = make_example(_SCHEMA, {"x1": 1.5, "x2": float("nan"), "c1": "a", "c2": ""})

    assert sorted(example.features.feature) == ["c1", "x1"]
    assert list(example.features.feature["x1"].float_list.value) == [1.5]
    assert list(example.features.feature["c1"].bytes_list.value) == [b"a"]


def test_parse_fills_schema_missing_values():
    columns = {"x1": np.array([1.0, np.nan], np.float32),
               "x2": np.array([np.nan, -2.5], np.float32),
               "c1": np.array(["a", ""], dtype=object)}

    parsed = tf.io.parse_example(serialize_examples(_SCHEMA, columns), example_parse_spec(_SCHEMA))

    np.testing.assert_array_equal(parsed["x1"].numpy(), [1.0, np.nan])
    np.testing.assert_array_equal(parsed["x2"].numpy(), [np.nan, -2.5])
    assert parsed["c1"].numpy().tolist() == [b"a", b""]
    assert parsed["c2"].numpy().tolist() == [b"", b""]


def test_parse_rejects_int64_numeric_feature():
    example = tf.train.Example(features=tf.train.Features(feature={
        "x1": tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))}))

    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.io.parse_example([example.SerializeToString()], example_parse_spec(_SCHEMA))


def test_serialize_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="equal lengths"):
        serialize_examples(_SCHEMA, {"x1": np.zeros(2, np.float32),
                                     "c1": np.array(["a"], dtype=object)})
