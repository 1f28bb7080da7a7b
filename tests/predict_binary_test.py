"""End to end: resfusion-predict scores files in order, with the training error policy."""

import json
import os
import re
import subprocess
import sys

import numpy as np

from resfusion_tf import metrics
from resfusion_tf.data import splits, synthetic
from tests.conftest import REPO_ROOT, TINY_FLAGS, run_train, shared_file


def _predict(saved_model, input_path, output_path, *extra):
    command = [sys.executable, "-m", "resfusion_tf.binaries.predict",
               f"--saved_model={saved_model}", f"--input={input_path}",
               f"--output={output_path}", *extra]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)


def _evaluation_tsv(path, rows=None):
    """Writes the tiny run's evaluation rows as a Criteo TSV and returns their table."""
    table = synthetic.generate(1500, seed=0)
    _, held_out = splits.split_indices(len(table), 0.2, seed=0)
    evaluation = table.take(held_out if rows is None else held_out[:rows])
    synthetic.write_tsv(evaluation, str(path))
    return evaluation


def test_predict_writes_rows_in_order_with_stage_logits(trained_run, tmp_path):
    input_path, output_path = tmp_path / "eval.tsv", tmp_path / "scores.tsv"
    _evaluation_tsv(input_path)

    result = _predict(trained_run["export_dir"] / "1", input_path, output_path,
                      "--stage_logits", "--output_header", "--batch_size=64",
                      "--log_every_rows=100")

    assert result.returncode == 0, result.stderr[-5000:]
    assert re.search(r"Scored \d+ rows \(0 skipped\)", result.stderr)
    lines = output_path.read_text().splitlines()
    assert lines[0].split("\t") == ["probability", "logit", "stage_0_gbdt_logit",
                                    "stage_1_deepfm_logit"]
    values = np.array([[float(field) for field in line.split("\t")] for line in lines[1:]])
    assert values.shape == (300, 4)
    expected = np.load(trained_run["model_dir"] / "eval_probabilities.npy")
    np.testing.assert_allclose(values[:, 0], expected, atol=1e-5)
    np.testing.assert_allclose(values[:, 1], values[:, 2] + values[:, 3], atol=1e-5)
    assert not os.path.exists(str(output_path) + ".partial")


def _bad_input(tmp_path):
    """Writes 6 good rows with bad rows at data lines 3 and 8 (the last line)."""
    _evaluation_tsv(tmp_path / "good.tsv", rows=6)
    good = (tmp_path / "good.tsv").read_text().splitlines()
    bad_fields = good[0].split("\t")
    bad_fields[1] = "twelve"
    lines = good[:2] + ["\t".join(bad_fields)] + good[2:] + ["1\tshort"]
    path = tmp_path / "bad.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_row_stops_with_location_by_default(trained_run, tmp_path):
    input_path = _bad_input(tmp_path)

    result = _predict(trained_run["export_dir"] / "1", input_path, tmp_path / "scores.txt")

    assert result.returncode != 0
    assert f"{input_path}:3: column 'I1'" in result.stderr
    assert "'twelve'" in result.stderr
    assert not os.path.exists(tmp_path / "scores.txt")


def test_skip_policy_keeps_line_alignment(trained_run, tmp_path):
    input_path = _bad_input(tmp_path)
    output_path = tmp_path / "out" / "scores.txt"

    result = _predict(trained_run["export_dir"] / "1", input_path, output_path,
                      "--on_bad_row=skip")

    assert result.returncode == 0, result.stderr[-5000:]
    assert "skipped 2 bad rows" in result.stdout
    lines = output_path.read_text().splitlines()
    assert len(lines) == 8
    assert [index for index, line in enumerate(lines) if not line] == [2, 7]
    bad_rows = (tmp_path / "out" / "bad_rows.tsv").read_text().splitlines()
    assert len(bad_rows) == 3  # The header and two rows.
    assert "non_numeric" in bad_rows[1]


def test_criteo_sample_auc_matches_in_process(tmp_path):
    sample = shared_file("criteo", "criteo_sample.tsv")
    model_dir, export_dir = tmp_path / "model", tmp_path / "export"
    run_train([*[flag for flag in TINY_FLAGS if not flag.startswith("--synthetic_rows")],
               "--dataset=criteo", f"--train_path={sample}", f"--eval_path={sample}",
               f"--model_dir={model_dir}", f"--export_dir={export_dir}"])
    output_path = tmp_path / "scores.txt"

    result = _predict(export_dir, sample, output_path)

    assert result.returncode == 0, result.stderr[-5000:]
    with open(sample, encoding="utf-8") as handle:
        labels = np.array([float(line.split("\t", 1)[0]) for line in handle])
    probabilities = np.array([float(line) for line in output_path.read_text().splitlines()])
    assert probabilities.shape == labels.shape
    in_process = np.load(model_dir / "eval_probabilities.npy")
    np.testing.assert_allclose(probabilities, in_process, atol=1e-5)
    with open(model_dir / "metrics.json") as handle:
        final_auc = json.load(handle)["final"]["auc"]
    assert abs(metrics.auc(labels, probabilities) - final_auc) < 1e-6
