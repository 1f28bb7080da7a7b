import pytest

from resfusion_tf.models.gbdt_lr import build_gbdt_lr
from resfusion_tf.models.model_testing import (LAYOUTS, check_leaf_model_trains_and_round_trips,
                                               check_leaf_model_uses_leaves)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gbdt_lr_trains_and_round_trips(layout, tmp_path):
    check_leaf_model_trains_and_round_trips(build_gbdt_lr, layout, str(tmp_path), "gbdt_lr")


def test_gbdt_lr_output_depends_on_leaves():
    check_leaf_model_uses_leaves(build_gbdt_lr)
