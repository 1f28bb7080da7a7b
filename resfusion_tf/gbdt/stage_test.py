import numpy as np
import pytest
import tensorflow_decision_forests as tfdf
from yggdrasil_decision_forests.dataset import data_spec_pb2

from resfusion_tf.config import GBDTConfig
from resfusion_tf.gbdt.stage import build_gbdt_model, make_tfdf_dataset
from resfusion_tf.models.model_testing import tiny_table


def _fit_tiny_gbdt(config: GBDTConfig, task=tfdf.keras.Task.CLASSIFICATION, weights=None):
    table = tiny_table("mixed", rows=300)
    model = build_gbdt_model(config, task, seed=0, numeric_features=table.schema.numeric)
    model.fit(make_tfdf_dataset(table, table.labels, weights), verbose=0)
    return table, model


def _column_types(model) -> dict:
    return {column.name: column.type for column in model.make_inspector().dataspec.columns}


@pytest.mark.parametrize("discretize, expected", [
    (True, data_spec_pb2.ColumnType.DISCRETIZED_NUMERICAL),
    (False, data_spec_pb2.ColumnType.NUMERICAL),
])
def test_numeric_features_are_binned_only_when_discretizing(discretize, expected):
    table, model = _fit_tiny_gbdt(
        GBDTConfig(num_trees=3, min_examples=5, discretize_numerical_features=discretize))

    types = _column_types(model)

    for name in table.schema.numeric:
        assert types[name] == expected, name
    for name in table.schema.categorical:
        assert types[name] == data_spec_pb2.ColumnType.CATEGORICAL, name


def test_classification_model_outputs_logits_not_probabilities():
    table, model = _fit_tiny_gbdt(GBDTConfig(num_trees=20, min_examples=5, shrinkage=0.5))

    logits = model.predict(make_tfdf_dataset(table, table.labels), verbose=0).ravel()

    assert logits.min() < 0.0 < 1.0 < logits.max()
    assert np.corrcoef(logits, table.labels)[0, 1] > 0.3


def test_weighted_regression_trains_with_binned_numeric_features():
    # TF-DF's model-wide discretize_numerical_features also bins the weight column,
    # and then fails; the stage declares each numeric feature instead.
    weights = np.linspace(0.1, 1.0, 300)
    table, model = _fit_tiny_gbdt(
        GBDTConfig(num_trees=3, min_examples=5, discretize_numerical_features=True),
        task=tfdf.keras.Task.REGRESSION, weights=weights)

    types = _column_types(model)

    for name in table.schema.numeric:
        assert types[name] == data_spec_pb2.ColumnType.DISCRETIZED_NUMERICAL, name
    assert model.make_inspector().num_trees() == 3
