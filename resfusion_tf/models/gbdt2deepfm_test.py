import pytest

from resfusion_tf.models.gbdt2deepfm import build_gbdt2deepfm
from resfusion_tf.models.model_testing import (LAYOUTS, check_leaf_model_trains_and_round_trips,
                                               check_leaf_model_uses_leaves)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gbdt2deepfm_trains_and_round_trips(layout, tmp_path):
    check_leaf_model_trains_and_round_trips(build_gbdt2deepfm, layout, str(tmp_path), "gbdt2deepfm")


def test_gbdt2deepfm_output_depends_on_leaves():
    check_leaf_model_uses_leaves(build_gbdt2deepfm)
