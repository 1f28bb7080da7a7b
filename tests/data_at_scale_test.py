"""End to end: streaming with bad rows, the GBDT pre-flight, and the TFDS builder."""

import json
import re
import shutil
import subprocess
import sys

from resfusion_tf.data.tfds_builders.click_log_builder import split_of_row
from tests.conftest import REPO_ROOT, TINY_FLAGS, run_train, shared_file

_NEURAL_TINY = [flag for flag in TINY_FLAGS if not flag.startswith("--synthetic_rows")]


def _dirty_criteo_copy(tmp_path, rows: int) -> tuple[str, int, dict]:
    """Writes the first `rows` sample rows with bad rows mixed in; returns the file,
    the good-row count and the expected counts by reason."""
    with open(shared_file("criteo", "criteo_sample.tsv"), "rb") as handle:
        good = [next(handle) for _ in range(rows)]
    fields = good[0].rstrip(b"\n").split(b"\t")
    bad = {
        "too_few_fields": b"\t".join(fields[:20]) + b"\n",
        "invalid_label": b"\t".join([b"-1", *fields[1:]]) + b"\n",
        "non_numeric": b"\t".join([fields[0], b"many", *fields[2:]]) + b"\n",
        "invalid_utf8": b"\t".join([*fields[:14], b"\xff\xfe", *fields[15:]]) + b"\n",
    }
    lines = list(good)
    for position, line in zip((10, 200, 400, 600), bad.values()):
        lines.insert(position, line)
    path = tmp_path / "dirty.tsv"
    path.write_bytes(b"".join(line.rstrip(b"\n") + b"\r\n" for line in lines))
    return str(path), rows, {reason: 1 for reason in bad}


def test_streaming_skip_mode_uses_every_good_row(tmp_path):
    path, good_rows, expected_counts = _dirty_criteo_copy(tmp_path, 3000)
    model_dir = tmp_path / "model"

    result = run_train([*_NEURAL_TINY, "--dataset=criteo", f"--train_path={path}",
                        "--streaming", "--on_bad_row=skip", "--gbdt_max_rows=1000",
                        f"--model_dir={model_dir}"])

    splits = re.search(r"Streaming splits: (\d+) training, (\d+) validation and (\d+) "
                       r"evaluation rows", result.stderr)
    assert splits, result.stderr[-3000:]
    assert sum(int(count) for count in splits.groups()) == good_rows
    with open(model_dir / "bad_rows.tsv", encoding="utf-8") as handle:
        rows = [line.split("\t") for line in handle.read().splitlines()[1:]]
    assert sorted(row[3] for row in rows) == sorted(expected_counts)
    assert sorted(int(row[1]) for row in rows) == [11, 201, 401, 601]
    assert all(row[0] == path for row in rows)
    assert "Skipped 4 bad rows" in result.stderr
    with open(model_dir / "metrics.json") as handle:
        metrics = json.load(handle)
    assert metrics["eval_rows"] == int(splits.group(3))
    assert [stage["name"] for stage in metrics["stages"]] == ["gbdt", "deepfm"]


def test_error_mode_stops_at_first_bad_row(tmp_path):
    path, _, _ = _dirty_criteo_copy(tmp_path, 100)

    result = subprocess.run(
        [sys.executable, "-m", "resfusion_tf.binaries.train", "--dataset=criteo",
         f"--train_path={path}", f"--model_dir={tmp_path / 'model'}"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)

    assert result.returncode != 0
    assert f"{path}:11: column 'C7': expected 40 fields" in result.stderr
    assert "--on_bad_row=skip" in result.stderr


def test_gbdt_preflight_fails_before_training(tmp_path):
    model_dir = tmp_path / "model"

    result = subprocess.run(
        [sys.executable, "-m", "resfusion_tf.binaries.train", *TINY_FLAGS,
         "--gbdt_memory_limit_mb=1", f"--model_dir={model_dir}"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)

    assert result.returncode != 0
    assert "A GBDT stage on 1080 rows x 39 features" in result.stderr
    assert "--gbdt_max_rows=" in result.stderr
    assert "No stage was trained" in result.stderr
    assert "training a TF-DF" not in result.stderr
    assert not (model_dir / "tensorboard").exists()
    assert not (model_dir / "stages").exists()


def test_tfds_criteo_builds_protocol_splits_and_trains(tmp_path):
    import tensorflow_datasets as tfds

    from resfusion_tf.data.tfds_builders import Criteo

    sample = shared_file("criteo", "criteo_sample.tsv")
    manual_dir, data_dir = tmp_path / "manual", tmp_path / "tfds"
    manual_dir.mkdir()
    shutil.copyfile(sample, manual_dir / "train.txt")

    builder = Criteo(data_dir=str(data_dir))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))

    with open(sample, "rb") as handle:
        num_lines = sum(1 for _ in handle)
    expected = {"train": 0, "validation": 0, "test": 0}
    for line in range(1, num_lines + 1):
        expected[split_of_row(0, line)] += 1
    sizes = {name: info.num_examples for name, info in builder.info.splits.items()}
    assert sizes == expected
    assert 0.75 < expected["train"] / num_lines < 0.85

    model_dir = tmp_path / "model"
    run_train([*_NEURAL_TINY, "--dataset=tfds:criteo", f"--tfds_data_dir={data_dir}",
               f"--tfds_manual_dir={manual_dir}", f"--model_dir={model_dir}"])
    with open(model_dir / "metrics.json") as handle:
        metrics = json.load(handle)
    assert metrics["eval_rows"] == expected["test"]
    assert 0.5 < metrics["final"]["auc"] <= 1.0


def test_tfds_without_raw_file_explains_download(tmp_path):
    manual_dir = tmp_path / "manual"

    result = subprocess.run(
        [sys.executable, "-m", "resfusion_tf.binaries.train", "--dataset=tfds:avazu",
         f"--tfds_data_dir={tmp_path / 'tfds'}", f"--tfds_manual_dir={manual_dir}",
         f"--model_dir={tmp_path / 'model'}"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)

    assert result.returncode != 0
    assert "No raw avazu file in" in result.stderr
    assert "train.gz" in result.stderr
    assert str(manual_dir) in result.stderr
