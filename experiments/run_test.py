"""End-to-end smoke test of the experiment runner: 2 models, 1 seed, 600 synthetic rows."""

import os
import subprocess
import sys

import pandas as pd

from experiments.configs.base import REPO_ROOT


def test_runner_writes_tables_and_chart(tmp_path):
    output_dir = tmp_path / "results"
    export_dir = tmp_path / "exports"
    command = [sys.executable, "-m", "experiments.run", "--dataset=synthetic",
               "--models=LR,GBDTRes+DeepFM", "--seeds=1", "--k_iterations=0,1",
               "--cross_fit_folds=0",
               f"--output_dir={output_dir}", f"--export_dir={export_dir}"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]

    results = pd.read_csv(output_dir / "results.csv")
    models = results[results["table"] == "models"]
    assert list(models["model"]) == ["LR", "GBDTRes+DeepFM"]
    assert models["auc"].between(0, 1).all()
    assert (models["logloss"] > 0).all()
    assert (models["train_seconds"] > 0).all()
    assert (models["parameters"] > 0).all()
    study = results[results["table"] == "k_study"]
    assert list(study["k"]) == [0, 1]
    assert list(study["stages"]) == ["gbdt", "gbdt,deepfm"]

    markdown = (output_dir / "results.md").read_text()
    assert "--models=LR,GBDTRes+DeepFM" in markdown
    assert "tensorflow-decision-forests 1.12.0" in markdown
    assert "usable cores" in markdown
    assert "0 cross-fitting folds" in markdown
    assert "- Code: git " in markdown
    assert "| GBDTRes+DeepFM | 1 |" in markdown
    assert "## Residual iterations K" in markdown
    assert (output_dir / "auc.png").stat().st_size > 1000
    assert sorted(os.listdir(export_dir)) == ["GBDTRes+DeepFM", "LR"]


def test_unknown_model_is_a_usage_error(tmp_path):
    command = [sys.executable, "-m", "experiments.run", "--dataset=synthetic",
               "--models=LR,XGBoost", f"--output_dir={tmp_path}"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert result.returncode != 0
    assert "'XGBoost'" in result.stderr
