"""Pre-flight memory check of GBDT stages, run before any stage trains.

TF-DF trains on an in-memory copy of its training rows. The estimate below counts,
per value (one row times one feature):

- 4 bytes in YDF's in-memory dataset (a float32 or an int32 dictionary index);
- for numeric features, 4 more bytes for the sorted example index that the exact
  numeric splitter builds, and 4 for the float32 copy that TF-DF accumulates from
  the `tf.data` input before handing it to YDF;
- for categorical features, 32 bytes for the string that TF-DF accumulates before it
  builds the dictionary (a `tf.tstring` is 24 bytes plus short-string overflow).

It is an estimate from these layouts, not a measurement, and leaves out the trees
themselves, which are small next to the data at these row counts.
"""

import math
import os
from typing import Optional

from absl import logging

from resfusion_tf.data.schema import FeatureSchema

# NOTE: binned numeric features (GBDTConfig.discretize_numerical_features, the
# default) need no sorted example index, so this likely overestimates them by 4 bytes.
NUMERIC_BYTES_PER_VALUE = 4 + 4 + 4
CATEGORICAL_BYTES_PER_VALUE = 4 + 32
# Per row: the float32 label or target, the weight, and the residual state.
ROW_BYTES = 12


class GBDTMemoryError(ValueError):
    """Raised when a GBDT stage would need more memory than the limit allows."""


def estimate_gbdt_bytes(rows: int, schema: FeatureSchema) -> int:
    """Returns the estimated peak memory of training one GBDT stage, in bytes."""
    per_row = (len(schema.numeric) * NUMERIC_BYTES_PER_VALUE
               + len(schema.categorical) * CATEGORICAL_BYTES_PER_VALUE + ROW_BYTES)
    return rows * per_row


def _read_int(path: str) -> Optional[int]:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory_bytes() -> int:
    """Returns the memory this process may still use, in bytes.

    The smaller of the kernel's MemAvailable and the room left under a cgroup v2
    memory limit, when the process runs in a container that sets one.
    """
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if available is None:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limit = _read_int("/sys/fs/cgroup/memory.max")
    usage = _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and usage is not None:
        available = min(available, max(limit - usage, 0))
    return available


def _gib(num_bytes: float) -> str:
    return f"{num_bytes / 2**30:.2f} GiB"


def check_gbdt_memory(rows: int, schema: FeatureSchema, limit_mb: int = 0,
                      max_rows_flag: Optional[int] = None) -> int:
    """Raises GBDTMemoryError when a GBDT stage on `rows` rows would not fit in memory.

    Args:
        rows: Training rows the GBDT stage will hold, after any `--gbdt_max_rows`.
        schema: The features, for the number of values per row.
        limit_mb: Memory the stage may use, in MiB; 0 uses `available_memory_bytes()`.
        max_rows_flag: The current `--gbdt_max_rows`, for the message.

    Returns:
        The estimate in bytes.

    Raises:
        GBDTMemoryError: naming the estimate, the limit, the row and feature counts
            and the options.
    """
    estimate = estimate_gbdt_bytes(rows, schema)
    limit = limit_mb * 2**20 if limit_mb > 0 else available_memory_bytes()
    source = f"--gbdt_memory_limit_mb={limit_mb}" if limit_mb > 0 else "available memory"
    logging.info("GBDT pre-flight: %d rows x %d features need about %s; the limit is %s (%s).",
                 rows, len(schema.features), _gib(estimate), _gib(limit), source)
    if estimate <= limit:
        return estimate
    per_row = estimate_gbdt_bytes(1, schema)
    fitting_rows = max(int(limit // per_row), 0)
    suggestion = 10 ** int(math.log10(fitting_rows)) if fitting_rows >= 10 else fitting_rows
    raise GBDTMemoryError(
        f"A GBDT stage on {rows} rows x {len(schema.features)} features "
        f"({len(schema.numeric)} numeric, {len(schema.categorical)} categorical) needs about "
        f"{_gib(estimate)} ({per_row} bytes per row), more than the {_gib(limit)} limit "
        f"({source}); about {fitting_rows} rows fit. No stage was trained. Options: "
        f"train the trees on a uniform sample with --gbdt_max_rows={suggestion} "
        f"(now {max_rows_flag or 'unset'}; neural stages still read every row), run on a "
        "machine with more memory or raise --gbdt_memory_limit_mb, or leave out the GBDT "
        "stages with --stages=deepfm.")
