"""End to end: resfusion-train, metrics.json, and the exported composite SavedModel."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from resfusion_tf.data import splits, synthetic
from tests.conftest import REPO_ROOT, TINY_FLAGS, run_train

_HELPER = os.path.join(REPO_ROOT, "tests", "serving_helper.py")


def _score_in_fresh_process(saved_model, features, tmp_path):
    inputs, outputs = tmp_path / "inputs.npz", tmp_path / "outputs.npz"
    np.savez(inputs, **features)
    result = subprocess.run([sys.executable, _HELPER, str(saved_model), str(inputs), str(outputs)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-5000:]
    return dict(np.load(outputs))


def _evaluation_rows():
    """Rebuilds the evaluation rows that the tiny run held out."""
    table = synthetic.generate(1500, seed=0)
    _, held_out = splits.split_indices(len(table), 0.2, seed=0)
    return table.take(held_out)


def test_metrics_json_layout(trained_run):
    metrics = trained_run["metrics"]
    assert metrics["eval_rows"] == 300
    assert [stage["name"] for stage in metrics["stages"]] == ["gbdt", "deepfm"]
    for entry in [*metrics["stages"], metrics["final"]]:
        assert 0.0 <= entry["auc"] <= 1.0
        assert entry["logloss"] > 0.0
    assert metrics["final"] == {key: metrics["stages"][-1][key] for key in ("auc", "logloss")}


def test_prints_table_and_writes_tensorboard(trained_run):
    assert "final" in trained_run["stdout"]
    assert os.listdir(trained_run["model_dir"] / "tensorboard")


def test_export_reloads_in_fresh_process_and_matches(trained_run, tmp_path):
    evaluation = _evaluation_rows()
    saved_model = trained_run["export_dir"] / "1"

    outputs = _score_in_fresh_process(saved_model, evaluation.features, tmp_path)

    expected = np.load(trained_run["model_dir"] / "eval_probabilities.npy")
    np.testing.assert_allclose(outputs["probability"], expected, atol=1e-5)
    assert set(outputs) == {"probability", "logit", "stage_0_gbdt_logit", "stage_1_deepfm_logit"}
    np.testing.assert_allclose(outputs["logit"],
                               outputs["stage_0_gbdt_logit"] + outputs["stage_1_deepfm_logit"],
                               atol=1e-5)


def test_unseen_category_maps_to_oov(trained_run, tmp_path):
    evaluation = _evaluation_rows().take(np.arange(4))
    features = dict(evaluation.features)
    features["C1"] = np.array(["never-seen", "", "zzzzzzzz", features["C1"][3]], dtype=object)
    features["I1"] = np.array([np.nan, 1e12, -5.0, 3.0], dtype=np.float32)

    outputs = _score_in_fresh_process(trained_run["export_dir"] / "1", features, tmp_path)

    assert outputs["probability"].shape == (4,)
    assert np.all(np.isfinite(outputs["probability"]))
    assert np.all((outputs["probability"] > 0) & (outputs["probability"] < 1))


def test_saved_model_cli_lists_signature(trained_run):
    result = subprocess.run(
        ["saved_model_cli", "show", "--all", "--dir", str(trained_run["export_dir"] / "1")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    assert "signature_def['serving_default']" in text
    for name in ("C1", "C26", "I1", "I13"):
        assert f"inputs['{name}']" in text
    assert "dtype: DT_STRING" in text
    assert "dtype: DT_FLOAT" in text
    for name in ("probability", "logit", "stage_0_gbdt_logit", "stage_1_deepfm_logit"):
        assert f"outputs['{name}']" in text


def test_second_export_gets_next_version(trained_run, tmp_path):
    model_dir, export_dir = tmp_path / "model", trained_run["export_dir"]
    run_train([*TINY_FLAGS, "--stages=gbdt", f"--model_dir={model_dir}",
               f"--export_dir={export_dir}"])
    assert sorted(os.listdir(export_dir)) == ["1", "2"]


@pytest.mark.parametrize("stages, residual_space", [
    ("deepfm", "logit"),
    ("gbdt,dnn,gbdt", "logit"),
    ("gbdt,deepfm", "probability"),
    ("deepfm,gbdt", "probability"),
])
def test_stage_sequences_run(tmp_path, stages, residual_space):
    model_dir = tmp_path / "model"
    run_train([*TINY_FLAGS, f"--stages={stages}", f"--residual_space={residual_space}",
               f"--model_dir={model_dir}", f"--export_dir={tmp_path / 'export'}"])
    with open(model_dir / "metrics.json") as handle:
        metrics = json.load(handle)
    assert [stage["name"] for stage in metrics["stages"]] == stages.split(",")
    assert np.isfinite(metrics["final"]["auc"])


def test_unknown_stage_fails_with_clear_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "resfusion_tf.binaries.train", "--stages=gbdt,xgboost",
         f"--model_dir={tmp_path}"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert result.returncode != 0
    assert "xgboost" in result.stderr
