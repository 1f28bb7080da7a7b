import pytest

from resfusion_tf.config import STAGE_KINDS, TrainConfig
from resfusion_tf.fusion.registry import make_stage
from resfusion_tf.fusion.zoo import ZOO_MODELS, model_stages, resfusion_stages


def test_zoo_has_every_paper_model():
    assert list(ZOO_MODELS) == [
        "LR", "FM", "DNN", "DeepFM", "GBDT", "GBDT+LR", "GBDT2DNN", "GBDT2DeepFM",
        "GBDT+DeepFM", "DeepFMRes+GBDT", "GBDTRes+DNN", "GBDTRes+DeepFM"]


@pytest.mark.parametrize("name", list(ZOO_MODELS))
def test_zoo_model_stages_are_valid(name):
    stages = model_stages(name)
    TrainConfig(stages=stages).validate()
    for kind in stages:
        assert make_stage(kind).kind == kind


def test_every_stage_kind_is_buildable():
    for kind in STAGE_KINDS:
        assert make_stage(kind).kind == kind


def test_resfusion_stages_alternate():
    assert resfusion_stages(0) == ("gbdt",)
    assert resfusion_stages(1) == ("gbdt", "deepfm")
    assert resfusion_stages(3) == ("gbdt", "deepfm", "gbdt", "deepfm")
    assert resfusion_stages(1) == model_stages("GBDTRes+DeepFM")


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="'XGBoost'"):
        model_stages("XGBoost")
    with pytest.raises(ValueError, match="got -1"):
        resfusion_stages(-1)
    with pytest.raises(ValueError, match="'nope'"):
        make_stage("nope")
