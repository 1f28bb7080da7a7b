"""Helpers shared by the benchmark scripts: data, timing and the results header.

Every script measures the things it compares in one process run, interleaving the
repeats, so that load from other processes on the machine hits both sides alike. It
prints ratios and writes the same text to `benchmarks/results/<name>.txt`.
"""

import datetime
import importlib.metadata
import os
import platform
import shlex
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_DIR = os.path.join(REPO_ROOT, "benchmarks", "results")
DEFAULT_CRITEO_SAMPLE = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "criteo",
                                     "criteo_sample.tsv")

_VERSIONED_PACKAGES = ("tensorflow", "keras", "tensorflow-decision-forests", "tf_keras", "ydf",
                       "deepctr", "lightgbm", "numpy")

if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def package_version(name: str) -> str:
    """Returns the installed version of distribution `name`, or "not installed"."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def header_lines() -> list[str]:
    """Returns the command, date, machine and package versions of this run."""
    command = " ".join(shlex.quote(part) for part in [os.path.relpath(sys.argv[0], REPO_ROOT),
                                                       *sys.argv[1:]])
    versions = ", ".join(f"{name} {package_version(name)}" for name in _VERSIONED_PACKAGES)
    return [
        f"command: python {command}",
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores visible, "
        f"Python {platform.python_version()}",
        f"load average at start: {os.getloadavg()[0]:.2f} (1 minute)",
        f"versions: {versions}",
        "",
    ]


class Report:
    """Collects printed lines and writes them to `benchmarks/results/<name>.txt`.

    Args:
        name: Base name of the results file.
        write: Whether `save` writes the file. Quick runs with tiny flags pass False
            so that they do not overwrite the committed results.
    """

    def __init__(self, name: str, write: bool = True):
        self.name = name
        self.write = write
        self.lines = []
        for line in header_lines():
            self.print(line)
        load, cores = os.getloadavg()[0], os.cpu_count() or 1
        if load >= 0.5 * cores:
            # Multi-threaded learners suffer most: LightGBM's rounds took 20x longer in
            # one run while another job used both cores of a 2-core machine.
            self.print(f"WARNING: the load average is {load:.2f} on {cores} cores, so other "
                       "jobs share the machine and the times below can be off by far more "
                       "than 2x. Rerun on an idle machine.")
            self.print()

    def print(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def save(self) -> str:
        """Writes the collected lines and returns the path, or "" when writing is off."""
        if not self.write:
            return ""
        os.makedirs(RESULTS_DIR, exist_ok=True)
        path = os.path.join(RESULTS_DIR, f"{self.name}.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(self.lines) + "\n")
        print(f"Wrote {path}.", flush=True)
        return path


def load_criteo(path: str, rows: int = 0):
    """Reads the Criteo sample with the project's reader, optionally keeping `rows` rows.

    Raises:
        SystemExit: if `path` does not exist, with the flag to pass instead.
    """
    from resfusion_tf.data.readers import read_examples
    from resfusion_tf.data.schema import CRITEO

    if not os.path.exists(path):
        raise SystemExit(f"Criteo sample {path} not found; pass --data=PATH to a Criteo TSV file.")
    table = read_examples(path, CRITEO)
    if rows and rows < len(table):
        import numpy as np

        table = table.take(np.arange(rows))
    return table


def median(values) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else 0.5 * (values[middle - 1] + values[middle])


class Timer:
    """Context manager that stores the wall time of its block in `seconds`."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self.start


def make_epoch_timer():
    """Returns a Keras 3 callback whose `seconds` list gets the wall time of each epoch."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    return EpochTimer()
