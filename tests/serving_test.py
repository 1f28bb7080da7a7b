"""End to end: the serving signatures, warm-up requests and model card of an export.

Every SavedModel call runs in a fresh process that imports only TensorFlow and TF-DF
(tests/signature_helper.py), as TF Serving would load the model.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.data import splits, synthetic
from resfusion_tf.data.schema import CRITEO
from resfusion_tf.export.tf_example import serialize_examples
from tests.conftest import REPO_ROOT

_HELPER = os.path.join(REPO_ROOT, "tests", "signature_helper.py")
_NUM_ROWS = 64


def _run_helper(*args):
    result = subprocess.run([sys.executable, _HELPER, *map(str, args)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-5000:]


def _evaluation_rows():
    """Rebuilds the evaluation rows that the tiny run held out."""
    table = synthetic.generate(1500, seed=0)
    _, held_out = splits.split_indices(len(table), 0.2, seed=0)
    return table.take(held_out)


def _missing_rows(table):
    """Returns raw columns of 4 rows with features left out, and their tf.Examples.

    Row 0 has no feature at all, row 1 only I1 and C1, row 2 no numeric feature and
    row 3 no categorical feature. The raw columns hold NaN and "" where the Examples
    leave a feature out.
    """
    rows = table.take(np.arange(4))
    columns = {name: column.copy() for name, column in rows.features.items()}
    present_per_row = [set(), {"I1", "C1"}, set(CRITEO.categorical), set(CRITEO.numeric)]
    for row, present in enumerate(present_per_row):
        for name in CRITEO.features:
            if name not in present:
                columns[name][row] = np.nan if CRITEO.is_numeric(name) else ""
    return columns, serialize_examples(CRITEO, columns)


@pytest.fixture(scope="module")
def signature_outputs(trained_run, tmp_path_factory):
    """Calls every signature of version 1 in one fresh process."""
    directory = tmp_path_factory.mktemp("signatures")
    rows = _evaluation_rows().take(np.arange(_NUM_ROWS))
    missing_columns, missing_examples = _missing_rows(rows)
    arrays = {f"feature__{name}": column for name, column in rows.features.items()}
    arrays.update({f"missing__{name}": column for name, column in missing_columns.items()})
    arrays["examples"] = np.array(serialize_examples(CRITEO, rows.features), dtype=object)
    arrays["missing_examples"] = np.array(missing_examples, dtype=object)
    inputs, outputs = directory / "inputs.npz", directory / "outputs.npz"
    np.savez(inputs, **arrays)

    _run_helper("signatures", trained_run["export_dir"] / "1", inputs, outputs)
    return dict(np.load(outputs, allow_pickle=True))


def test_signatures_return_identical_probabilities(signature_outputs, trained_run):
    default = signature_outputs["default__probability"]
    examples = signature_outputs["examples__probability"]
    classify_scores = signature_outputs["classify__scores"]

    assert default.shape == (_NUM_ROWS,)
    np.testing.assert_array_equal(examples, default)
    np.testing.assert_array_equal(classify_scores[:, 1], default)
    expected = np.load(trained_run["model_dir"] / "eval_probabilities.npy")[:_NUM_ROWS]
    np.testing.assert_allclose(default, expected, atol=1e-5)


def test_predict_examples_returns_every_output(signature_outputs):
    for name in ("logit", "stage_0_gbdt_logit", "stage_1_deepfm_logit"):
        np.testing.assert_array_equal(signature_outputs[f"examples__{name}"],
                                      signature_outputs[f"default__{name}"])


def test_classify_scores_and_classes(signature_outputs):
    scores = signature_outputs["classify__scores"]
    classes = signature_outputs["classify__classes"]

    assert scores.shape == (_NUM_ROWS, 2)
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-6)
    assert classes.shape == (_NUM_ROWS, 2)
    assert {tuple(row) for row in classes} == {(b"0", b"1")}


def test_missing_features_score(signature_outputs):
    from_examples = signature_outputs["missing_examples__probability"]
    from_classify = signature_outputs["missing_classify__scores"][:, 1]
    from_raw = signature_outputs["missing_default__probability"]

    assert from_examples.shape == (4,)
    assert np.all(np.isfinite(from_examples))
    assert np.all((from_examples > 0) & (from_examples < 1))
    np.testing.assert_array_equal(from_examples, from_raw)
    np.testing.assert_array_equal(from_classify, from_raw)


def test_helper_imports_no_project_code(signature_outputs):
    assert signature_outputs["loaded_modules"].size == 0


def test_warmup_records_all_run(trained_run, tmp_path):
    output = tmp_path / "warmup.json"

    _run_helper("warmup", trained_run["export_dir"] / "1", output)

    with open(output) as handle:
        results = json.load(handle)
    assert [(entry["kind"], entry["signature"], entry["batch_size"]) for entry in results] == [
        ("predict_log", "serving_default", 1),
        ("predict_log", "serving_default", 4),
        ("predict_log", "predict_examples", 4),
        ("classify_log", "classify", 4),
    ]
    for entry in results:
        assert entry["finite"], entry
    assert results[1]["outputs"]["probability"] == [4]
    assert results[3]["outputs"] == {"scores": [4, 2], "classes": [4, 2]}


def test_saved_model_cli_lists_three_signatures(trained_run):
    result = subprocess.run(
        ["saved_model_cli", "show", "--all", "--dir", str(trained_run["export_dir"] / "1")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout

    for name in ("serving_default", "predict_examples", "classify"):
        assert f"signature_def['{name}']" in text
    assert "inputs['examples']" in text
    assert "inputs['inputs']" in text
    assert "outputs['scores']" in text
    assert "outputs['classes']" in text
    assert "Method name is: tensorflow/serving/classify" in text
    assert text.count("Method name is: tensorflow/serving/predict") == 2


def test_model_card_asset(trained_run):
    path = trained_run["export_dir"] / "1" / "assets.extra" / "model_card.json"
    with open(path) as handle:
        card = json.load(handle)

    assert card["schema"]["name"] == "criteo"
    assert card["schema"]["numeric"] == list(CRITEO.numeric)
    assert [stage["kind"] for stage in card["stages"]] == ["gbdt", "deepfm"]
    assert card["stages"][0]["output"] == "stage_0_gbdt_logit"
    assert card["residual_space"] == "logit"
    assert card["packages"]["tensorflow"] == tf.__version__
    assert card["packages"]["tensorflow-decision-forests"]
    assert card["training_data"]["dataset"] == "synthetic"
    rows = card["training_data"]["rows"]
    assert rows["evaluation"] == trained_run["metrics"]["eval_rows"]
    assert rows["train"] + rows["validation"] + rows["evaluation"] == 1500
    assert card["eval_metrics"] == trained_run["metrics"]
    assert card["export"]["version"] == 1
    assert card["export"]["signatures"] == ["serving_default", "predict_examples", "classify"]
