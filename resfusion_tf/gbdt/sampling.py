"""Uniform row sampling of GBDT training data (`--gbdt_max_rows`)."""

import dataclasses

import numpy as np
from absl import logging

from resfusion_tf.fusion.stage import StageContext


def sample_training_rows(context: StageContext) -> StageContext:
    """Returns `context` with at most `config.gbdt.max_rows` training rows.

    The rows are a uniform sample without replacement, seeded by the run seed and
    kept in their original order, with their residual states. Validation rows are
    not sampled. Without a limit, or with fewer rows than it, `context` is returned
    unchanged.
    """
    max_rows = context.config.gbdt.max_rows
    if max_rows is None or len(context.train) <= max_rows:
        return context
    if max_rows < 1:
        raise ValueError(f"gbdt max_rows must be at least 1, got {max_rows}.")
    rng = np.random.default_rng(context.config.seed + 7919 * context.index)
    kept = np.sort(rng.choice(len(context.train), size=max_rows, replace=False))
    logging.info("Stage %d (gbdt): training on a uniform sample of %d of %d rows "
                 "(--gbdt_max_rows).", context.index, max_rows, len(context.train))
    state = None if context.train_state is None else np.asarray(context.train_state)[kept]
    return dataclasses.replace(context, train=context.train.take(kept), train_state=state)
