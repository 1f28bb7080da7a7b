import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.config import GBDTConfig, TrainConfig
from resfusion_tf.fusion.ensemble import AveragingHead, EnsembleStage
from resfusion_tf.fusion.parameters import count_parameters
from resfusion_tf.fusion.registry import make_stage
from resfusion_tf.fusion.stage import StageContext, predict_head
from resfusion_tf.models.model_testing import TINY_NEURAL, tiny_statistics, tiny_table
from resfusion_tf.residual.spaces import LogitSpace


class _ConstantHead(tf.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def __call__(self, features):
        return tf.fill(tf.shape(features["x1"]), self.value)


def test_averaging_head_returns_mean():
    head = AveragingHead([_ConstantHead(1.0), _ConstantHead(4.0)])
    output = head({"x1": tf.zeros([3])})
    np.testing.assert_allclose(output.numpy(), [2.5, 2.5, 2.5])


def test_empty_ensembles_are_rejected():
    with pytest.raises(ValueError, match="got none"):
        AveragingHead([])
    with pytest.raises(ValueError, match="got none"):
        EnsembleStage("empty", [])


def test_gbdt_deepfm_average_is_mean_of_members(tmp_path):
    train, valid = tiny_table("mixed", rows=320, seed=0), tiny_table("mixed", rows=96, seed=1)
    config = TrainConfig(gbdt=GBDTConfig(num_trees=5, min_examples=5), neural=TINY_NEURAL)
    context = StageContext(index=0, train=train, valid=valid, train_state=None,
                           valid_state=None, space=LogitSpace(),
                           statistics=tiny_statistics(train), config=config,
                           log_dir=str(tmp_path))
    stage = make_stage("gbdt_deepfm_average")
    assert [member.kind for member in stage.members] == ["gbdt", "deepfm"]
    stage.fit(context)

    member_outputs = [predict_head(member.head(), valid) for member in stage.members]
    outputs = stage.predict(valid)
    assert outputs.shape == (96,)
    assert np.all(np.isfinite(outputs))
    np.testing.assert_allclose(outputs, np.mean(member_outputs, axis=0), rtol=1e-5, atol=1e-6)
    assert count_parameters(stage) == sum(count_parameters(member) for member in stage.members)

    stage.save(str(tmp_path / "stage"))
    assert (tmp_path / "stage" / "member_0_gbdt" / "tfdf_model").is_dir()
    assert (tmp_path / "stage" / "member_1_deepfm" / "deepfm.keras").is_file()
