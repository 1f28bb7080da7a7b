"""Tests of the atomic versioned exporter, with a small real CompositeModel."""

import hashlib
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.export import exporter
from resfusion_tf.export.composite import CompositeModel
from resfusion_tf.export.tf_example import serialize_examples
from resfusion_tf.export.warmup import warmup_features
from resfusion_tf.residual.spaces import LogitSpace

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("x",), categorical=("c",))
_STATISTICS = FeatureStatistics(vocabularies={"c": ["a", "b"]}, numeric_means={"x": 0.5},
                                numeric_stds={"x": 1.0}, num_rows=10)


class _LinearHead(tf.Module):
    """A one-variable logit: 0.5 * x (0 when missing) + 1 when c == "a"."""

    def __init__(self):
        super().__init__()
        self.weight = tf.Variable(0.5)

    def __call__(self, features):
        x = features["x"]
        numeric = self.weight * tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
        return numeric + tf.cast(tf.equal(features["c"], "a"), tf.float32)


def _model():
    return CompositeModel(_SCHEMA, [("linear", _LinearHead())], LogitSpace())


def _export(base_dir, version=None):
    return exporter.export_composite(
        _model(), str(base_dir), version, model_card={"schema": _SCHEMA.to_json_dict()},
        warmup_features=warmup_features(_SCHEMA, _STATISTICS))


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


def test_export_writes_signatures_and_assets(tmp_path):
    path = _export(tmp_path)

    assert path == str(tmp_path / "1")
    assert sorted(os.listdir(tmp_path)) == ["1"]
    assert os.path.exists(tmp_path / "1" / "assets.extra" / "tf_serving_warmup_requests")
    assert os.path.exists(tmp_path / "1" / "assets.extra" / "model_card.json")
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "predict_examples", "classify"}
    default = loaded.signatures["serving_default"](x=tf.constant([2.0, np.nan]),
                                                   c=tf.constant(["a", ""]))
    expected = 1.0 / (1.0 + np.exp(-np.array([2.0, 0.0])))
    np.testing.assert_allclose(default["probability"].numpy(), expected, rtol=1e-6)
    examples = serialize_examples(_SCHEMA, {"x": np.array([2.0, np.nan], np.float32),
                                            "c": np.array(["a", ""], dtype=object)})
    scores = loaded.signatures["classify"](inputs=tf.constant(examples))["scores"].numpy()
    np.testing.assert_allclose(scores[:, 1], expected, rtol=1e-6)


def test_next_version_chosen_automatically(tmp_path):
    _export(tmp_path)
    os.makedirs(tmp_path / "7")

    path = _export(tmp_path)

    assert path == str(tmp_path / "8")


def test_existing_version_rejected_and_untouched(tmp_path):
    _export(tmp_path, version=3)
    before = _snapshot(tmp_path / "3")

    with pytest.raises(exporter.ExportError) as raised:
        _export(tmp_path, version=3)

    message = str(raised.value)
    assert "Version 3 already exists" in message
    assert "--export_version=4" in message
    assert _snapshot(tmp_path / "3") == before
    assert sorted(os.listdir(tmp_path)) == ["3"]


@pytest.mark.parametrize("version", [0, -2])
def test_non_positive_version_rejected(tmp_path, version):
    with pytest.raises(exporter.ExportError, match=f"got {version}"):
        exporter.resolve_version(str(tmp_path), version)


def test_stale_temp_dir_of_dead_process_removed(tmp_path):
    host = socket.gethostname()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    dead = tmp_path / f".tmp-1-{host}-{dead_pid}-abc123"
    running = tmp_path / f".tmp-1-{host}-{os.getpid()}-def456"
    other_host = tmp_path / f".tmp-1-other-host-{dead_pid}-ghi789"
    unrelated = tmp_path / ".tmp-notes"
    for directory in (dead, running, other_host, unrelated):
        os.makedirs(directory)

    removed = exporter.remove_stale_temp_dirs(str(tmp_path))

    assert removed == [str(dead)]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [running.name, other_host.name, unrelated.name])


def test_temp_name_parsing_allows_dashes_in_host():
    assert exporter._parse_temp_name(".tmp-12-my-host.example-4321-x_y9") == (
        "my-host.example", 4321)
    assert exporter._parse_temp_name(".tmp-12-host") is None
    assert exporter._parse_temp_name("12") is None
