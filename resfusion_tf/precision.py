"""Selection of the Keras mixed-precision policy."""

import keras
import tensorflow as tf
from absl import logging

# GPUs of compute capability 8.0 (Ampere) and newer run bfloat16 matrix math natively.
_BFLOAT16_MIN_COMPUTE_CAPABILITY = (8, 0)


def resolve_policy(mode: str) -> str:
    """Returns the Keras dtype policy name for a `--mixed_precision` mode.

    Args:
        mode: "off", "mixed_float16", "mixed_bfloat16", or "auto". "auto" is
            "float32" without a GPU, "mixed_bfloat16" on GPUs of compute capability 8.0
            or newer, and "mixed_float16" on older GPUs.

    Raises:
        ValueError: on any other mode.
    """
    if mode == "off":
        return "float32"
    if mode in ("mixed_float16", "mixed_bfloat16"):
        return mode
    if mode != "auto":
        raise ValueError(
            f"mixed_precision must be auto, off, mixed_float16 or mixed_bfloat16, got {mode!r}.")

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "float32"
    details = tf.config.experimental.get_device_details(gpus[0])
    capability = details.get("compute_capability", (0, 0))
    return "mixed_bfloat16" if capability >= _BFLOAT16_MIN_COMPUTE_CAPABILITY else "mixed_float16"


def apply_policy(mode: str) -> str:
    """Sets the global Keras dtype policy for `mode` and returns its name."""
    policy = resolve_policy(mode)
    keras.mixed_precision.set_dtype_policy(policy)
    logging.info("Keras dtype policy: %s (--mixed_precision=%s).", policy, mode)
    return policy
