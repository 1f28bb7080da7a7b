"""Rebuilds the serving heads of a trained run from its model_dir, without retraining.

`resfusion-train` writes, under `--model_dir`:

* `model_card.json`: the schema, the stage kinds, the residual space, the Keras dtype
  policy and the run configuration;
* `statistics.json`: the vocabularies and numeric moments of the training split;
* `stages/<i>_<kind>/`: `tfdf_model/` and `stage.json` (the line-search scale) for a
  GBDT stage, `<kind>.keras` for a neural stage.

A neural model is rebuilt from its builder, the statistics and the configuration, and
its weights are loaded from the `.keras` file. This avoids deserializing custom layers
from their config.
"""

import dataclasses
import json
import os

import keras
import tf_keras
from absl import logging

from resfusion_tf.config import NeuralConfig
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.export import model_card as model_card_lib
from resfusion_tf.export.composite import CompositeModel
from resfusion_tf.fusion.ensemble import AveragingHead
from resfusion_tf.fusion.heads import GBDTHead, KerasHead
from resfusion_tf.fusion.registry import make_stage
from resfusion_tf.gbdt.stage import STAGE_FILE, TFDF_MODEL_DIRECTORY
from resfusion_tf.residual.spaces import LogitSpace, ResidualSpace, get_residual_space

STATISTICS_FILE = "statistics.json"


class RestoreError(ValueError):
    """Raised when a model_dir lacks a file needed to rebuild its stages."""


@dataclasses.dataclass
class RestoredRun:
    """The serving parts of a trained run.

    Attributes:
        schema: The feature schema.
        space: The residual space that combines the stages.
        statistics: Statistics of the training split.
        heads: `(kind, head)` pairs in stage order, as `CompositeModel` takes them.
        model_card: The run's model card.
    """

    schema: FeatureSchema
    space: ResidualSpace
    statistics: FeatureStatistics
    heads: list
    model_card: dict

    def composite(self) -> CompositeModel:
        """Returns the serving module that sums every stage head."""
        return CompositeModel(self.schema, self.heads, self.space)


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise RestoreError(f"{path} is missing. Point --model_dir at a directory written by "
                           "resfusion-train.") from None


def _neural_config(card: dict) -> NeuralConfig:
    values = dict(card.get("config", {}).get("neural", {}))
    if "hidden_units" in values:
        values["hidden_units"] = tuple(values["hidden_units"])
    return NeuralConfig(**values)


def _restore_gbdt(directory: str, index: int, space: ResidualSpace) -> GBDTHead:
    model_path = os.path.join(directory, TFDF_MODEL_DIRECTORY)
    if not os.path.isdir(model_path):
        raise RestoreError(f"{model_path} is missing; the GBDT stage {index} was not saved.")
    stage_path = os.path.join(directory, STAGE_FILE)
    if os.path.exists(stage_path):
        scale = float(_read_json(stage_path)["scale"])
    elif index == 0 or not isinstance(space, LogitSpace):
        scale = 1.0  # Only a residual GBDT in logit space has a line-search scale.
    else:
        raise RestoreError(f"{stage_path} is missing, so the line-search scale of the "
                           f"residual GBDT stage {index} is unknown. Train the run again.")
    model = tf_keras.models.load_model(model_path)
    logging.info("Loaded the GBDT of stage %d from %s (scale %.4f).", index, model_path, scale)
    return GBDTHead(model, scale)


def _restore_neural(directory: str, index: int, kind: str, schema: FeatureSchema,
                    statistics: FeatureStatistics, config: NeuralConfig) -> KerasHead:
    from resfusion_tf.models.stage import NeuralStage

    stage = make_stage(kind)
    if not isinstance(stage, NeuralStage):
        raise RestoreError(
            f"Stage {index} has kind {kind!r}, which resfusion-export cannot rebuild yet; "
            "only gbdt and neural stages are supported. Export with "
            "resfusion-train --export_dir instead.")
    weights_path = os.path.join(directory, f"{kind}.keras")
    if not os.path.exists(weights_path):
        raise RestoreError(f"{weights_path} is missing; the {kind} stage {index} was not saved.")
    model = stage.builder(schema, statistics, config)
    model.load_weights(weights_path)
    logging.info("Loaded the %s of stage %d from %s.", kind, index, weights_path)
    return KerasHead(model, schema.features)


def _fold_member_directories(directory: str, kind: str) -> list[str]:
    """Returns the member directories of a cross-fitted stage, or [] for a single model.

    A stage fitted with `--cross_fit_folds` is the average of its fold copies, saved
    as `member_<i>_<kind>/` by `EnsembleStage.save`.
    """
    if not os.path.isdir(directory):
        return []
    prefix, suffix = "member_", f"_{kind}"
    names = [name for name in os.listdir(directory)
             if name.startswith(prefix) and name.endswith(suffix)]
    names.sort(key=lambda name: int(name[len(prefix):-len(suffix)]))
    return [os.path.join(directory, name) for name in names]


def _restore_head(directory, index, kind, space, schema, statistics, config):
    if kind == "gbdt":
        return _restore_gbdt(directory, index, space)
    return _restore_neural(directory, index, kind, schema, statistics, config)


def restore_run(model_dir: str) -> RestoredRun:
    """Rebuilds every stage head of the run in `model_dir`.

    Raises:
        ModelCardError: if `model_card.json` is missing or incomplete.
        RestoreError: if a statistics or stage file is missing, or a stage kind cannot
            be rebuilt.
    """
    card_path = os.path.join(model_dir, model_card_lib.MODEL_CARD_FILE)
    card = model_card_lib.read_model_card(card_path)
    schema = model_card_lib.schema_from_card(card, source=card_path)
    space = get_residual_space(card["residual_space"])
    statistics = FeatureStatistics.from_json_dict(
        _read_json(os.path.join(model_dir, STATISTICS_FILE)))
    config = _neural_config(card)

    previous_policy = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(card.get("dtype_policy", "float32"))
    try:
        heads = []
        for stage in card["stages"]:
            index, kind = int(stage["index"]), stage["kind"]
            directory = os.path.join(model_dir, "stages", f"{index}_{kind}")
            members = _fold_member_directories(directory, kind)
            restored = [_restore_head(member, index, kind, space, schema, statistics, config)
                        for member in members or [directory]]
            heads.append((kind, AveragingHead(restored) if members else restored[0]))
    finally:
        keras.mixed_precision.set_dtype_policy(previous_policy)
    logging.info("Restored %d stages (%s) from %s.", len(heads),
                 ", ".join(kind for kind, _ in heads), model_dir)
    return RestoredRun(schema, space, statistics, heads, card)
