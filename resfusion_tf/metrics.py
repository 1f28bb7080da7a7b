"""Exact evaluation metrics for binary click prediction.

Keras' streaming AUC buckets predictions into thresholds. These functions are exact
(ties get the average rank), so figures in metrics.json and result tables do not
depend on a threshold count.
"""

import numpy as np

_EPSILON = 1e-7


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Returns 1-based ranks of `values`, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    is_new_value = np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]])
    group = np.cumsum(is_new_value) - 1
    group_start = np.flatnonzero(is_new_value)
    group_end = np.concatenate([group_start[1:], [len(values)]])
    average_rank = (group_start + group_end + 1) / 2.0
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = average_rank[group]
    return ranks


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Returns the ROC AUC of `scores` for 0/1 `labels`, or NaN if one class is absent."""
    labels = np.asarray(labels, dtype=np.float64).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    num_positive = labels.sum()
    num_negative = len(labels) - num_positive
    if num_positive == 0 or num_negative == 0:
        return float("nan")
    positive_rank_sum = _average_ranks(scores)[labels == 1].sum()
    return float((positive_rank_sum - num_positive * (num_positive + 1) / 2)
                 / (num_positive * num_negative))


def logloss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Returns the mean binary cross-entropy, with probabilities clipped to [1e-7, 1 - 1e-7]."""
    labels = np.asarray(labels, dtype=np.float64).ravel()
    probabilities = np.clip(np.asarray(probabilities, dtype=np.float64).ravel(),
                            _EPSILON, 1 - _EPSILON)
    return float(-np.mean(labels * np.log(probabilities)
                          + (1 - labels) * np.log(1 - probabilities)))


def evaluate(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Returns `{"auc": ..., "logloss": ...}`."""
    return {"auc": auc(labels, probabilities), "logloss": logloss(labels, probabilities)}
