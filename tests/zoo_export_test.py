"""Every zoo model exports as one composite SavedModel that a fresh process serves.

The models train in this process on tiny synthetic data. One subprocess that imports
only TensorFlow and TF-DF then loads every export and scores the evaluation rows,
which must match the probabilities computed here.
"""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from resfusion_tf.config import DataConfig, GBDTConfig, NeuralConfig, TrainConfig
from resfusion_tf.data.loading import load_splits
from resfusion_tf.export.exporter import export_composite
from resfusion_tf.fusion.pipeline import fit_pipeline
from resfusion_tf.fusion.zoo import ZOO_MODELS
from tests.conftest import REPO_ROOT

TINY_CONFIG = TrainConfig(
    data=DataConfig(synthetic_rows=800),
    gbdt=GBDTConfig(num_trees=5, leaf_num_trees=4),
    neural=NeuralConfig(embedding_dim=4, hidden_units=(8,), epochs=1, batch_size=128),
    cross_fit_folds=2,
)

_SCORE_ALL = """
import sys
sys.path.insert(0, {tests_dir!r})
import serving_helper
for saved_model, output in zip(sys.argv[1::2], sys.argv[2::2]):
    serving_helper.main(saved_model, {inputs!r}, output)
assert "resfusion_tf" not in sys.modules, sorted(sys.modules)
"""


@pytest.fixture(scope="module")
def exported_zoo(tmp_path_factory):
    """Trains and exports every zoo model; returns the splits and per-model results."""
    root = tmp_path_factory.mktemp("zoo")
    splits = load_splits(TINY_CONFIG.data)
    exports = {}
    for name, stages in ZOO_MODELS.items():
        config = dataclasses.replace(TINY_CONFIG, stages=stages,
                                     model_dir=str(root / "runs" / name))
        pipeline = fit_pipeline(config, splits.train, splits.valid, splits.evaluation)
        path = export_composite(pipeline.composite(splits.schema), str(root / "exports" / name))
        exports[name] = {"path": path, "stages": stages,
                         "probabilities": pipeline.eval_probabilities}
    return {"root": root, "splits": splits, "exports": exports}


@pytest.fixture(scope="module")
def served_outputs(exported_zoo):
    """Scores the evaluation rows with every export in one fresh process."""
    root = exported_zoo["root"]
    inputs = str(root / "inputs.npz")
    np.savez(inputs, **exported_zoo["splits"].evaluation.features)
    arguments, outputs = [], {}
    for name, export in exported_zoo["exports"].items():
        outputs[name] = str(root / f"served_{len(outputs)}.npz")
        arguments += [export["path"], outputs[name]]
    script = _SCORE_ALL.format(tests_dir=os.path.join(REPO_ROOT, "tests"), inputs=inputs)
    result = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True,
                            text=True, cwd=str(root), timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    return {name: dict(np.load(path)) for name, path in outputs.items()}


@pytest.mark.parametrize("name", list(ZOO_MODELS))
def test_zoo_model_serves_in_fresh_process(name, exported_zoo, served_outputs):
    export = exported_zoo["exports"][name]
    served = served_outputs[name]
    rows = len(exported_zoo["splits"].evaluation)

    assert served["probability"].shape == (rows,)
    assert np.all(np.isfinite(served["probability"]))
    np.testing.assert_allclose(served["probability"], export["probabilities"], atol=1e-5)
    stage_outputs = {f"stage_{index}_{kind}_logit" for index, kind in enumerate(export["stages"])}
    assert set(served) == {"probability", "logit", *stage_outputs}


@pytest.mark.parametrize("name", ["GBDT", "GBDT+LR", "GBDT2DNN", "GBDT2DeepFM", "GBDT+DeepFM"])
def test_tree_models_carry_tfdf_assets(name, exported_zoo):
    assets = os.path.join(exported_zoo["exports"][name]["path"], "assets")
    assert os.path.isdir(assets)
    assert any(file.endswith("header.pb") for file in os.listdir(assets))
