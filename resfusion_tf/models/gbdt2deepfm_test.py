import numpy as np
import pytest

from resfusion_tf.models.gbdt2deepfm import build_gbdt2deepfm
from resfusion_tf.models.leaf_inputs import LEAVES_KEY, LeafShape
from resfusion_tf.models.model_testing import (LAYOUTS, TINY_NEURAL, add_random_leaves,
                                               fit_few_steps, keras_round_trip, predict_logits,
                                               tiny_statistics, tiny_table)

LEAF_SHAPE = LeafShape(num_trees=3, leaves_per_tree=5)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gbdt2deepfm_trains_and_round_trips(layout, tmp_path):
    table = tiny_table(layout)
    model = build_gbdt2deepfm(table.schema, tiny_statistics(table), TINY_NEURAL, LEAF_SHAPE)
    features = add_random_leaves(table.features, LEAF_SHAPE.num_trees, LEAF_SHAPE.leaves_per_tree)
    fit_few_steps(model, features, table.labels)

    logits = predict_logits(model, features)
    assert logits.shape == (len(table),)
    assert np.all(np.isfinite(logits))
    assert np.std(logits) > 0

    restored = keras_round_trip(model, str(tmp_path), "gbdt2deepfm")
    np.testing.assert_allclose(predict_logits(restored, features), logits, rtol=1e-5, atol=1e-6)


def test_gbdt2deepfm_output_depends_on_leaves():
    table = tiny_table("mixed")
    model = build_gbdt2deepfm(table.schema, tiny_statistics(table), TINY_NEURAL, LEAF_SHAPE)
    features = add_random_leaves(table.features, LEAF_SHAPE.num_trees, LEAF_SHAPE.leaves_per_tree)
    fit_few_steps(model, features, table.labels)
    shifted = dict(features)
    shifted[LEAVES_KEY] = (features[LEAVES_KEY] + 1) % LEAF_SHAPE.leaves_per_tree

    difference = np.abs(predict_logits(model, shifted) - predict_logits(model, features))
    assert difference.max() > 0
