"""Atomic, versioned export of a composite SavedModel for TF Serving.

An export is written into a hidden temporary directory beside the versions,
`<base_dir>/.tmp-<version>-<host>-<pid>-<random>`, and renamed to
`<base_dir>/<version>` once complete. TF Serving only loads directories whose name is
an integer, so it never loads a partial version. A process killed mid-export leaves its
temporary directory behind. The next export on the same host removes such leftovers
when their process is no longer running, and leaves those of running processes and of
other hosts alone.
"""

import errno
import os
import shutil
import socket
import tempfile
import time
from typing import Optional

import numpy as np
import tensorflow as tf
from absl import logging

from resfusion_tf.export import model_card as model_card_lib
from resfusion_tf.export import signatures as signatures_lib
from resfusion_tf.export import warmup
from resfusion_tf.export.composite import CompositeModel

TEMP_PREFIX = ".tmp-"
# Seconds to sleep after the SavedModel is complete in the temporary directory and
# before the rename. Tests set it to kill an export at a known point.
PAUSE_BEFORE_RENAME_ENV = "RESFUSION_EXPORT_PAUSE_BEFORE_RENAME_S"


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


def resolve_version(base_dir: str, version: Optional[int] = None) -> int:
    """Returns `version`, or the next free version when it is None.

    Raises:
        ExportError: if `version` is below 1 or already exists under `base_dir`.
    """
    if version is None:
        return next_version(base_dir)
    version = int(version)
    if version < 1:
        raise ExportError(f"Export version must be a positive integer, got {version}.")
    final_dir = os.path.join(base_dir, str(version))
    if os.path.exists(final_dir):
        free = next_version(base_dir)
        raise ExportError(
            f"Version {version} already exists at {final_dir}, and exports never overwrite "
            f"a version. Pass a new version such as --export_version={free}, or omit "
            "--export_version to take the next free one.")
    return version


def _temp_prefix(version: int) -> str:
    return f"{TEMP_PREFIX}{version}-{socket.gethostname()}-{os.getpid()}-"


def _parse_temp_name(name: str) -> Optional[tuple[str, int]]:
    """Returns `(host, pid)` of a temporary export directory name, or None."""
    if not name.startswith(TEMP_PREFIX):
        return None
    version_and_rest = name[len(TEMP_PREFIX):].split("-", 1)
    if len(version_and_rest) != 2:
        return None
    parts = version_and_rest[1].rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def _process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_dirs(base_dir: str) -> list[str]:
    """Removes temporary export directories left by dead processes on this host.

    Returns:
        The removed paths. Directories of running processes, of other hosts, and
        with names in another format are kept.
    """
    if not os.path.isdir(base_dir):
        return []
    host = socket.gethostname()
    removed = []
    for name in sorted(os.listdir(base_dir)):
        parsed = _parse_temp_name(name)
        if parsed is None:
            continue
        temp_host, pid = parsed
        path = os.path.join(base_dir, name)
        if temp_host != host or _process_is_running(pid):
            logging.info("Keeping temporary export directory %s: it belongs to host %s, "
                         "process %d, which may still be writing it.", path, temp_host, pid)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        logging.warning("Removed %s, left by an interrupted export of process %d.", path, pid)
    return removed


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_BEFORE_RENAME_ENV)
    if seconds:
        logging.warning("Pausing %s s before the rename (%s is set).", seconds,
                        PAUSE_BEFORE_RENAME_ENV)
        time.sleep(float(seconds))


def _rename_into_place(temp_dir: str, final_dir: str, version: int) -> None:
    # os.rename replaces an empty directory, so check first; the check and the rename
    # are not atomic together, but a non-empty version is never replaced.
    if os.path.exists(final_dir):
        raise ExportError(f"Version {version} appeared at {final_dir} during this export; "
                          "another process exported it. Export again without a version.")
    try:
        os.rename(temp_dir, final_dir)
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise ExportError(f"Version {version} appeared at {final_dir} during this export; "
                              "another process exported it. Export again without a "
                              "version.") from None
        raise


def export_composite(model: CompositeModel, base_dir: str, version: Optional[int] = None,
                     model_card: Optional[dict] = None,
                     warmup_features: Optional[dict[str, np.ndarray]] = None) -> str:
    """Saves `model` to `<base_dir>/<version>/` with every serving signature.

    The version directory contains the signatures of `resfusion_tf.export.signatures`,
    and, when given, `assets.extra/model_card.json` and
    `assets.extra/tf_serving_warmup_requests`.

    Args:
        model: The composite module to save.
        base_dir: Base directory that TF Serving watches.
        version: Integer version, or None for the next free one.
        model_card: The run's model card; the export adds its `export` section.
        warmup_features: Rows for the warm-up requests, one array per feature, such as
            `warmup.warmup_features(...)`. None writes no warm-up file.

    Returns:
        The path of the new version directory.

    Raises:
        ExportError: if the version already exists or is not a positive integer.
    """
    version = resolve_version(base_dir, version)
    final_dir = os.path.join(base_dir, str(version))
    os.makedirs(base_dir, exist_ok=True)
    remove_stale_temp_dirs(base_dir)

    temp_dir = tempfile.mkdtemp(prefix=_temp_prefix(version), dir=base_dir)
    logging.info("Writing SavedModel version %d into %s.", version, temp_dir)
    try:
        tf.saved_model.save(model, temp_dir, signatures=signatures_lib.build_signatures(model))
        signatures_lib.set_classify_method_name(temp_dir)
        if warmup_features is not None:
            warmup.write_warmup_requests(temp_dir, model.schema, warmup_features)
        if model_card is not None:
            card = model_card_lib.with_export(model_card, version, signatures_lib.SIGNATURE_NAMES)
            model_card_lib.write_model_card(
                os.path.join(temp_dir, warmup.ASSETS_EXTRA, model_card_lib.MODEL_CARD_FILE),
                card)
        _pause_for_tests()
        _rename_into_place(temp_dir, final_dir, version)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    logging.info("Exported composite SavedModel version %d to %s with signatures %s.", version,
                 final_dir, ", ".join(signatures_lib.SIGNATURE_NAMES))
    return final_dir
