import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models.layers.numeric_encoding import NumericEncoding


def test_standardized_signed_log_with_missing_mask():
    layer = NumericEncoding({"x": 1.0, "y": 0.0}, {"x": 2.0, "y": 1.0})
    values, missing = layer({
        "x": tf.constant([np.e - 1, np.nan]),
        "y": tf.constant([-(np.e - 1), 0.0]),
    })
    # x: (log1p(e - 1) - 1) / 2 = 0; missing -> 0. y: -1.
    np.testing.assert_allclose(values.numpy(), [[0.0, -1.0], [0.0, 0.0]], atol=1e-6)
    np.testing.assert_array_equal(missing.numpy(), [[0.0, 0.0], [1.0, 0.0]])


def test_infinite_value_is_clipped():
    values, _ = NumericEncoding({"x": 0.0}, {"x": 1.0})({"x": tf.constant([np.inf, -np.inf])})
    np.testing.assert_array_equal(values.numpy(), [[10.0], [-10.0]])


def test_invalid_std_rejected():
    with pytest.raises(ValueError, match="'x': 0.0"):
        NumericEncoding({"x": 0.0}, {"x": 0.0})


def test_config_round_trip():
    layer = NumericEncoding({"x": 1.5}, {"x": 2.0})
    assert NumericEncoding.from_config(layer.get_config()).get_config() == layer.get_config()
