import math

import numpy as np
import pytest

from resfusion_tf import metrics


def test_auc_counts_ties_as_half():
    # Pairs (pos, neg): (0.8, 0.1) win, (0.8, 0.8) tie, (0.4, 0.1) win, (0.4, 0.8) loss.
    assert metrics.auc([1, 1, 0, 0], [0.8, 0.4, 0.1, 0.8]) == pytest.approx(2.5 / 4)


def test_auc_perfect_and_single_class():
    assert metrics.auc([0, 0, 1], [0.1, 0.2, 0.9]) == 1.0
    assert math.isnan(metrics.auc([1, 1], [0.1, 0.2]))


def test_logloss_exact():
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert metrics.logloss([1, 0], [0.8, 0.4]) == pytest.approx(expected)


def test_logloss_clips_certain_mistakes():
    assert np.isfinite(metrics.logloss([1], [0.0]))
