"""Tests of mixed-precision policy selection and of DeepFM training under each policy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf import precision
from resfusion_tf.config import NeuralConfig
from resfusion_tf.data import synthetic
from resfusion_tf.data.statistics import compute_statistics
from resfusion_tf.models.deepfm import build_deepfm
from resfusion_tf.models.stage import compile_training_model
from resfusion_tf.residual.dataset import make_residual_dataset

_CONFIG = NeuralConfig(embedding_dim=4, hidden_units=(8,), batch_size=64)


@pytest.fixture(scope="module")
def table():
    return synthetic.generate(256, seed=5)


@pytest.fixture
def policy(request):
    """Sets the global dtype policy named by the test parameter, and restores float32."""
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


def _trained_deepfm(table):
    model = build_deepfm(table.schema, compute_statistics(table, min_count=2), _CONFIG)
    compile_training_model(model, keras.losses.BinaryCrossentropy(from_logits=True), _CONFIG)
    dataset = make_residual_dataset(table, None, _CONFIG.batch_size, shuffle=True, seed=0)
    history = model.fit(dataset, epochs=1, verbose=0)
    return model, history.history["loss"][-1]


def test_resolve_policy_explicit_modes():
    assert precision.resolve_policy("off") == "float32"
    assert precision.resolve_policy("mixed_float16") == "mixed_float16"
    assert precision.resolve_policy("mixed_bfloat16") == "mixed_bfloat16"


def test_resolve_policy_auto_without_gpu():
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("auto resolves to float32 only on a machine without a GPU.")
    assert precision.resolve_policy("auto") == "float32"


def test_resolve_policy_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mixed_precision must be"):
        precision.resolve_policy("float64")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"], indirect=True)
def test_deepfm_trains_with_float32_outputs(table, policy):
    model, loss = _trained_deepfm(table)
    assert np.isfinite(loss)
    assert model.get_layer("mlp").hidden_layers[0].compute_dtype == policy.split("_")[1]
    assert model.get_layer("fm").compute_dtype == "float32"
    assert model.get_layer("logit").compute_dtype == "float32"

    features, _ = next(iter(make_residual_dataset(table, None, 32, shuffle=False, seed=0)))
    logits = model(features, training=False)
    assert logits.dtype == tf.float32
    assert logits.shape == (32,)
    assert np.all(np.isfinite(logits.numpy()))


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
def test_fm_sum_of_squares_runs_in_float32(table, policy):
    model, _ = _trained_deepfm(table)
    embeddings = tf.constant([[[300.0, 1.0], [300.0, 1.0], [1e-2, 3.0]]], tf.bfloat16)
    output = model.get_layer("fm")(embeddings)
    assert output.dtype == tf.float32
    # In float32 the pairs give 90000 + 1 + 3.0 + 3 + 3.0 + 3 (bfloat16 inputs round
    # 1e-2 to 0.010009765625). A bfloat16 difference of squares would lose the small terms.
    expected = 300.0 * 300.0 + 1.0 + 2 * (300.0 * 0.010009765625 + 3.0)
    np.testing.assert_allclose(output.numpy(), [expected], rtol=1e-6)


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_float16_training_uses_loss_scaling(table, policy):
    model, _ = _trained_deepfm(table)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
def test_bfloat16_training_has_no_loss_scaling(table, policy):
    model, _ = _trained_deepfm(table)
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
