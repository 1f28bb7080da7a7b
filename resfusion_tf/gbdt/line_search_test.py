import numpy as np
import pytest

from resfusion_tf.gbdt.line_search import logit_step_size


def test_step_recovers_the_scale_of_a_true_direction():
    rng = np.random.default_rng(0)
    direction = rng.normal(size=20000)
    labels = (rng.random(20000) < 1 / (1 + np.exp(-0.5 * direction))).astype(float)
    step = logit_step_size(labels, np.zeros_like(direction), direction)
    assert step == pytest.approx(0.5, abs=0.05)


def test_useless_direction_gets_no_weight():
    labels = np.array([1.0, 0.0, 1.0, 0.0])
    direction = np.array([-1.0, 1.0, -1.0, 1.0])  # Points the wrong way on every row.
    assert logit_step_size(labels, np.zeros(4), direction) == 0.0
