"""The stage interface: one learner of a ResFusion pipeline and its serving head."""

import abc
import dataclasses
from typing import Optional

import numpy as np
import tensorflow as tf

from resfusion_tf.config import TrainConfig
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.statistics import FeatureStatistics
from resfusion_tf.residual.spaces import ResidualSpace

_PREDICT_BATCH_SIZE = 8192


@dataclasses.dataclass
class StageContext:
    """What a stage needs to fit: data, the prediction so far, and settings.

    Attributes:
        index: Position of the stage in the pipeline, from 0.
        train: Training rows.
        valid: Validation rows for early stopping.
        train_state: Residual-space state of the prediction so far on `train`, or
            None for the first stage.
        valid_state: The same on `valid`.
        space: The residual space of the pipeline.
        statistics: Vocabularies and numeric moments of the training split.
        config: The whole run configuration.
        log_dir: Directory for this stage's TensorBoard logs.
        streams: In a streaming run, the `tf.data` inputs of neural stages over every
            row (a `resfusion_tf.residual.streaming_dataset.StreamingInputs`); `train`
            and `valid` then hold only the in-memory GBDT sample. None otherwise.
    """

    index: int
    train: ExampleTable
    valid: ExampleTable
    train_state: Optional[np.ndarray]
    valid_state: Optional[np.ndarray]
    space: ResidualSpace
    statistics: FeatureStatistics
    config: TrainConfig
    log_dir: str
    streams: Optional[object] = None

    @property
    def is_first(self) -> bool:
        return self.train_state is None


class Stage(abc.ABC):
    """A learner that fits the label (first stage) or the residual (later stages)."""

    kind: str

    @abc.abstractmethod
    def fit(self, context: StageContext) -> None:
        """Trains the stage."""

    @abc.abstractmethod
    def head(self) -> tf.Module:
        """Returns the serving head: a callable from raw features to a `[batch]` float32 output.

        For the first stage the output is a logit. For later stages it is what the
        residual space combines with the state: a logit in logit space, a
        probability residual in probability space.
        """

    @abc.abstractmethod
    def save(self, directory: str) -> None:
        """Writes the trained stage under `directory`."""

    def predict(self, table: ExampleTable) -> np.ndarray:
        """Returns the head's output on every row of `table`, in order."""
        return predict_head(self.head(), table)


def predict_head(head: tf.Module, table: ExampleTable, batch_size: int = _PREDICT_BATCH_SIZE) -> np.ndarray:
    """Runs `head` over `table` in batches and returns a float32 array `[rows]`."""
    dataset = tf.data.Dataset.from_tensor_slices(table.features).batch(batch_size)
    call = tf.function(head.__call__, reduce_retracing=True)
    outputs = [call(batch).numpy() for batch in dataset]
    if not outputs:
        return np.zeros([0], np.float32)
    return np.concatenate(outputs).astype(np.float32)
