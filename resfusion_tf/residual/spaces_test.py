import math

import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.residual import spaces


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_logit_space_adds_logits():
    space = spaces.LogitSpace()
    state = space.combine(space.initial_state(tf.constant([0.5, -1.0])), tf.constant([0.25, 1.0]))
    np.testing.assert_allclose(state.numpy(), [0.75, 0.0])
    np.testing.assert_allclose(space.to_probability(state).numpy(), [_sigmoid(0.75), 0.5], rtol=1e-6)
    np.testing.assert_allclose(space.to_logit(state).numpy(), [0.75, 0.0])


def test_logit_space_working_response():
    space = spaces.LogitSpace()
    # State 0: p = 0.5, hessian 0.25, z = (1 - 0.5) / 0.25 = 2 and (0 - 0.5) / 0.25 = -2.
    targets, weights = space.regression_targets(tf.constant([1.0, 0.0]), tf.constant([0.0, 0.0]))
    np.testing.assert_allclose(targets.numpy(), [2.0, -2.0])
    np.testing.assert_allclose(weights.numpy(), [0.25, 0.25])


def test_logit_space_working_response_is_clipped():
    space = spaces.LogitSpace()
    # p = sigmoid(-5) = 0.0067: z = (1 - p) / (p (1 - p)) = 1 / p = 149, clipped to 4.
    targets, _ = space.regression_targets(tf.constant([1.0]), tf.constant([-5.0]))
    np.testing.assert_allclose(targets.numpy(), [spaces.MAX_WORKING_RESPONSE])


def test_probability_space_adds_clipped_residuals():
    space = spaces.ProbabilitySpace(epsilon=0.01)
    state = space.initial_state(tf.constant([0.0, 0.0, 0.0]))
    np.testing.assert_allclose(state.numpy(), [0.5, 0.5, 0.5])

    state = space.combine(state, tf.constant([0.2, 0.7, -0.7]))
    np.testing.assert_allclose(state.numpy(), [0.7, 0.99, 0.01], rtol=1e-6)
    np.testing.assert_allclose(space.to_logit(state).numpy()[0], math.log(0.7 / 0.3), rtol=1e-5)


def test_probability_space_targets_are_plain_residuals():
    space = spaces.ProbabilitySpace()
    targets, weights = space.regression_targets(tf.constant([1.0, 0.0]), tf.constant([0.7, 0.2]))
    np.testing.assert_allclose(targets.numpy(), [0.3, -0.2], rtol=1e-6)
    np.testing.assert_array_equal(weights.numpy(), [1.0, 1.0])


def test_unknown_space():
    with pytest.raises(ValueError, match="'margin'"):
        spaces.get_residual_space("margin")


def test_invalid_epsilon():
    with pytest.raises(ValueError, match="got 0.5"):
        spaces.ProbabilitySpace(epsilon=0.5)
