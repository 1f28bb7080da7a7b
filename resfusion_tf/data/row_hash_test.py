import numpy as np
import tensorflow as tf

from resfusion_tf.data import row_hash


def test_python_and_tensorflow_agree():
    files = np.array([0, 0, 3, 1200, 7], np.int64)
    lines = np.array([1, 2, 45_840_617, 1, 2**32 - 1], np.int64)

    expected = [row_hash.row_hash(f, n, row_hash.EVAL_SALT) for f, n in zip(files, lines)]
    got = row_hash.row_hash_tf(tf.constant(files), tf.constant(lines), row_hash.EVAL_SALT)

    np.testing.assert_array_equal(got.numpy(), expected)


def test_holdout_size_and_independence():
    lines = range(1, 100_001)
    in_eval = np.array([row_hash.row_hash(0, n, row_hash.EVAL_SALT) < row_hash.threshold(0.2)
                        for n in lines])
    in_valid = np.array([row_hash.row_hash(0, n, row_hash.VALIDATION_SALT)
                         < row_hash.threshold(0.1) for n in lines])

    assert abs(in_eval.mean() - 0.2) < 0.005
    assert abs(in_valid.mean() - 0.1) < 0.005
    assert abs((in_eval & in_valid).mean() - 0.02) < 0.002


def test_hash_range():
    values = [row_hash.row_hash(f, n, s) for f in range(3) for n in range(1, 200) for s in range(4)]

    assert min(values) >= 0
    assert max(values) < row_hash.MODULUS
