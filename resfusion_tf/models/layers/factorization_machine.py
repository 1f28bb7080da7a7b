"""Second-order factorization machine interaction over field embeddings."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="resfusion_tf")
class FactorizationMachine(keras.layers.Layer):
    """Computes the FM pairwise term `sum_{i<j} <e_i, e_j>` for each example.

    It uses the identity `sum_{i<j} <e_i, e_j> = 0.5 * sum_k ((sum_i e_ik)^2 -
    sum_i e_ik^2)`, which costs O(F * d) instead of O(F^2 * d). The sum of squares
    runs in float32 even under a mixed-precision policy, because it subtracts two
    large similar numbers and loses most digits in float16 or bfloat16.

    Input shape: `[batch, num_fields, embedding_dim]`.
    Output shape: `[batch]`, float32.

    Example:

    >>> embeddings = tf.constant([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    >>> FactorizationMachine()(embeddings).numpy()  # 11 + 17 + 39
    array([67.], dtype=float32)
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, embeddings):
        embeddings = tf.cast(embeddings, tf.float32)
        square_of_sum = tf.square(tf.reduce_sum(embeddings, axis=1))
        sum_of_squares = tf.reduce_sum(tf.square(embeddings), axis=1)
        return 0.5 * tf.reduce_sum(square_of_sum - sum_of_squares, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)
