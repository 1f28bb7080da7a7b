"""Deterministic row splits for evaluation and validation holdouts."""

import numpy as np


def split_indices(num_rows: int, holdout_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Splits row indices into a kept part and a holdout part.

    The split depends only on `num_rows`, `holdout_fraction` and `seed`, so two runs
    over the same file with the same seed hold out the same rows, whatever their model
    settings. Both parts keep file order.

    Args:
        num_rows: Number of rows to split.
        holdout_fraction: Fraction of rows held out, in [0, 1).
        seed: Seed of the random permutation.

    Returns:
        `(kept, holdout)` sorted index arrays.

    Raises:
        ValueError: if `holdout_fraction` is outside [0, 1).
    """
    if not 0.0 <= holdout_fraction < 1.0:
        raise ValueError(f"holdout_fraction must be in [0, 1), got {holdout_fraction}.")
    permutation = np.random.default_rng(seed).permutation(num_rows)
    num_holdout = int(round(num_rows * holdout_fraction))
    holdout = np.sort(permutation[:num_holdout])
    kept = np.sort(permutation[num_holdout:])
    return kept, holdout
