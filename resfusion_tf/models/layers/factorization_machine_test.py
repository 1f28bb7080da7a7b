import itertools

import numpy as np
import tensorflow as tf

from resfusion_tf.models.layers.factorization_machine import FactorizationMachine


def test_matches_hand_computed_pairwise_sum():
    # <e0,e1> = 3 + 8 = 11, <e0,e2> = 5 + 12 = 17, <e1,e2> = 15 + 24 = 39.
    embeddings = tf.constant([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    np.testing.assert_array_equal(FactorizationMachine()(embeddings).numpy(), [67.0])


def test_matches_brute_force_on_random_embeddings():
    embeddings = np.random.default_rng(0).normal(size=(4, 5, 3)).astype(np.float32)
    expected = [
        sum(np.dot(row[i], row[j]) for i, j in itertools.combinations(range(5), 2))
        for row in embeddings
    ]
    np.testing.assert_allclose(FactorizationMachine()(embeddings).numpy(), expected, rtol=1e-5)


def test_output_is_float32_for_bfloat16_input():
    embeddings = tf.cast(tf.ones((2, 3, 4)), tf.bfloat16)
    output = FactorizationMachine()(embeddings)
    assert output.dtype == tf.float32
    np.testing.assert_array_equal(output.numpy(), [12.0, 12.0])
