import numpy as np
import pytest

from resfusion_tf.models.lr import build_lr
from resfusion_tf.models.model_testing import (LAYOUTS, TINY_NEURAL, fit_few_steps,
                                               keras_round_trip, predict_logits, tiny_statistics,
                                               tiny_table)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lr_trains_and_round_trips(layout, tmp_path):
    table = tiny_table(layout)
    model = build_lr(table.schema, tiny_statistics(table), TINY_NEURAL)
    fit_few_steps(model, table.features, table.labels)

    logits = predict_logits(model, table.features)
    assert logits.shape == (len(table),)
    assert np.all(np.isfinite(logits))
    assert np.std(logits) > 0

    restored = keras_round_trip(model, str(tmp_path), "lr")
    np.testing.assert_allclose(predict_logits(restored, table.features), logits, rtol=1e-5,
                               atol=1e-6)


def test_lr_is_linear_in_one_hot_values():
    table = tiny_table("categorical")
    model = build_lr(table.schema, tiny_statistics(table), TINY_NEURAL)
    fit_few_steps(model, table.features, table.labels)
    layer = model.get_layer("feature_embedding")
    ids = np.asarray(layer.lookup({name: table.features[name][:4] for name in table.schema.features}))
    weights = np.asarray(layer.categorical_linear)
    expected = weights[ids].sum(axis=1)
    first_rows = {name: values[:4] for name, values in table.features.items()}
    np.testing.assert_allclose(predict_logits(model, first_rows), expected, rtol=1e-5, atol=1e-6)
