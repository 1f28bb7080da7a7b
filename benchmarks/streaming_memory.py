"""Peak memory of a streaming run as the input grows: the Criteo sample 1x, 4x and 8x.

Each replica of the sample is written into a temporary directory as its own file, so
an 8x run reads 8 files of the same rows. Each run trains GBDT then DeepFM with
`--streaming` in its own `resfusion-train` process, and the peak resident set size
(RSS) of that process is read from `getrusage(RUSAGE_CHILDREN)` in a wrapper process
that starts only that one child. Because the DeepFM stage streams rows from disk and
the GBDT stage keeps a fixed-size sample, the peak should not grow with the input.

Usage:
  python benchmarks/streaming_memory.py [--sample=PATH] [--output=FILE]

The pass criterion is that the 8x run peaks at no more than 1.2 times the 1x peak.
The shuffle buffer is a fixed bound of its own, so the runs set it below the 1x
training split: with the default of 100,000 rows, a larger input fills more of it.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SAMPLE = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "criteo",
                              "criteo_sample.tsv")
REPLICAS = (1, 4, 8)
MAX_RATIO = 1.2
TRAIN_FLAGS = [
    "--dataset=criteo", "--streaming", "--stages=gbdt,deepfm", "--gbdt_max_rows=4000",
    "--gbdt_num_trees=20", "--cross_fit_folds=0", "--epochs=1", "--batch_size=512",
    "--embedding_dim=8", "--hidden_units=64,32", "--min_count=5",
    # Smaller than the 1x training split (about 12,900 rows), so every run fills the
    # buffer and the runs differ only in the rows streamed through it.
    "--shuffle_buffer_size=10000",
]


def measure_child(command: list[str]) -> None:
    """Runs `command` as the only child and prints its peak RSS in KiB."""
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        sys.exit(result.returncode)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def write_replicas(sample: str, directory: str, count: int) -> str:
    """Writes `count` copies of `sample` as part-NNN.tsv and returns their glob."""
    os.makedirs(directory, exist_ok=True)
    for index in range(count):
        shutil.copyfile(sample, os.path.join(directory, f"part-{index:03d}.tsv"))
    return os.path.join(directory, "part-*.tsv")


def run_replica(sample: str, root: str, count: int) -> tuple[int, float, int]:
    """Trains on `count` replicas; returns (peak RSS in KiB, seconds, input rows)."""
    pattern = write_replicas(sample, os.path.join(root, f"x{count}"), count)
    with open(sample, "rb") as handle:
        rows = sum(1 for _ in handle) * count
    train = [sys.executable, "-m", "resfusion_tf.binaries.train", *TRAIN_FLAGS,
             f"--train_path={pattern}", f"--model_dir={os.path.join(root, f'model_x{count}')}"]
    start = time.time()
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure", "--", *train],
                            capture_output=True, text=True, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"The {count}x run failed:\n{result.stderr[-5000:]}")
    return int(result.stdout.strip().splitlines()[-1]), time.time() - start, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", default=DEFAULT_SAMPLE, help="Criteo TSV file to replicate.")
    parser.add_argument("--output", default="", help="Also write the report to this file.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_child(args.command)
        return 0
    if not os.path.exists(args.sample):
        print(f"{args.sample} is absent; pass --sample=PATH to a Criteo TSV file.")
        return 2

    lines = ["Peak RSS of resfusion-train --streaming (GBDT on a 4000-row sample, then one "
             "DeepFM epoch over every row)",
             f"flags: {' '.join(TRAIN_FLAGS)}",
             f"input: {args.sample} replicated into separate files; CPU count {os.cpu_count()}",
             "",
             f"{'replicas':>8} {'rows':>9} {'peak RSS MiB':>13} {'vs 1x':>7} {'seconds':>8}"]
    with tempfile.TemporaryDirectory() as root:
        baseline = None
        ratio = None
        for count in REPLICAS:
            peak_kib, seconds, rows = run_replica(args.sample, root, count)
            baseline = baseline or peak_kib
            ratio = peak_kib / baseline
            lines.append(f"{count:>7}x {rows:>9} {peak_kib / 1024:>13.0f} {ratio:>7.3f} "
                         f"{seconds:>8.0f}")
            print(lines[-1], flush=True)
    passed = ratio <= MAX_RATIO
    lines.append("")
    lines.append(f"8x / 1x peak = {ratio:.3f}; limit {MAX_RATIO}: {'PASS' if passed else 'FAIL'}")
    report = "\n".join(lines)
    print(report)
    if args.output:
        os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
