"""The model card: a JSON description of a trained run and of each export of it.

Training writes `<model_dir>/model_card.json`. Every export copies it into
`<version>/assets.extra/model_card.json` with an `export` section added. TF Serving
ignores `assets.extra`, and `resfusion-predict` reads the schema from the card. It
contains the schema, the stages, the residual space, the Keras dtype policy, package
versions, the training data paths and row counts, and the evaluation metrics.
"""

import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
from typing import Optional

from resfusion_tf.config import TrainConfig
from resfusion_tf.data.readers import DataError, expand_paths
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.export.composite import stage_output_name

MODEL_CARD_FILE = "model_card.json"
FORMAT_VERSION = 1

_PACKAGES = ("resfusion-tf", "tensorflow", "tensorflow-decision-forests", "tf_keras", "keras",
             "ydf", "tensorflow-serving-api", "numpy")


class ModelCardError(ValueError):
    """Raised when a model card is missing or lacks a required field."""


def package_versions() -> dict[str, Optional[str]]:
    """Returns the installed version of each package the model depends on, or None."""
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _files(pattern: str) -> list[str]:
    if not pattern:
        return []
    try:
        return [os.path.abspath(path) for path in expand_paths(pattern)]
    except DataError:
        return []


def describe_stage(index: int, kind: str, scale: Optional[float] = None) -> dict:
    """Returns the model-card entry of one stage."""
    entry = {"index": index, "kind": kind, "output": stage_output_name(index, kind)}
    if scale is not None:
        entry["scale"] = float(scale)
    return entry


def build_model_card(config: TrainConfig, schema: FeatureSchema, stages: list[dict],
                     row_counts: dict[str, int], metrics: dict, dtype_policy: str) -> dict:
    """Builds the model card of a trained run.

    Args:
        config: The run configuration.
        schema: The feature schema of every stage.
        stages: One `describe_stage` entry per stage, in order.
        row_counts: Rows of each split, keyed "train", "validation" and "evaluation".
        metrics: The content of metrics.json.
        dtype_policy: The Keras dtype policy the neural stages were built with, such as
            "float32" or "mixed_bfloat16".
    """
    data = config.data
    return {
        "format_version": FORMAT_VERSION,
        "model": "ResFusion composite of " + ", ".join(stage["kind"] for stage in stages),
        "created": _now(),
        "schema": schema.to_json_dict(),
        "stages": stages,
        "residual_space": config.residual_space,
        "dtype_policy": dtype_policy,
        "packages": package_versions(),
        "training_data": {
            "dataset": data.dataset,
            "train_path": data.train_path,
            "eval_path": data.eval_path,
            "schema_path": data.schema_path,
            "train_files": _files(data.train_path),
            "eval_files": _files(data.eval_path),
            "rows": dict(row_counts),
        },
        "eval_metrics": metrics,
        "config": dataclasses.asdict(config),
    }


def with_export(card: dict, version: int, signature_names) -> dict:
    """Returns a copy of `card` with the `export` section of one SavedModel version.

    `packages` becomes the versions of the exporting process, which wrote the graph;
    the versions at training time move to `training_packages`.
    """
    exported = dict(card)
    exported.setdefault("training_packages", card.get("packages"))
    exported["packages"] = package_versions()
    exported["export"] = {"version": int(version), "created": _now(),
                          "signatures": list(signature_names)}
    return exported


def write_model_card(path: str, card: dict) -> None:
    """Writes `card` as indented JSON to `path`, creating its directory."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(card, handle, indent=2, default=str)
        handle.write("\n")


def read_model_card(path: str) -> dict:
    """Reads a model card.

    Raises:
        ModelCardError: if the file is missing, is not valid JSON, or lacks the schema,
            stages or residual space.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            card = json.load(handle)
    except FileNotFoundError:
        raise ModelCardError(
            f"Model card not found: {path}. Runs trained before model cards were added "
            "cannot be re-exported; train again with resfusion-train.") from None
    except json.JSONDecodeError as error:
        raise ModelCardError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: "
                             f"{error.msg}.") from None
    missing = [key for key in ("schema", "stages", "residual_space") if key not in card]
    if missing:
        raise ModelCardError(f"{path} lacks the keys {missing}; it was not written by "
                             "resfusion-train. Train again to write a complete card.")
    return card


def schema_from_card(card: dict, source: str = "<model card>") -> FeatureSchema:
    """Returns the feature schema stored in a model card."""
    return FeatureSchema.from_json_dict(card["schema"], source=source)
