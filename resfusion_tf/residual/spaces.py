"""Residual spaces: how each stage's output combines with the prediction before it.

The first stage of a pipeline is always a classifier that outputs a logit. Each later
stage fits the residual of the prediction so far, in one of two spaces:

* `logit` (the default): the state is a margin `m`, the sum of stage logits. A later
  stage adds its output `f(x)` and trains with log loss on `sigmoid(m + f(x))`. This
  is gradient boosting with log loss, so every stage optimizes the metric that CTR
  models are judged by, and the sum never leaves the valid range.
* `probability`: the literal form of the ResFusion poster. The state is a probability
  `p`. A later stage regresses `y - p` with squared error, and the new state is
  `clip(p + r(x), eps, 1 - eps)`. It is kept to reproduce the poster's setup, but its
  squared error treats an error of 0.01 at p = 0.02 like one at p = 0.5, which
  is a poor fit for rare clicks.

Every function here takes and returns tensors, so the same code runs in the training
pipeline and inside the exported SavedModel.
"""

import abc

import tensorflow as tf

RESIDUAL_SPACES = ("logit", "probability")

# Bounds of the LogitBoost working response `(y - p) / (p (1 - p))` fitted by a
# residual GBDT in logit space. Friedman, Hastie and Tibshirani (2000), "Additive
# logistic regression", recommend a bound between 2 and 4 for numerical stability.
MAX_WORKING_RESPONSE = 4.0
_MIN_HESSIAN = 1e-6


class ResidualSpace(abc.ABC):
    """Combines stage outputs into a prediction and defines residual targets."""

    name: str

    @abc.abstractmethod
    def initial_state(self, logit: tf.Tensor) -> tf.Tensor:
        """Returns the state after the first stage, whose output is a logit."""

    @abc.abstractmethod
    def combine(self, state: tf.Tensor, stage_output: tf.Tensor) -> tf.Tensor:
        """Returns the state after adding one residual stage's output."""

    @abc.abstractmethod
    def to_logit(self, state: tf.Tensor) -> tf.Tensor:
        """Returns the logit of the prediction in `state`."""

    @abc.abstractmethod
    def to_probability(self, state: tf.Tensor) -> tf.Tensor:
        """Returns the click probability of the prediction in `state`."""

    @abc.abstractmethod
    def regression_targets(self, labels: tf.Tensor, state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Returns `(targets, weights)` for a regression learner fitting the residual."""


class LogitSpace(ResidualSpace):
    """Stages add logits. A residual GBDT fits the LogitBoost working response.

    A neural stage trains on `sigmoid(state + f(x))` directly with log loss. TF-DF
    cannot start from a given margin, so a residual GBDT instead regresses the Newton
    step of the log loss, `z = (y - p) / (p (1 - p))` clipped to
    [-MAX_WORKING_RESPONSE, MAX_WORKING_RESPONSE], with example weights
    `p (1 - p)`.
    """

    name = "logit"

    def initial_state(self, logit):
        return tf.cast(logit, tf.float32)

    def combine(self, state, stage_output):
        return state + tf.cast(stage_output, tf.float32)

    def to_logit(self, state):
        return state

    def to_probability(self, state):
        return tf.sigmoid(state)

    def regression_targets(self, labels, state):
        probability = tf.sigmoid(state)
        hessian = tf.maximum(probability * (1.0 - probability), _MIN_HESSIAN)
        working_response = (tf.cast(labels, tf.float32) - probability) / hessian
        targets = tf.clip_by_value(working_response, -MAX_WORKING_RESPONSE, MAX_WORKING_RESPONSE)
        return targets, hessian


class ProbabilitySpace(ResidualSpace):
    """Stages add probability residuals, clipped to [epsilon, 1 - epsilon].

    Args:
        epsilon: Clip bound of the probability. Defaults to 1e-6.
    """

    name = "probability"

    def __init__(self, epsilon: float = 1e-6):
        if not 0.0 < epsilon < 0.5:
            raise ValueError(f"epsilon must be in (0, 0.5), got {epsilon}.")
        self.epsilon = epsilon

    def initial_state(self, logit):
        return self._clip(tf.sigmoid(tf.cast(logit, tf.float32)))

    def combine(self, state, stage_output):
        return self._clip(state + tf.cast(stage_output, tf.float32))

    def to_logit(self, state):
        return tf.math.log(state) - tf.math.log1p(-state)

    def to_probability(self, state):
        return state

    def regression_targets(self, labels, state):
        targets = tf.cast(labels, tf.float32) - state
        return targets, tf.ones_like(targets)

    def _clip(self, probability):
        return tf.clip_by_value(probability, self.epsilon, 1.0 - self.epsilon)


def get_residual_space(name: str) -> ResidualSpace:
    """Returns the residual space called `name` ("logit" or "probability").

    Raises:
        ValueError: for any other name.
    """
    if name == "logit":
        return LogitSpace()
    if name == "probability":
        return ProbabilitySpace()
    raise ValueError(f"Unknown residual space {name!r}; choose one of {RESIDUAL_SPACES}.")
