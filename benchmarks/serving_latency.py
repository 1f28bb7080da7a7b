"""Serving latency and throughput of the composite SavedModel and of each head alone.

Trains GBDT + DeepFM on the Criteo sample (or takes a trained `--model_dir`), rebuilds
the stages with `resfusion_tf.fusion.restore`, and exports three SavedModels: the
composite, the GBDT head alone and the DeepFM head alone. It reloads each one and
times single calls of its `serving_default` signature at batch sizes 1, 64 and 1024,
interleaving models and batch sizes in rounds so that load from other processes hits
all of them alike. It prints p50 and p99 latency, throughput, and the ratio
composite / (gbdt + deepfm) of the latencies. A ratio near 1 means that the composite
costs what its heads cost. A ratio below 1 means that one call saves the per-call
overhead of a second one.

    python benchmarks/serving_latency.py
    python benchmarks/serving_latency.py --model_dir=runs/criteo --output=
"""

import argparse
import os
import tempfile
import time

import common

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from resfusion_tf.config import DataConfig, NeuralConfig, TrainConfig  # noqa: E402
from resfusion_tf.data.examples import to_feature_tensors  # noqa: E402
from resfusion_tf.export.composite import CompositeModel  # noqa: E402
from resfusion_tf.export.exporter import export_composite  # noqa: E402
from resfusion_tf.fusion import training  # noqa: E402
from resfusion_tf.fusion.restore import restore_run  # noqa: E402

BATCH_SIZES = (1, 64, 1024)
# Timed calls per round for each batch size; the rounds multiply them.
_CALLS_PER_ROUND = {1: 50, 64: 20, 1024: 10}
_WARMUP_CALLS = 5
_DISTINCT_BATCHES = 8


def train_model_dir(data_path: str, model_dir: str) -> None:
    """Trains GBDT + DeepFM with the project defaults, except at most 2 epochs.

    The default `cross_fit_folds=3` makes the served GBDT head the average of three
    fold models, so its latency is that of three forests. The epoch cap only
    shortens training; the served graph is the same as with the defaults.
    """
    config = TrainConfig(
        data=DataConfig(dataset="criteo", train_path=data_path),
        neural=NeuralConfig(epochs=2), model_dir=model_dir)
    training.train(config)


def export_models(model_dir: str, base_dir: str) -> dict[str, str]:
    """Exports the composite and each head alone; returns name -> SavedModel path."""
    restored = restore_run(model_dir)
    models = {"composite": restored.composite()}
    for kind, head in restored.heads:
        models[kind] = CompositeModel(restored.schema, [(kind, head)], restored.space)
    return {name: export_composite(model, os.path.join(base_dir, name))
            for name, model in models.items()}


def make_batches(table, batch_size: int) -> list[dict]:
    """Returns up to `_DISTINCT_BATCHES` batches of consecutive rows, as tensors."""
    batches = []
    for start in range(0, len(table) - batch_size + 1, batch_size):
        batches.append(to_feature_tensors(table, np.arange(start, start + batch_size)))
        if len(batches) == _DISTINCT_BATCHES:
            break
    return batches


def time_calls(signature, batches, calls: int) -> list[float]:
    """Returns the wall time of each of `calls` calls, cycling through `batches`."""
    seconds = []
    for call in range(calls):
        batch = batches[call % len(batches)]
        start = time.perf_counter()
        outputs = signature(**batch)
        outputs["probability"].numpy()
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--model_dir", default="",
                        help="A run trained with resfusion-train on the same schema; empty "
                             "trains one on --data first.")
    parser.add_argument("--rounds", type=int, default=6,
                        help="Interleaved rounds; each times every model and batch size.")
    parser.add_argument("--output", default="serving_latency",
                        help="Results file name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()

    report = common.Report(args.output, write=bool(args.output))
    table = common.load_criteo(args.data)
    with tempfile.TemporaryDirectory() as work_dir:
        model_dir = args.model_dir
        if not model_dir:
            model_dir = os.path.join(work_dir, "model")
            train_model_dir(args.data, model_dir)
        paths = export_models(model_dir, os.path.join(work_dir, "export"))
        signatures = {name: tf.saved_model.load(path).signatures["serving_default"]
                      for name, path in paths.items()}
        batches = {size: make_batches(table, size) for size in BATCH_SIZES}

        for name, signature in signatures.items():
            for size in BATCH_SIZES:
                time_calls(signature, batches[size], _WARMUP_CALLS)
        seconds = {(name, size): [] for name in signatures for size in BATCH_SIZES}
        names = list(signatures)
        for round_index in range(args.rounds):
            rotated = names[round_index % len(names):] + names[:round_index % len(names)]
            for name in rotated:
                for size in BATCH_SIZES:
                    seconds[name, size] += time_calls(signatures[name], batches[size],
                                                      _CALLS_PER_ROUND[size])

    report.print(f"data: {len(table)} rows of {args.data}; model_dir: "
                 f"{args.model_dir or 'trained by this run (defaults, 3 cross-fitted GBDT folds, 2 epochs)'}")
    report.print(f"models: {', '.join(names)}; SavedModels reloaded in this process; "
                 f"TensorFlow inter/intra-op threads: {tf.config.threading.get_inter_op_parallelism_threads()}"
                 f"/{tf.config.threading.get_intra_op_parallelism_threads()} (0 = TF default)")
    report.print(f"rounds: {args.rounds}; calls per round at batch 1/64/1024: "
                 f"{_CALLS_PER_ROUND[1]}/{_CALLS_PER_ROUND[64]}/{_CALLS_PER_ROUND[1024]}")
    report.print()
    report.print(f"{'batch':>5}  {'model':<10} {'p50 ms':>9} {'p99 ms':>9} {'rows/s':>10} {'calls':>6}")
    percentiles = {}
    for size in BATCH_SIZES:
        for name in names:
            values = np.array(seconds[name, size])
            p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
            percentiles[name, size] = (p50, p99)
            throughput = size * len(values) / values.sum()
            report.print(f"{size:>5}  {name:<10} {p50 * 1e3:>9.3f} {p99 * 1e3:>9.3f} "
                         f"{throughput:>10.0f} {len(values):>6}")
        if {"gbdt", "deepfm"} <= set(names):
            p50_ratio = percentiles["composite", size][0] / (
                percentiles["gbdt", size][0] + percentiles["deepfm", size][0])
            p99_ratio = percentiles["composite", size][1] / (
                percentiles["gbdt", size][1] + percentiles["deepfm", size][1])
            report.print(f"{size:>5}  composite / (gbdt + deepfm): p50 {p50_ratio:.2f}, "
                         f"p99 {p99_ratio:.2f}")
        report.print()
    report.save()


if __name__ == "__main__":
    main()
