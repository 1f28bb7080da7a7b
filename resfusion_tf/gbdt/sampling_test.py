import numpy as np

from resfusion_tf.config import GBDTConfig, TrainConfig
from resfusion_tf.data import synthetic
from resfusion_tf.data.statistics import compute_statistics
from resfusion_tf.fusion.stage import StageContext
from resfusion_tf.gbdt.sampling import sample_training_rows
from resfusion_tf.residual.spaces import get_residual_space


def _context(max_rows, rows=500):
    table = synthetic.generate(rows, seed=0)
    config = TrainConfig(gbdt=GBDTConfig(max_rows=max_rows))
    return StageContext(index=1, train=table, valid=table.take(np.arange(10)),
                        train_state=np.arange(rows, dtype=np.float32), valid_state=None,
                        space=get_residual_space("logit"),
                        statistics=compute_statistics(table, 1), config=config, log_dir="")


def test_sample_keeps_rows_with_their_states():
    context = _context(max_rows=100)

    sampled = sample_training_rows(context)

    assert len(sampled.train) == 100
    positions = sampled.train_state.astype(np.int64)
    assert list(positions) == sorted(set(positions))
    np.testing.assert_array_equal(sampled.train.labels, context.train.labels[positions])
    assert len(sampled.valid) == 10


def test_no_limit_is_unchanged():
    context = _context(max_rows=None)

    assert sample_training_rows(context) is context


def test_table_below_limit_is_unchanged():
    context = _context(max_rows=1000)

    assert sample_training_rows(context) is context
