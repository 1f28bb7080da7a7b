"""`tf.data` pipeline that attaches the previous prediction to each example.

The previous prediction (a margin in logit space, a probability in probability space)
is computed once per split by the earlier stages and passed in as an array, so it is
reused by every epoch instead of being recomputed.
"""

from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from resfusion_tf.data.examples import ExampleTable

# Name of the extra input that carries the previous prediction into a training model.
PREVIOUS_STATE_KEY = "previous_state"

# Rows per call of an encoder when `make_residual_dataset` encodes a whole table.
_ENCODE_BATCH_SIZE = 65536

Encoder = Callable[[dict], dict]


def encode_columns(features: dict, encoder: Encoder) -> dict:
    """Encodes whole in-memory feature columns once, batch by batch.

    Args:
        features: dict mapping each raw feature to a column array.
        encoder: Function from a dict of raw feature batches to a dict of encoded
            tensors whose first dimension is the batch, such as
            `FeatureEmbedding.encode`.

    Returns:
        A dict of the encoded tensors over all rows.
    """
    batches = tf.data.Dataset.from_tensor_slices(features).batch(_ENCODE_BATCH_SIZE)
    batches = batches.map(encoder, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    parts = list(batches)
    if not parts:
        return encoder({name: tf.convert_to_tensor(values) for name, values in features.items()})
    return {key: tf.concat([part[key] for part in parts], axis=0) for key in parts[0]}


def encode_batch(features: dict, encoder: Encoder) -> dict:
    """Encodes a batch of raw features and keeps its previous state, if any, as it is.

    Args:
        features: dict of raw feature batches, with `PREVIOUS_STATE_KEY` in a
            residual stage.
        encoder: Function from raw feature batches to model inputs, such as
            `FeatureEmbedding.encode`.

    Returns:
        The encoder's outputs, plus `PREVIOUS_STATE_KEY` when `features` has it.
    """
    raw = {name: values for name, values in features.items() if name != PREVIOUS_STATE_KEY}
    encoded = dict(encoder(raw))
    if PREVIOUS_STATE_KEY in features:
        encoded[PREVIOUS_STATE_KEY] = features[PREVIOUS_STATE_KEY]
    return encoded


def make_residual_dataset(
    table: ExampleTable,
    previous_state: Optional[np.ndarray],
    batch_size: int,
    shuffle: bool,
    seed: int,
    encoder: Optional[Encoder] = None,
) -> tf.data.Dataset:
    """Returns batches of `(features, label)`, features holding the previous state.

    Args:
        table: Rows to serve.
        previous_state: The prediction so far for each row of `table`, or None for a
            first stage.
        batch_size: Examples per batch.
        shuffle: Whether to reshuffle the rows every epoch.
        seed: Shuffle seed.
        encoder: Optional function from raw feature batches to model inputs, such
            as `FeatureEmbedding.encode`. It runs once over the whole table before
            the first batch, so every epoch gathers encoded rows instead of encoding
            strings again, and the batches hold its outputs instead of raw features.

    Raises:
        ValueError: if `previous_state` does not have one value per row.
    """
    features = dict(table.features)
    if encoder is not None:
        features = encode_columns(features, encoder)
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
