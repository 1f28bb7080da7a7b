"""DeepFM training throughput of resfusion_tf against DeepCTR, side by side.

Both models get the same rows of the Criteo sample, the same vocabulary, embedding
dimension, hidden units, dropout, L2, batch size and optimizer. resfusion_tf trains
through the neural stage's own in-memory path, as `NeuralStage.fit` does: the raw-input
DeepFM's `FeatureEmbedding.encode` encodes the table once inside
`make_residual_dataset`, and the model over encoded features from
`split_encoded_model`, which shares the raw model's weights, is compiled by
`compile_training_model`. DeepCTR 0.9 takes pre-encoded integer ids and standardized
floats, and runs in a subprocess with `TF_USE_LEGACY_KERAS=1`.

The two DeepFMs differ in one point of architecture: resfusion_tf embeds the 13
numeric fields too (39 fields into the FM and a 624-wide MLP input at embedding 16),
while DeepCTR feeds them as raw values to the linear part and the MLP only (26 FM
fields and a 429-wide MLP input).

The repeats alternate between the two, and the DeepCTR process stays alive across
them, so both are warm and share the machine's load alike. The first epoch of each
side is a warm-up (tracing, graph building) and is not counted.

    python benchmarks/deepfm_throughput.py               # project defaults
    python benchmarks/deepfm_throughput.py --embedding_dim=10 --hidden_units=400,400,400
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import common

import keras  # noqa: E402
import numpy as np  # noqa: E402
from resfusion_tf.config import NeuralConfig  # noqa: E402
from resfusion_tf.data.statistics import compute_statistics, transform_numeric  # noqa: E402
from resfusion_tf.models.deepfm import build_deepfm  # noqa: E402
from resfusion_tf.models.encoded_training import split_encoded_model  # noqa: E402
from resfusion_tf.models.stage import compile_training_model  # noqa: E402
from resfusion_tf.residual.dataset import make_residual_dataset  # noqa: E402

_DEFAULTS = NeuralConfig()


def encode_for_deepctr(table, statistics, path):
    """Writes DeepCTR inputs to `path`: ids in the same vocabulary, standardized floats.

    Id 0 is the OOV-or-missing value of a field, and vocabulary entry i gets id i + 1.
    """
    arrays = {"labels": table.labels.astype(np.float32)}
    sparse_names, sizes = [], []
    for name, vocabulary in statistics.vocabularies.items():
        index = {value: i + 1 for i, value in enumerate(vocabulary)}
        arrays[f"sparse_{name}"] = np.array([index.get(v, 0) for v in table.features[name]],
                                            np.int32)
        sparse_names.append(name)
        sizes.append(len(vocabulary) + 1)
    for name in statistics.numeric_means:
        values = transform_numeric(table.features[name])
        values = (values - statistics.numeric_means[name]) / statistics.numeric_stds[name]
        arrays[f"dense_{name}"] = np.nan_to_num(values, nan=0.0).astype(np.float32)
    arrays["sparse_names"] = np.array(sparse_names)
    arrays["vocabulary_sizes"] = np.array(sizes, np.int64)
    arrays["dense_names"] = np.array(list(statistics.numeric_means))
    np.savez(path, **arrays)


class DeepCTRProcess:
    """A DeepCTR worker subprocess that trains epochs on request."""

    def __init__(self, data_path, config: NeuralConfig, seed: int):
        environment = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
        command = [sys.executable, os.path.join(os.path.dirname(__file__), "deepctr_worker.py"),
                   f"--data={data_path}", f"--embedding_dim={config.embedding_dim}",
                   "--hidden_units", *[str(units) for units in config.hidden_units],
                   f"--batch_size={config.batch_size}", f"--dropout={config.dropout}",
                   f"--l2={config.l2}", f"--learning_rate={config.learning_rate}",
                   f"--seed={seed}"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=environment)
        self.info = self._read_reply()

    def _read_reply(self) -> dict:
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"The DeepCTR worker exited with code {self.process.wait()}; "
                                   "its error is printed above.")
            if line.startswith("{"):
                return json.loads(line)

    def train(self, epochs: int) -> list[float]:
        self.process.stdin.write(f"epochs {epochs}\n")
        self.process.stdin.flush()
        return self._read_reply()["epoch_seconds"]

    def close(self):
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--rows", type=int, default=0, help="Rows to keep; 0 keeps all.")
    parser.add_argument("--embedding_dim", type=int, default=_DEFAULTS.embedding_dim)
    parser.add_argument("--hidden_units", default=",".join(map(str, _DEFAULTS.hidden_units)),
                        help="Comma-separated hidden layer widths.")
    parser.add_argument("--batch_size", type=int, default=_DEFAULTS.batch_size)
    parser.add_argument("--dropout", type=float, default=_DEFAULTS.dropout)
    parser.add_argument("--repeats", type=int, default=5,
                        help="Alternating rounds; each trains --epochs epochs per side.")
    parser.add_argument("--epochs", type=int, default=2, help="Timed epochs per round and side.")
    parser.add_argument("--output", default="deepfm_throughput",
                        help="Results file name under benchmarks/results/; empty writes none.")
    return parser.parse_args()


def main():
    args = parse_args()
    report = common.Report(args.output, write=bool(args.output))
    config = NeuralConfig(embedding_dim=args.embedding_dim,
                          hidden_units=tuple(int(u) for u in args.hidden_units.split(",")),
                          batch_size=args.batch_size, dropout=args.dropout)
    table = common.load_criteo(args.data, args.rows)
    statistics = compute_statistics(table, min_count=5)
    report.print(f"data: {len(table)} rows of {args.data}, "
                 f"{sum(map(len, statistics.vocabularies.values()))} vocabulary entries")
    report.print(f"model: DeepFM, embedding_dim {config.embedding_dim}, hidden units "
                 f"{config.hidden_units}, dropout {config.dropout}, L2 {config.l2}, batch size "
                 f"{config.batch_size}, Adam {config.learning_rate}")

    keras.utils.set_random_seed(0)
    encoded = split_encoded_model(build_deepfm(table.schema, statistics, config))
    model = encoded.model
    compile_training_model(model, keras.losses.BinaryCrossentropy(from_logits=True), config)
    # As in NeuralStage.fit: one endless dataset and a fixed number of steps per epoch.
    dataset = make_residual_dataset(table, None, config.batch_size, shuffle=True, seed=0,
                                    encoder=encoded.feature_embedding.encode).repeat()
    steps = math.ceil(len(table) / config.batch_size)
    timer = common.make_epoch_timer()

    with tempfile.TemporaryDirectory() as directory:
        data_path = os.path.join(directory, "deepctr_inputs.npz")
        encode_for_deepctr(table, statistics, data_path)
        deepctr = DeepCTRProcess(data_path, config, seed=0)
        report.print(f"DeepCTR worker: {deepctr.info}")

        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        deepctr.train(1)
        ours, theirs = [], []
        for repeat in range(args.repeats):
            timer.seconds = []
            model.fit(dataset, epochs=args.epochs, steps_per_epoch=steps, verbose=0,
                      callbacks=[timer])
            ours += timer.seconds
            theirs += deepctr.train(args.epochs)
            report.print(f"round {repeat + 1}: resfusion_tf "
                         f"{len(table) / common.median(timer.seconds):8.0f} ex/s, DeepCTR "
                         f"{len(table) / common.median(theirs[-args.epochs:]):8.0f} ex/s")
        deepctr.close()

    ours_rate = len(table) / common.median(ours)
    theirs_rate = len(table) / common.median(theirs)
    report.print()
    report.print("training throughput, median over epochs (examples/s):")
    report.print(f"  resfusion_tf DeepFM  {ours_rate:10.0f}")
    report.print(f"  DeepCTR DeepFM       {theirs_rate:10.0f}")
    report.print(f"  ratio resfusion_tf / DeepCTR: {ours_rate / theirs_rate:.2f}x")
    report.save()


if __name__ == "__main__":
    main()
