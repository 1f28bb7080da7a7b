"""Deterministic per-row hash used to pick holdouts and samples while streaming.

A streamed row is identified by its file's position in the sorted input list and its
1-based line number. `row_hash` maps that pair and a salt to an integer in
[0, MODULUS) with the SplitMix64 finalizer (Steele, Lea and Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), and the Python and TensorFlow versions
return the same value. A row is in a holdout of fraction f when its hash is below
`threshold(f)`, so the choice depends only on the row's position, the salt and f,
never on the model settings or the other rows. Different salts give independent
choices.
"""

import tensorflow as tf

HASH_BITS = 31
MODULUS = 1 << HASH_BITS
_MASK64 = (1 << 64) - 1
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB

# Salts of the independent choices made per row.
EVAL_SALT = 1
VALIDATION_SALT = 2
TEST_SALT = 3
SAMPLE_SALT = 4


def threshold(fraction: float) -> int:
    """Returns the hash bound below which a row is in a holdout of `fraction`."""
    return int(round(fraction * MODULUS))


def row_hash(file_index: int, line: int, salt: int) -> int:
    """Returns the hash in [0, MODULUS) of line `line` of file `file_index`."""
    z = ((int(file_index) << 32) + int(line) + int(salt) * _GOLDEN_GAMMA) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    z ^= z >> 31
    return z >> (64 - HASH_BITS)


def _shift(value: tf.Tensor, bits: int) -> tf.Tensor:
    return tf.bitwise.right_shift(value, tf.constant(bits, tf.uint64))


def row_hash_tf(file_index: tf.Tensor, line: tf.Tensor, salt: int) -> tf.Tensor:
    """TensorFlow version of `row_hash`: int64 tensors in, the same int64 values out.

    uint64 multiplication and addition wrap modulo 2^64, as the Python version's
    masks do.
    """
    z = (tf.bitwise.left_shift(tf.cast(file_index, tf.uint64), tf.constant(32, tf.uint64))
         + tf.cast(line, tf.uint64)
         + tf.constant((salt * _GOLDEN_GAMMA) & _MASK64, tf.uint64))
    z = tf.bitwise.bitwise_xor(z, _shift(z, 30)) * tf.constant(_MIX1, tf.uint64)
    z = tf.bitwise.bitwise_xor(z, _shift(z, 27)) * tf.constant(_MIX2, tf.uint64)
    z = tf.bitwise.bitwise_xor(z, _shift(z, 31))
    return tf.cast(_shift(z, 64 - HASH_BITS), tf.int64)
