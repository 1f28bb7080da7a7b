"""End to end: resfusion-export, a killed export, and a taken version."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from resfusion_tf.data import splits, synthetic
from resfusion_tf.export.exporter import PAUSE_BEFORE_RENAME_ENV
from tests.conftest import REPO_ROOT

_SERVING_HELPER = os.path.join(REPO_ROOT, "tests", "serving_helper.py")


def _export_command(model_dir, export_dir, *extra):
    return [sys.executable, "-m", "resfusion_tf.binaries.export", f"--model_dir={model_dir}",
            f"--export_dir={export_dir}", *extra]


def _snapshot(directory):
    """Returns relative path -> (size, mtime_ns, sha256) of every file under `directory`."""
    result = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            stat = os.stat(path)
            result[os.path.relpath(path, directory)] = (stat.st_size, stat.st_mtime_ns, digest)
    return result


def _score(saved_model, features, directory):
    inputs, outputs = directory / "inputs.npz", directory / "outputs.npz"
    np.savez(inputs, **features)
    result = subprocess.run([sys.executable, _SERVING_HELPER, str(saved_model), str(inputs),
                             str(outputs)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-5000:]
    return dict(np.load(outputs))


@pytest.fixture(scope="module")
def killed_then_exported(trained_run, tmp_path_factory):
    """Kills an export paused before its rename, then exports again to the same base.

    Returns the base directory, its listing right after the kill, and the paths of the
    killed export's temporary directory and of the second export.
    """
    root = tmp_path_factory.mktemp("export")
    base, log_path = root / "base", root / "killed.log"
    env = {**os.environ, PAUSE_BEFORE_RENAME_ENV: "600"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(_export_command(trained_run["model_dir"], base), env=env,
                                   stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        deadline = time.time() + 300
        while PAUSE_BEFORE_RENAME_ENV not in log_path.read_text():
            assert process.poll() is None, f"export exited early:\n{log_path.read_text()[-3000:]}"
            assert time.time() < deadline, "export did not reach the pause within 300 s"
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    listing_after_kill = sorted(os.listdir(base))
    temp_dirs = [name for name in listing_after_kill if name.startswith(".tmp-")]

    result = subprocess.run(_export_command(trained_run["model_dir"], base), capture_output=True,
                            text=True, cwd=REPO_ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    return {"base": base, "listing_after_kill": listing_after_kill, "temp_dirs": temp_dirs,
            "stderr": result.stderr}


def test_killed_export_leaves_no_version(killed_then_exported):
    listing = killed_then_exported["listing_after_kill"]
    temp_dirs = killed_then_exported["temp_dirs"]

    assert not [name for name in listing if name.isdigit()]
    assert len(temp_dirs) == 1
    assert temp_dirs[0].startswith(".tmp-1-")


def test_next_export_removes_leftover_and_writes_version(killed_then_exported):
    base = killed_then_exported["base"]

    assert sorted(os.listdir(base)) == ["1"]
    assert os.path.exists(base / "1" / "saved_model.pb")
    assert "left by an interrupted export" in killed_then_exported["stderr"]


def test_reexport_scores_like_original(killed_then_exported, trained_run, tmp_path):
    table = synthetic.generate(1500, seed=0)
    _, held_out = splits.split_indices(len(table), 0.2, seed=0)
    features = table.take(held_out[:50]).features
    (tmp_path / "original").mkdir()
    (tmp_path / "reexport").mkdir()

    original = _score(trained_run["export_dir"] / "1", features, tmp_path / "original")
    reexported = _score(killed_then_exported["base"] / "1", features, tmp_path / "reexport")

    assert set(reexported) == set(original)
    for name in original:
        np.testing.assert_array_equal(reexported[name], original[name])


def test_taken_version_fails_and_keeps_first(trained_run):
    export_dir = trained_run["export_dir"]
    before = _snapshot(export_dir / "1")

    result = subprocess.run(_export_command(trained_run["model_dir"], export_dir,
                                            "--export_version=1"),
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)

    assert result.returncode != 0
    assert "Version 1 already exists" in result.stderr
    assert "--export_version=" in result.stderr
    assert _snapshot(export_dir / "1") == before
    assert not [name for name in os.listdir(export_dir) if name.startswith(".tmp-")]


def test_missing_model_card_fails_clearly(tmp_path):
    result = subprocess.run(_export_command(tmp_path, tmp_path / "export"),
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)

    assert result.returncode != 0
    assert "model_card.json" in result.stderr
    assert "resfusion-train" in result.stderr
