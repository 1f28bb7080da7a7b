import json
import os

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.config import GBDTConfig, TrainConfig
from resfusion_tf.data.examples import feature_specs, to_feature_tensors
from resfusion_tf.export.composite import CompositeModel
from resfusion_tf.fusion.parameters import count_parameters
from resfusion_tf.fusion.registry import make_stage
from resfusion_tf.fusion.stage import StageContext
from resfusion_tf.gbdt.leaf_stage import LEAF_STAGE_FILE, LeafStage, predict_leaves
from resfusion_tf.models.model_testing import LAYOUTS, TINY_NEURAL, tiny_statistics, tiny_table
from resfusion_tf.residual.spaces import LogitSpace

CONFIG = TrainConfig(gbdt=GBDTConfig(num_trees=5, leaf_num_trees=4, min_examples=5),
                     neural=TINY_NEURAL)


def _context(layout, tmp_path, train_state=None, valid_state=None):
    train, valid = tiny_table(layout, rows=320, seed=0), tiny_table(layout, rows=96, seed=1)
    return StageContext(index=0 if train_state is None else 1, train=train, valid=valid,
                        train_state=train_state, valid_state=valid_state, space=LogitSpace(),
                        statistics=tiny_statistics(train), config=CONFIG,
                        log_dir=str(tmp_path / "logs"))


@pytest.mark.parametrize("kind", ["gbdt_lr", "gbdt2dnn", "gbdt2deepfm"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_leaf_stage_serves_and_round_trips(kind, layout, tmp_path):
    context = _context(layout, tmp_path)
    stage = make_stage(kind)
    assert isinstance(stage, LeafStage)
    stage.fit(context)

    outputs = stage.predict(context.valid)
    assert outputs.shape == (len(context.valid),)
    assert np.all(np.isfinite(outputs))
    leaves = predict_leaves(stage.gbdt_model, context.valid)
    assert leaves.shape[0] == len(context.valid)
    assert leaves.shape[1] <= CONFIG.gbdt.leaf_num_trees
    assert count_parameters(stage) > stage.network.count_params()

    composite = CompositeModel(context.train.schema, [(kind, stage.head())], LogitSpace())
    path = str(tmp_path / "saved_model")
    tf.saved_model.save(composite, path, signatures={
        "serving_default": composite.serve.get_concrete_function()})
    serve = tf.saved_model.load(path).signatures["serving_default"]
    served = serve(**to_feature_tensors(context.valid))
    np.testing.assert_allclose(served["logit"].numpy(), outputs, rtol=1e-4, atol=1e-5)

    stage.save(str(tmp_path / "stage"))
    assert os.path.isdir(tmp_path / "stage" / "tfdf_model")
    assert os.path.isfile(tmp_path / "stage" / f"{kind}.keras")
    with open(tmp_path / "stage" / LEAF_STAGE_FILE) as handle:
        saved_shape = json.load(handle)
    assert saved_shape["num_trees"] == leaves.shape[1]
    assert saved_shape["leaves_per_tree"] == stage.leaf_shape.leaves_per_tree


def test_leaf_stage_fits_a_residual(tmp_path):
    train_state = np.full(320, 0.3, np.float32)
    valid_state = np.full(96, 0.3, np.float32)
    context = _context("mixed", tmp_path, train_state, valid_state)
    stage = make_stage("gbdt2dnn")
    stage.fit(context)
    outputs = stage.predict(context.valid)
    assert outputs.shape == (96,)
    assert np.all(np.isfinite(outputs))


def test_head_before_fit_raises():
    with pytest.raises(RuntimeError, match="before fit"):
        make_stage("gbdt_lr").head()


def test_feature_specs_match_head_inputs(tmp_path):
    context = _context("categorical", tmp_path)
    stage = make_stage("gbdt_lr")
    stage.fit(context)
    call = tf.function(stage.head().__call__,
                       input_signature=[feature_specs(context.train.schema)])
    assert call.get_concrete_function().structured_outputs.shape.as_list() == [None]
