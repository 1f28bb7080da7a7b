"""TF Serving warm-up requests: `assets.extra/tf_serving_warmup_requests`.

TF Serving replays the PredictionLog records of this TFRecord file when it loads a
version, before the version receives traffic, so the first live request does not pay
for graph initialization. The records are built from rows derived from the training
statistics, so they need no training data and hold no real user rows.
"""

import os

import numpy as np
import tensorflow as tf
from absl import logging
from tensorflow_serving.apis import (classification_pb2, model_pb2, predict_pb2,
                                     prediction_log_pb2)

from resfusion_tf.data.examples import feature_dtype
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.export import signatures
from resfusion_tf.export.tf_example import make_example, serialize_examples

ASSETS_EXTRA = "assets.extra"
WARMUP_FILE = "tf_serving_warmup_requests"

# TF Serving ignores the model name of warm-up requests; it runs them against the
# version that is loading.
_MODEL_NAME = "resfusion"
# Offsets, in training standard deviations, of the numeric values of rows 1, 2, ...
_NUMERIC_OFFSETS = (0.0, 1.0, -1.0)


def _inverse_transform(transformed: float) -> float:
    """Inverts `sign(x) * log1p(|x|)`, the numeric transform of the feature layers."""
    return float(np.sign(transformed) * np.expm1(abs(transformed)))


def warmup_features(schema: FeatureSchema, statistics: FeatureStatistics,
                    num_rows: int = 4) -> dict[str, np.ndarray]:
    """Builds representative raw rows from the training statistics.

    Row 0 has every feature missing (NaN and ""). Row i >= 1 has the i-th most frequent
    value of each categorical feature ("" where the vocabulary is shorter) and, for
    each numeric feature, the value whose transform is the training mean plus 0, +1 or
    -1 standard deviations.

    Args:
        schema: The feature schema.
        statistics: Statistics of the training split.
        num_rows: Number of rows, at least 1. Defaults to 4.

    Raises:
        ValueError: if `num_rows` is below 1.
    """
    if num_rows < 1:
        raise ValueError(f"num_rows must be at least 1, got {num_rows}.")
    features = {}
    for name in schema.numeric:
        mean = statistics.numeric_means.get(name, 0.0)
        std = statistics.numeric_stds.get(name, 1.0)
        values = [float("nan")]
        for row in range(1, num_rows):
            offset = _NUMERIC_OFFSETS[(row - 1) % len(_NUMERIC_OFFSETS)]
            values.append(_inverse_transform(mean + offset * std))
        features[name] = np.array(values, np.float32)
    for name in schema.categorical:
        vocabulary = statistics.vocabularies.get(name, [])
        values = [""] + [vocabulary[row - 1] if row - 1 < len(vocabulary) else ""
                         for row in range(1, num_rows)]
        features[name] = np.array(values, dtype=object)
    return features


def _model_spec(signature_name: str) -> model_pb2.ModelSpec:
    return model_pb2.ModelSpec(name=_MODEL_NAME, signature_name=signature_name)


def _predict_log(request: predict_pb2.PredictRequest) -> prediction_log_pb2.PredictionLog:
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))


def _features_request(schema: FeatureSchema, features, rows) -> predict_pb2.PredictRequest:
    request = predict_pb2.PredictRequest(model_spec=_model_spec(signatures.SERVING_DEFAULT))
    for name in schema.features:
        values = features[name][rows]
        dtype = feature_dtype(schema, name)
        request.inputs[name].CopyFrom(tf.make_tensor_proto(values, dtype=dtype))
    return request


def _examples_request(serialized: list[bytes]) -> predict_pb2.PredictRequest:
    request = predict_pb2.PredictRequest(model_spec=_model_spec(signatures.PREDICT_EXAMPLES))
    request.inputs[signatures.EXAMPLES_INPUT].CopyFrom(
        tf.make_tensor_proto(np.array(serialized, dtype=object), dtype=tf.string))
    return request


def _classify_log(schema: FeatureSchema, features, num_rows: int):
    request = classification_pb2.ClassificationRequest(model_spec=_model_spec(signatures.CLASSIFY))
    for row in range(num_rows):
        values = {name: column[row] for name, column in features.items()}
        request.input.example_list.examples.add().CopyFrom(make_example(schema, values))
    return prediction_log_pb2.PredictionLog(
        classify_log=prediction_log_pb2.ClassifyLog(request=request))


def build_warmup_logs(schema: FeatureSchema, features: dict[str, np.ndarray]):
    """Returns one PredictionLog per request kind and batch size.

    The records are: `serving_default` with the first row alone and with every row,
    `predict_examples` with every row, and `classify` with every row.

    Args:
        schema: The feature schema.
        features: Rows from `warmup_features`, one array per feature.
    """
    num_rows = len(next(iter(features.values())))
    all_rows = np.arange(num_rows)
    return [
        _predict_log(_features_request(schema, features, all_rows[:1])),
        _predict_log(_features_request(schema, features, all_rows)),
        _predict_log(_examples_request(serialize_examples(schema, features))),
        _classify_log(schema, features, num_rows),
    ]


def write_warmup_requests(saved_model_dir: str, schema: FeatureSchema,
                          features: dict[str, np.ndarray]) -> str:
    """Writes `assets.extra/tf_serving_warmup_requests` under `saved_model_dir`.

    Returns:
        The path of the written file.
    """
    directory = os.path.join(saved_model_dir, ASSETS_EXTRA)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, WARMUP_FILE)
    logs = build_warmup_logs(schema, features)
    with tf.io.TFRecordWriter(path) as writer:
        for log in logs:
            writer.write(log.SerializeToString())
    logging.info("Wrote %d warm-up requests to %s.", len(logs), path)
    return path


def read_warmup_requests(path: str) -> list[prediction_log_pb2.PredictionLog]:
    """Parses every PredictionLog record of a warm-up file."""
    return [prediction_log_pb2.PredictionLog.FromString(record.numpy())
            for record in tf.data.TFRecordDataset(path)]
