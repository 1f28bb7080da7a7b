"""Tests of the model card."""

import json

import pytest

from resfusion_tf.config import TrainConfig
from resfusion_tf.data.schema import CRITEO
from resfusion_tf.export import model_card


def _card():
    stages = [model_card.describe_stage(0, "gbdt", 1.0), model_card.describe_stage(1, "deepfm")]
    metrics = {"eval_rows": 3, "final": {"auc": 0.7, "logloss": 0.5}}
    return model_card.build_model_card(
        TrainConfig(), CRITEO, stages, {"train": 10, "validation": 2, "evaluation": 3},
        metrics, "float32")


def test_card_describes_run():
    card = _card()

    assert card["schema"] == CRITEO.to_json_dict()
    assert card["stages"][1] == {"index": 1, "kind": "deepfm", "output": "stage_1_deepfm_logit"}
    assert card["stages"][0]["scale"] == 1.0
    assert card["residual_space"] == "logit"
    assert card["dtype_policy"] == "float32"
    assert card["training_data"]["rows"]["evaluation"] == 3
    assert card["packages"]["tensorflow"]
    json.dumps(card)  # The card must be plain JSON.


def test_with_export_keeps_training_packages():
    card = _card()

    exported = model_card.with_export(card, 4, ["serving_default"])

    assert exported["export"]["version"] == 4
    assert exported["export"]["signatures"] == ["serving_default"]
    assert exported["training_packages"] == card["packages"]
    assert "export" not in card


def test_round_trip_and_schema(tmp_path):
    path = str(tmp_path / "card.json")
    model_card.write_model_card(path, _card())

    card = model_card.read_model_card(path)

    assert model_card.schema_from_card(card) == CRITEO


def test_missing_card_says_what_to_do(tmp_path):
    with pytest.raises(model_card.ModelCardError, match="train again"):
        model_card.read_model_card(str(tmp_path / "absent.json"))


def test_incomplete_card_names_missing_keys(tmp_path):
    path = tmp_path / "card.json"
    path.write_text(json.dumps({"schema": CRITEO.to_json_dict()}))

    with pytest.raises(model_card.ModelCardError, match="'stages', 'residual_space'"):
        model_card.read_model_card(str(path))
