"""One training run: load splits, fit the stages, write metrics, export the composite."""

import dataclasses
import json
import os
from typing import Optional

import numpy as np
from absl import logging

from resfusion_tf import precision
from resfusion_tf.config import TrainConfig
from resfusion_tf.data.loading import Splits
from resfusion_tf.export import model_card as model_card_lib
from resfusion_tf.export.exporter import export_composite, resolve_version
from resfusion_tf.export.warmup import warmup_features
from resfusion_tf.fusion.fitting import load_and_fit
from resfusion_tf.fusion.pipeline import FittedPipeline


@dataclasses.dataclass
class TrainingResult:
    """Outputs of one training run.

    Attributes:
        metrics: The content of metrics.json.
        pipeline: The trained stages.
        splits: The data the run used.
        export_path: The exported version directory, or None without `export_dir`.
    """

    metrics: dict
    pipeline: FittedPipeline
    splits: Splits
    export_path: Optional[str]


def build_metrics(pipeline: FittedPipeline, eval_rows: int) -> dict:
    """Returns the metrics.json content: per-stage cumulative metrics and the final ones."""
    final = pipeline.stage_metrics[-1]
    return {
        "eval_rows": eval_rows,
        "stages": pipeline.stage_metrics,
        "final": {"auc": final["auc"], "logloss": final["logloss"]},
    }


def write_json(path: str, content: dict) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=2, default=str)
        handle.write("\n")


def save_stages(pipeline: FittedPipeline, model_dir: str) -> None:
    """Writes each trained stage and the preprocessing statistics under `model_dir`."""
    for index, stage in enumerate(pipeline.stages):
        directory = os.path.join(model_dir, "stages", f"{index}_{stage.kind}")
        os.makedirs(directory, exist_ok=True)
        stage.save(directory)
    write_json(os.path.join(model_dir, "statistics.json"), pipeline.statistics.to_json_dict())


def build_model_card(config: TrainConfig, splits: Splits, pipeline: FittedPipeline,
                     metrics: dict, dtype_policy: str) -> dict:
    """Returns the model card of a run; see `resfusion_tf.export.model_card`."""
    stages = [model_card_lib.describe_stage(index, stage.kind, getattr(stage, "scale", None))
              for index, stage in enumerate(pipeline.stages)]
    row_counts = {"train": len(splits.train), "validation": len(splits.valid),
                  "evaluation": len(splits.evaluation)}
    return model_card_lib.build_model_card(config, splits.schema, stages, row_counts, metrics,
                                           dtype_policy)


def format_metrics_table(metrics: dict) -> str:
    """Returns a plain-text table of the cumulative metrics after each stage."""
    lines = [f"{'after stage':<20} {'AUC':>9} {'logloss':>9}"]
    for index, stage in enumerate(metrics["stages"]):
        label = f"{index} {stage['name']}"
        lines.append(f"{label:<20} {stage['auc']:>9.5f} {stage['logloss']:>9.5f}")
    lines.append(f"{'final':<20} {metrics['final']['auc']:>9.5f} "
                 f"{metrics['final']['logloss']:>9.5f}")
    lines.append(f"({metrics['eval_rows']} evaluation rows)")
    return "\n".join(lines)


def train(config: TrainConfig, export_version: Optional[int] = None) -> TrainingResult:
    """Runs the whole pipeline described by `config`.

    Writes `metrics.json`, `config.json`, TensorBoard logs and the trained stages
    under `config.model_dir`, and the composite SavedModel under
    `<config.export_dir>/<version>/` when `export_dir` is set.
    """
    config.validate()
    os.makedirs(config.model_dir, exist_ok=True)
    write_json(os.path.join(config.model_dir, "config.json"), dataclasses.asdict(config))
    dtype_policy = precision.apply_policy(config.mixed_precision)
    if config.export_dir and export_version is not None:
        resolve_version(config.export_dir, export_version)  # Fails before training, not after.

    splits, pipeline = load_and_fit(config)
    metrics = build_metrics(pipeline, len(splits.evaluation))
    write_json(os.path.join(config.model_dir, "metrics.json"), metrics)
    logging.info("Wrote %s.", os.path.join(config.model_dir, "metrics.json"))
    save_stages(pipeline, config.model_dir)
    card = build_model_card(config, splits, pipeline, metrics, dtype_policy)
    model_card_lib.write_model_card(
        os.path.join(config.model_dir, model_card_lib.MODEL_CARD_FILE), card)

    export_path = None
    if config.export_dir:
        composite = pipeline.composite(splits.schema)
        export_path = export_composite(
            composite, config.export_dir, export_version, model_card=card,
            warmup_features=warmup_features(splits.schema, pipeline.statistics))
        np.save(os.path.join(config.model_dir, "eval_probabilities.npy"),
                pipeline.eval_probabilities)
    return TrainingResult(metrics, pipeline, splits, export_path)
