"""Tests of the TF Serving warm-up requests."""

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics, transform_numeric
from resfusion_tf.export import warmup

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("x",), categorical=("c", "d"))
_STATISTICS = FeatureStatistics(vocabularies={"c": ["a", "b"], "d": []},
                                numeric_means={"x": 1.2}, numeric_stds={"x": 0.5}, num_rows=10)


def test_warmup_features_cover_missing_and_typical_values():
    features = warmup.warmup_features(_SCHEMA, _STATISTICS, num_rows=4)

    assert np.isnan(features["x"][0])
    np.testing.assert_allclose(transform_numeric(features["x"][1:]), [1.2, 1.7, 0.7], rtol=1e-5)
    assert features["c"].tolist() == ["", "a", "b", ""]
    assert features["d"].tolist() == ["", "", "", ""]


def test_warmup_features_rejects_zero_rows():
    with pytest.raises(ValueError, match="got 0"):
        warmup.warmup_features(_SCHEMA, _STATISTICS, num_rows=0)


def test_warmup_file_round_trip(tmp_path):
    features = warmup.warmup_features(_SCHEMA, _STATISTICS)

    path = warmup.write_warmup_requests(str(tmp_path), _SCHEMA, features)
    logs = warmup.read_warmup_requests(path)

    assert [log.WhichOneof("log_type") for log in logs] == [
        "predict_log", "predict_log", "predict_log", "classify_log"]
    first = logs[0].predict_log.request
    assert first.model_spec.signature_name == "serving_default"
    assert sorted(first.inputs) == ["c", "d", "x"]
    assert tf.make_ndarray(first.inputs["x"]).shape == (1,)
    assert tf.make_ndarray(logs[1].predict_log.request.inputs["c"]).tolist() == [
        b"", b"a", b"b", b""]
    examples = logs[2].predict_log.request.inputs["examples"]
    assert tf.make_ndarray(examples).shape == (4,)
    classify = logs[3].classify_log.request
    assert classify.model_spec.signature_name == "classify"
    assert len(classify.input.example_list.examples) == 4
