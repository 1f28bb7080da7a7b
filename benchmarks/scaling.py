"""Wall time and peak memory of a ResFusion run against the number of rows.

For each multiple k of the Criteo sample (1x, 2x, 4x, 8x by default), the sample is
written k times into one TSV file and `resfusion-train --stages=gbdt,deepfm` trains on
it in a fresh process, with one DeepFM epoch and no cross-fitting so that the run
takes minutes. The peak resident memory is the child's `ru_maxrss`. Copies of a row
can land in both the training and the evaluation split, so the AUC printed here says
nothing about accuracy and only shows that each run trained.

    python benchmarks/scaling.py                       # writes results/scaling.{txt,png}
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import common

_TRAIN_FLAGS = ["--dataset=criteo", "--stages=gbdt,deepfm", "--epochs=1", "--cross_fit_folds=0"]


def write_replicated(source: str, copies: int, path: str) -> int:
    """Writes `copies` copies of the lines of `source` to `path` and returns the line count."""
    with open(source, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(copies):
            handle.writelines(lines)
    return copies * len(lines)


def run_training(train_path: str, model_dir: str) -> dict:
    """Runs resfusion-train in a child process and returns its wall time, peak RSS and AUC."""
    command = [sys.executable, "-m", "resfusion_tf.binaries.train", *_TRAIN_FLAGS,
               f"--train_path={train_path}", f"--model_dir={model_dir}"]
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    with common.Timer() as timer:
        process = subprocess.Popen(command, cwd=common.REPO_ROOT, env=environment,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr.decode()[-3000:]}")
    with open(os.path.join(model_dir, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    # On Linux ru_maxrss is in KiB.
    return {"seconds": timer.seconds, "peak_mib": usage.ru_maxrss / 1024,
            "auc": metrics["final"]["auc"]}


def plot(rows, results, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(10, 4))
    time_axis.plot(rows, [r["seconds"] for r in results], "o-")
    time_axis.set(xlabel="rows", ylabel="wall time (s)", title="resfusion-train gbdt,deepfm")
    memory_axis.plot(rows, [r["peak_mib"] for r in results], "o-", color="tab:orange")
    memory_axis.set(xlabel="rows", ylabel="peak RSS (MiB)", title="peak memory")
    for axis in (time_axis, memory_axis):
        axis.set_xscale("log", base=2)
        axis.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"Wrote {path}.", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--multiples", default="1,2,4,8",
                        help="Comma-separated copies of the sample to train on.")
    parser.add_argument("--output", default="scaling",
                        help="Results base name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()
    if not os.path.exists(args.data):
        raise SystemExit(f"Criteo sample {args.data} not found; pass --data=PATH.")

    report = common.Report(args.output, write=bool(args.output))
    report.print(f"resfusion-train flags: {' '.join(_TRAIN_FLAGS)}, other flags at their defaults")
    multiples = [int(m) for m in args.multiples.split(",")]
    rows, results = [], []
    with tempfile.TemporaryDirectory() as directory:
        for multiple in multiples:
            train_path = os.path.join(directory, f"criteo_x{multiple}.tsv")
            rows.append(write_replicated(args.data, multiple, train_path))
            result = run_training(train_path, os.path.join(directory, f"run_x{multiple}"))
            results.append(result)
            report.print(f"{multiple}x: {rows[-1]} rows, {result['seconds']:.1f} s, "
                         f"peak {result['peak_mib']:.0f} MiB")

    report.print()
    report.print(f"{'multiple':>8} {'rows':>8} {'wall s':>8} {'peak MiB':>9} "
                 f"{'time / 1x':>10} {'memory / 1x':>12} {'final AUC':>10}")
    for multiple, count, result in zip(multiples, rows, results):
        report.print(f"{multiple:>7}x {count:>8} {result['seconds']:8.1f} "
                     f"{result['peak_mib']:9.0f} {result['seconds'] / results[0]['seconds']:9.2f}x "
                     f"{result['peak_mib'] / results[0]['peak_mib']:11.2f}x "
                     f"{result['auc']:10.5f}")
    if report.save():
        plot(rows, results, os.path.join(common.RESULTS_DIR, f"{args.output}.png"))


if __name__ == "__main__":
    main()
