import numpy as np
import pytest

from resfusion_tf.models.fm import build_fm
from resfusion_tf.models.model_testing import (LAYOUTS, TINY_NEURAL, fit_few_steps,
                                               keras_round_trip, predict_logits, tiny_statistics,
                                               tiny_table)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fm_trains_and_round_trips(layout, tmp_path):
    table = tiny_table(layout)
    model = build_fm(table.schema, tiny_statistics(table), TINY_NEURAL)
    fit_few_steps(model, table.features, table.labels)

    logits = predict_logits(model, table.features)
    assert logits.shape == (len(table),)
    assert np.all(np.isfinite(logits))
    assert np.std(logits) > 0

    restored = keras_round_trip(model, str(tmp_path), "fm")
    np.testing.assert_allclose(predict_logits(restored, table.features), logits, rtol=1e-5,
                               atol=1e-6)


def test_fm_has_second_order_term():
    table = tiny_table("mixed")
    model = build_fm(table.schema, tiny_statistics(table), TINY_NEURAL)
    assert [layer.name for layer in model.layers].count("fm") == 1
    assert model.get_layer("feature_embedding").embedding_dim == TINY_NEURAL.embedding_dim
