"""Shared fixtures: one tiny trained run, reused by the end-to-end tests."""

import json
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")

# Tiny settings: a few trees, one small epoch. They test wiring, not accuracy.
TINY_FLAGS = [
    "--synthetic_rows=1500",
    "--gbdt_num_trees=5",
    "--epochs=1",
    "--batch_size=128",
    "--embedding_dim=4",
    "--hidden_units=8",
    "--cross_fit_folds=2",
]


def run_train(args, cwd=None):
    """Runs resfusion-train in a subprocess and returns the completed process."""
    command = [sys.executable, "-m", "resfusion_tf.binaries.train", *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd or REPO_ROOT,
                            timeout=900)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr[-5000:]}"
    return result


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """Trains gbdt,deepfm on tiny synthetic data and exports it. Returns its paths."""
    root = tmp_path_factory.mktemp("run")
    model_dir, export_dir = root / "model", root / "export"
    result = run_train([*TINY_FLAGS, f"--model_dir={model_dir}", f"--export_dir={export_dir}"])
    with open(model_dir / "metrics.json") as handle:
        metrics = json.load(handle)
    return {"model_dir": model_dir, "export_dir": export_dir, "metrics": metrics,
            "stdout": result.stdout}


def shared_file(*parts):
    """Returns the path of a file under ../shared/data, or skips the test without it."""
    path = os.path.join(SHARED_DATA, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent; the real-data samples live in ../shared/data beside "
                    "the checkout and are not redistributed with the project.")
    return path
