import numpy as np
import pytest

from resfusion_tf.data.splits import split_indices


def test_split_is_deterministic_and_disjoint():
    kept, holdout = split_indices(100, 0.2, seed=3)
    kept_again, holdout_again = split_indices(100, 0.2, seed=3)

    np.testing.assert_array_equal(holdout, holdout_again)
    np.testing.assert_array_equal(kept, kept_again)
    assert len(holdout) == 20
    assert not set(kept) & set(holdout)
    assert sorted(set(kept) | set(holdout)) == list(range(100))


def test_other_seed_holds_out_other_rows():
    _, first = split_indices(100, 0.2, seed=0)
    _, second = split_indices(100, 0.2, seed=1)
    assert set(first) != set(second)


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_invalid_fraction(fraction):
    with pytest.raises(ValueError, match=str(fraction)):
        split_indices(10, fraction, seed=0)
