"""ResFusion over streamed files: neural stages read every row, GBDT stages a sample.

The stages run in order as in `resfusion_tf.fusion.pipeline`, with three changes:

- A GBDT stage trains on the in-memory GBDT sample of the training and validation
  splits (at most `--gbdt_max_rows` rows each, chosen by row hash).
- A neural stage trains on every training row, streamed from disk each epoch with
  the prediction so far read from a state file.
- After each stage but the last, the new prediction on every training and
  validation row is computed once, batch by batch, and written to a state file.
  With `--cross_fit_folds` above 1, rows of the GBDT sample get out-of-fold
  predictions of a GBDT stage, as in the in-memory pipeline. Rows outside the sample
  were never trained on, so their predictions are honest already.
"""

import os
import shutil

import numpy as np
from absl import logging

from resfusion_tf import metrics
from resfusion_tf.config import TrainConfig
from resfusion_tf.data.streaming import StreamingData
from resfusion_tf.fusion.pipeline import FittedPipeline, fit_cross_fitted_stage
from resfusion_tf.fusion.registry import make_stage
from resfusion_tf.fusion.stage import StageContext
from resfusion_tf.models.stage import NeuralStage
from resfusion_tf.residual.spaces import get_residual_space
from resfusion_tf.residual.streaming_dataset import (StreamingInputs, read_states,
                                                     stream_outputs, write_states)

STATE_DIRECTORY = "streaming_states"


def _check_stage_kinds(config: TrainConfig) -> None:
    for kind in config.stages:
        stage = make_stage(kind)
        if kind != "gbdt" and not isinstance(stage, NeuralStage):
            raise ValueError(
                f"Stage {kind!r} cannot train on streamed input; with --streaming use "
                "gbdt and neural stages such as deepfm or dnn, or drop --streaming.")


def _stream_all_outputs(stage, data: StreamingData, split: str) -> np.ndarray:
    parts = [outputs for outputs, _ in stream_outputs(stage.head(), data, split)]
    return np.concatenate(parts) if parts else np.zeros([0], np.float32)


def fit_streaming_pipeline(config: TrainConfig, data: StreamingData) -> FittedPipeline:
    """Fits every stage of `config.stages` on streamed input and evaluates each one.

    State files are written under `<model_dir>/streaming_states/` (4 bytes per
    training and validation row) and removed at the end.
    """
    config.validate()
    _check_stage_kinds(config)
    space = get_residual_space(config.residual_space)
    state_dir = os.path.join(config.model_dir, STATE_DIRECTORY)
    os.makedirs(state_dir, exist_ok=True)

    sample_train, train_positions = data.read_sample("train")
    sample_valid, valid_positions = data.read_sample("valid")
    valid_labels = data.labels("valid")
    eval_labels = data.labels("eval")
    logging.info("GBDT sample: %d training and %d validation rows in memory.",
                 len(sample_train), len(sample_valid))

    stages, stage_metrics = [], []
    paths = {"train": None, "valid": None}
    eval_state = None
    for index, kind in enumerate(config.stages):
        is_last = index == len(config.stages) - 1
        train_state = None if paths["train"] is None else read_states(paths["train"])
        valid_state = None if paths["valid"] is None else read_states(paths["valid"])
        streams = StreamingInputs(data, paths["train"], paths["valid"], valid_labels,
                                  config.data.shuffle_buffer_size)
        context = StageContext(
            index=index, train=sample_train, valid=sample_valid,
            train_state=None if train_state is None else np.asarray(train_state[train_positions]),
            valid_state=None if valid_state is None else np.asarray(valid_state[valid_positions]),
            space=space, statistics=data.statistics, config=config,
            log_dir=os.path.join(config.model_dir, "tensorboard", f"stage_{index}_{kind}"),
            streams=streams)
        # NOTE: only GBDT stages are cross-fitted here. A neural stage that is not
        # last passes in-sample predictions on its training rows.
        sample_outputs = None
        if kind == "gbdt" and not is_last and config.cross_fit_folds > 1:
            stage, sample_outputs = fit_cross_fitted_stage(kind, context, config.cross_fit_folds)
        else:
            stage = make_stage(kind)
            stage.fit(context)
        stages.append(stage)

        if not is_last:
            for split in ("train", "valid"):
                path = os.path.join(state_dir, f"{split}_after_stage_{index}.f32")
                paths[split] = write_states(stage.head(), data, split, space, paths[split], path,
                                            sample_outputs if split == "train" else None)

        outputs = _stream_all_outputs(stage, data, "eval")
        eval_state = np.asarray(space.initial_state(outputs) if eval_state is None
                                else space.combine(eval_state, outputs))
        probabilities = np.asarray(space.to_probability(eval_state))
        result = {"name": kind, **metrics.evaluate(eval_labels, probabilities)}
        stage_metrics.append(result)
        logging.info("After stage %d (%s): eval AUC %.5f, logloss %.5f on %d rows.", index,
                     kind, result["auc"], result["logloss"], len(eval_labels))

    shutil.rmtree(state_dir, ignore_errors=True)
    return FittedPipeline(stages, space, data.statistics, stage_metrics, probabilities)


class _RowCount:
    """Stands for a split whose rows stay on disk: only `len()` is defined."""

    def __init__(self, rows: int):
        self.rows = rows

    def __len__(self) -> int:
        return self.rows


class StreamedSplits:
    """The splits of a streaming run, as `Splits` has them, but holding row counts only.

    Attributes:
        schema: Layout of every file.
        train, valid, evaluation: Objects whose `len()` is the split's row count.
    """

    def __init__(self, data: StreamingData):
        self.schema = data.schema
        self.train = _RowCount(data.counts["train"])
        self.valid = _RowCount(data.counts["valid"])
        self.evaluation = _RowCount(data.counts["eval"])
