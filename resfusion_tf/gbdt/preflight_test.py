import pytest

from resfusion_tf.data.schema import CRITEO
from resfusion_tf.gbdt import preflight


def test_estimate_counts_every_value():
    per_row = 13 * preflight.NUMERIC_BYTES_PER_VALUE + 26 * preflight.CATEGORICAL_BYTES_PER_VALUE

    assert preflight.estimate_gbdt_bytes(1000, CRITEO) == 1000 * (per_row + preflight.ROW_BYTES)


def test_full_criteo_needs_tens_of_gib():
    estimate = preflight.estimate_gbdt_bytes(45_840_617, CRITEO)

    assert 40 * 2**30 < estimate < 60 * 2**30


def test_within_limit_passes():
    assert preflight.check_gbdt_memory(1000, CRITEO, limit_mb=100) > 0


def test_over_limit_names_numbers_and_options():
    with pytest.raises(preflight.GBDTMemoryError) as caught:
        preflight.check_gbdt_memory(45_840_617, CRITEO, limit_mb=1024)

    message = str(caught.value)
    assert "45840617 rows x 39 features" in message
    assert "1.00 GiB limit" in message
    assert "--gbdt_max_rows=" in message
    assert "--stages=deepfm" in message
    assert "No stage was trained" in message


def test_available_memory_is_positive():
    assert preflight.available_memory_bytes() > 0
