"""Streaming residual pipeline: every row from disk, with the prediction so far.

The prediction of the earlier stages on each row is computed once per split, batch
by batch, and appended to a file of float32 values in stream order (`write_states`).
Each epoch then reads that file with `FixedLengthRecordDataset` next to the streamed
rows, so neither the rows nor the states are held in memory, and the earlier stages
never run again.
"""

import dataclasses
import os
from typing import Iterator, Optional

import numpy as np
import tensorflow as tf

from resfusion_tf.data.streaming import StreamingData
from resfusion_tf.residual.dataset import PREVIOUS_STATE_KEY, Encoder, encode_batch
from resfusion_tf.residual.spaces import ResidualSpace

_STATE_BYTES = 4
_PREDICT_BATCH_SIZE = 8192
# Rows per block of the block-level shuffle. A block is one dense tensor per
# feature, so a buffered row costs about its values' bytes. A row buffered as its own
# element costs several KiB more (one tensor per feature), which grows the peak
# memory with the buffer size.
_BLOCK_ROWS = 256
# Largest row-level shuffle buffer, which mixes the rows of neighbouring blocks.
_MAX_ROW_SHUFFLE = 4096


def read_states(path: str) -> np.ndarray:
    """Maps a state file into memory without reading it: a float32 array, one per row."""
    return np.memmap(path, dtype=np.float32, mode="r")


def state_dataset(path: str) -> tf.data.Dataset:
    """Streams a state file as scalar float32 elements, in row order."""
    records = tf.data.FixedLengthRecordDataset(path, _STATE_BYTES, buffer_size=1 << 20)
    return records.map(lambda record: tf.io.decode_raw(record, tf.float32)[0])


def stream_outputs(head: tf.Module, data: StreamingData,
                   split: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yields `(outputs, in_gbdt_sample)` of `head` for each batch of `split`, in order."""
    call = tf.function(head.__call__, reduce_retracing=True)
    for features, _, in_sample in data.dataset(split, _PREDICT_BATCH_SIZE):
        yield call(features).numpy().astype(np.float32), in_sample.numpy()


def write_states(head: tf.Module, data: StreamingData, split: str, space: ResidualSpace,
                 previous_path: Optional[str], path: str,
                 sample_outputs: Optional[np.ndarray] = None) -> str:
    """Writes the state after one more stage on every row of `split` to `path`.

    Args:
        head: The new stage's serving head.
        data: The streamed input.
        split: "train" or "valid".
        space: Combines the previous state and the head's output.
        previous_path: State file of the earlier stages, or None after a first stage.
        path: The file to write.
        sample_outputs: Outputs to use on the rows of the GBDT sample instead of the
            head's, in sample order, such as out-of-fold predictions. None uses the
            head everywhere.

    Returns:
        `path`.
    """
    previous = None if previous_path is None else read_states(previous_path)
    offset = sample_offset = 0
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as handle:
        for outputs, in_sample in stream_outputs(head, data, split):
            if sample_outputs is not None:
                positions = np.flatnonzero(in_sample)
                outputs[positions] = sample_outputs[sample_offset:sample_offset + positions.size]
                sample_offset += positions.size
            if previous is None:
                state = space.initial_state(outputs).numpy()
            else:
                state = space.combine(previous[offset:offset + outputs.size], outputs).numpy()
            handle.write(np.asarray(state, np.float32).tobytes())
            offset += outputs.size
    return path


@dataclasses.dataclass
class StreamingInputs:
    """The `tf.data` inputs of a neural stage in a streaming run.

    Attributes:
        data: The streamed input.
        train_state_path: State file of the training rows, or None for a first stage.
        valid_state_path: State file of the validation rows, or None.
        valid_labels: Labels of the validation rows in stream order.
        shuffle_buffer_size: Rows in the shuffle buffer of the training input.
    """

    data: StreamingData
    train_state_path: Optional[str]
    valid_state_path: Optional[str]
    valid_labels: np.ndarray
    shuffle_buffer_size: int

    @property
    def num_train_rows(self) -> int:
        return self.data.counts["train"]

    def _with_states(self, split: str, state_path: Optional[str],
                     block_rows: int) -> tf.data.Dataset:
        """Streams `split` as `(features, labels)` blocks, with the states attached."""
        rows = self.data.dataset(split, block_rows)
        rows = rows.map(lambda features, labels, in_sample: (features, labels))
        if state_path is None:
            return rows
        # The row stream's blocks hold exactly `block_rows` rows but the last, so the
        # state blocks line up with them.
        states = state_dataset(state_path).batch(block_rows)

        def attach(row_block, state_block):
            features, labels = row_block
            return {**features, PREVIOUS_STATE_KEY: state_block}, labels

        return tf.data.Dataset.zip((rows, states)).map(attach)

    def neural_inputs(self, batch_size: int, seed: int, encoder: Optional[Encoder] = None):
        """Returns `(train_dataset, valid_dataset, valid_labels)` for `keras.Model.fit`.

        The training rows are shuffled in two levels: blocks of 256 consecutive rows
        in a buffer of `shuffle_buffer_size` rows, then rows in a buffer of at most
        4096 rows. The shuffle is local to the buffer, so files sorted by time should
        be shuffled on disk first.

        Args:
            batch_size: Training examples per batch.
            seed: Shuffle seed.
            encoder: Optional function from raw feature batches to model inputs,
                such as `FeatureEmbedding.encode`. It runs on each batch in parallel
                `tf.data` calls, ahead of the training step, and the batches hold its
                outputs instead of raw features.
        """
        train = self._with_states("train", self.train_state_path, _BLOCK_ROWS)
        train = train.shuffle(max(1, self.shuffle_buffer_size // _BLOCK_ROWS), seed=seed,
                              reshuffle_each_iteration=True)
        train = train.unbatch()
        train = train.shuffle(min(self.shuffle_buffer_size, _MAX_ROW_SHUFFLE), seed=seed + 1,
                              reshuffle_each_iteration=True)
        train = train.batch(batch_size)
        valid = self._with_states("valid", self.valid_state_path, _PREDICT_BATCH_SIZE)
        if encoder is not None:
            def encode(features, labels):
                return encode_batch(features, encoder), labels

            train = train.map(encode, num_parallel_calls=tf.data.AUTOTUNE)
            # Validation predictions must stay in the order of `valid_labels`.
            valid = valid.map(encode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        train = train.prefetch(2)
        return train, valid, self.valid_labels
