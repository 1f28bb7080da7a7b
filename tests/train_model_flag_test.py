"""resfusion-train --model=<zoo name> trains that model's stages and exports them."""

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT, TINY_FLAGS, run_train


def test_model_flag_selects_zoo_stages(tmp_path):
    model_dir = tmp_path / "model"
    result = run_train([*TINY_FLAGS, "--model=GBDT+LR", "--gbdt_leaf_num_trees=3",
                        f"--model_dir={model_dir}", f"--export_dir={tmp_path / 'export'}"])
    with open(model_dir / "metrics.json") as handle:
        metrics = json.load(handle)
    assert [stage["name"] for stage in metrics["stages"]] == ["gbdt_lr"]
    assert 0.0 <= metrics["final"]["auc"] <= 1.0
    assert (tmp_path / "export" / "1" / "saved_model.pb").is_file()
    assert "SavedModel:" in result.stdout


def test_unknown_model_lists_zoo(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "resfusion_tf.binaries.train", "--model=XGBoost",
         f"--model_dir={tmp_path}"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert result.returncode != 0
    assert "GBDTRes+DeepFM" in result.stderr
