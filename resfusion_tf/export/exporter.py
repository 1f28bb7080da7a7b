"""Atomic, versioned export of a composite SavedModel for TF Serving."""

import os
import shutil
import tempfile
from typing import Optional

import tensorflow as tf
from absl import logging

from resfusion_tf.export.composite import CompositeModel


class ExportError(RuntimeError):
    """Raised when an export would overwrite a version or cannot be written."""


def existing_versions(base_dir: str) -> list[int]:
    """Returns the integer version directories under `base_dir`, ascending."""
    if not os.path.isdir(base_dir):
        return []
    return sorted(int(name) for name in os.listdir(base_dir)
                  if name.isdigit() and os.path.isdir(os.path.join(base_dir, name)))


def next_version(base_dir: str) -> int:
    """Returns one more than the highest existing version, or 1."""
    versions = existing_versions(base_dir)
    return versions[-1] + 1 if versions else 1


def export_composite(model: CompositeModel, base_dir: str, version: Optional[int] = None) -> str:
    """Saves `model` to `<base_dir>/<version>/` with a `serving_default` signature.

    The SavedModel is written to a temporary sibling directory and renamed into place,
    so TF Serving, which polls `base_dir`, never sees a partial version, and a crash
    leaves no version directory behind.

    Args:
        model: The composite module to save.
        base_dir: Base directory that TF Serving watches.
        version: Integer version, or None for the next free one.

    Returns:
        The path of the new version directory.

    Raises:
        ExportError: if the version already exists.
    """
    version = next_version(base_dir) if version is None else int(version)
    if version < 1:
        raise ExportError(f"Export version must be a positive integer, got {version}.")
    final_dir = os.path.join(base_dir, str(version))
    if os.path.exists(final_dir):
        raise ExportError(
            f"Version {version} already exists at {final_dir}. Pass a new version (the "
            f"next free one is {next_version(base_dir)}) or omit it to pick that one.")

    os.makedirs(base_dir, exist_ok=True)
    temp_dir = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=base_dir)
    try:
        signatures = {"serving_default": model.serve.get_concrete_function()}
        tf.saved_model.save(model, temp_dir, signatures=signatures)
        os.rename(temp_dir, final_dir)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    logging.info("Exported composite SavedModel version %d to %s.", version, final_dir)
    return final_dir
