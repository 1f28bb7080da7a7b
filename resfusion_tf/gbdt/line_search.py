"""Step size of a residual GBDT in logit space."""

import numpy as np

_MAX_NEWTON_STEPS = 20


def logit_step_size(labels: np.ndarray, margin: np.ndarray, direction: np.ndarray) -> float:
    """Returns the step `a >= 0` that minimizes log loss of `sigmoid(margin + a * direction)`.

    The log loss is convex in `a`, so a few Newton steps from a = 1 find the minimum.

    Args:
        labels: 0/1 labels.
        margin: The logit of the prediction so far.
        direction: The new stage's raw output.
    """
    labels = np.asarray(labels, np.float64)
    margin = np.asarray(margin, np.float64)
    direction = np.asarray(direction, np.float64)
    step = 1.0
    for _ in range(_MAX_NEWTON_STEPS):
        probability = 1.0 / (1.0 + np.exp(-(margin + step * direction)))
        gradient = np.sum((probability - labels) * direction)
        hessian = np.sum(probability * (1.0 - probability) * direction**2)
        if hessian <= 1e-12:
            break
        update = gradient / hessian
        step = max(step - update, 0.0)
        if abs(update) < 1e-6:
            break
    return float(step)
