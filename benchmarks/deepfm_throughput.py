"""DeepFM training throughput of resfusion_tf against DeepCTR, side by side.

All models get the same rows of the Criteo sample, the same vocabulary, embedding
dimension, hidden units, dropout, batch size and Adam learning rate. Two details
differ. DeepCTR puts its L2 penalty on the whole embedding and linear tables and none
on the MLP. resfusion_tf penalizes the embedding rows of the batch and the MLP
kernels. A one-off run with and without DeepCTR's L2 showed no speed difference.
DeepCTR trains with tf_keras' Adam, resfusion_tf with `FusedAdam`. resfusion_tf trains
through the neural stage's own in-memory path, as `NeuralStage.fit` does: the raw-input
DeepFM's `FeatureEmbedding.encode` encodes the table once inside
`make_residual_dataset`, and the model over encoded features from
`split_encoded_model`, which shares the raw model's weights, is compiled by
`compile_training_model`. DeepCTR 0.9 takes pre-encoded integer ids and standardized
floats, and runs in subprocesses with `TF_USE_LEGACY_KERAS=1`.

DeepCTR runs twice, because the two libraries treat the 13 numeric fields differently:

* "DeepCTR, same architecture" embeds each numeric field as resfusion_tf does
  (`x_j * v_j` when present, a learned `m_j` when missing), through a length-1
  weighted sequence feature. Both models then have 39 FM fields and a 624-wide MLP
  input at embedding 16. DeepCTR has no other way to express this architecture, and
  the sequence feature adds masking and pooling ops for each numeric field, in the FM
  and in the linear part, so part of the gap to this variant is that cost.
* "DeepCTR, raw numerics" is DeepCTR's usual DeepFM: numeric values go to the
  linear part and the MLP only (26 FM fields, a 429-wide MLP input).

The repeats alternate between the models, and the DeepCTR processes stay alive across
them, so all are warm and share the machine's load alike. The first epoch of each is a
warm-up (tracing, graph building) and is not counted.

Last, the script times the forward and backward pass of the MLP alone, at both input
widths. No DeepFM with that MLP can train faster than that on this machine, which
bounds the ratio any implementation can reach.

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
import tensorflow as tf  # noqa: E402
from resfusion_tf.config import NeuralConfig  # noqa: E402
from resfusion_tf.data.statistics import compute_statistics, transform_numeric  # noqa: E402
from resfusion_tf.models.deepfm import build_deepfm  # noqa: E402
from resfusion_tf.models.encoded_training import split_encoded_model  # noqa: E402
from resfusion_tf.models.layers import MLP  # noqa: E402
from resfusion_tf.models.stage import compile_training_model  # noqa: E402
from resfusion_tf.residual.dataset import make_residual_dataset  # noqa: E402

_DEFAULTS = NeuralConfig()
_OURS = "resfusion_tf"
_SAME = "DeepCTR, same architecture"
_RAW = "DeepCTR, raw numerics"


def encode_for_deepctr(table, statistics, path):
    """Writes DeepCTR inputs to `path`: ids in the same vocabulary, standardized floats.

    Id 0 is the OOV-or-missing value of a field, and vocabulary entry i gets id i + 1.
    Numeric values are encoded as `NumericEncoding` encodes them, with a separate
    missing mask.
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
        arrays[f"missing_{name}"] = np.isnan(values)
        arrays[f"dense_{name}"] = np.clip(np.nan_to_num(values, nan=0.0), -10, 10).astype(
            np.float32)
    arrays["sparse_names"] = np.array(sparse_names)
    arrays["vocabulary_sizes"] = np.array(sizes, np.int64)
    arrays["dense_names"] = np.array(list(statistics.numeric_means))
    np.savez(path, **arrays)


def mlp_examples_per_second(width: int, config: NeuralConfig, steps: int = 100) -> float:
    """Returns the examples/s of the forward and backward pass of the DeepFM's MLP alone.

    The MLP has `config`'s hidden units and dropout, gets a `[batch, width]` input that
    needs its gradient, as embeddings do, and is timed in a `tf.function` on one
    fixed batch, so no input pipeline, embedding, FM or optimizer work is counted.
    """
    mlp = MLP(config.hidden_units, config.dropout, config.l2)
    features = tf.random.normal([config.batch_size, width])

    @tf.function
    def forward_backward(features):
        with tf.GradientTape() as tape:
            tape.watch(features)
            output = tf.reduce_sum(mlp(features, training=True))
        return tape.gradient(output, [features, *mlp.trainable_variables])

    forward_backward(features)
    seconds = []
    for _ in range(3):
        with common.Timer() as timer:
            for _ in range(steps):
                forward_backward(features)
        seconds.append(timer.seconds)
    return steps * config.batch_size / common.median(seconds)


class DeepCTRProcess:
    """A DeepCTR worker subprocess that trains epochs on request."""

    def __init__(self, data_path, config: NeuralConfig, seed: int, numeric_fields: str):
        environment = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
        command = [sys.executable, os.path.join(os.path.dirname(__file__), "deepctr_worker.py"),
                   f"--data={data_path}", f"--embedding_dim={config.embedding_dim}",
                   "--hidden_units", *[str(units) for units in config.hidden_units],
                   f"--batch_size={config.batch_size}", f"--dropout={config.dropout}",
                   f"--l2={config.l2}", f"--learning_rate={config.learning_rate}",
                   f"--seed={seed}", f"--numeric_fields={numeric_fields}"]
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


class KerasTrainer:
    """Trains resfusion_tf's encoded-input DeepFM epochs on request, as `NeuralStage.fit` does."""

    def __init__(self, table, statistics, config: NeuralConfig):
        keras.utils.set_random_seed(0)
        encoded = split_encoded_model(build_deepfm(table.schema, statistics, config))
        self.model = encoded.model
        compile_training_model(self.model, keras.losses.BinaryCrossentropy(from_logits=True),
                               config)
        # As in NeuralStage.fit: one endless dataset and a fixed number of steps per epoch.
        self.dataset = make_residual_dataset(table, None, config.batch_size, shuffle=True,
                                             seed=0,
                                             encoder=encoded.feature_embedding.encode).repeat()
        self.steps = math.ceil(len(table) / config.batch_size)

    def train(self, epochs: int) -> list[float]:
        timer = common.make_epoch_timer()
        self.model.fit(self.dataset, epochs=epochs, steps_per_epoch=self.steps, verbose=0,
                       callbacks=[timer])
        return timer.seconds

    def close(self):
        pass


def time_interleaved(trainers: dict, repeats: int, epochs: int, rows: int, report) -> dict:
    """Trains every trainer `epochs` epochs per round and returns each one's epoch times."""
    for trainer in trainers.values():
        trainer.train(1)
    seconds = {name: [] for name in trainers}
    for repeat in range(repeats):
        parts = []
        for name, trainer in trainers.items():
            seconds[name] += trainer.train(epochs)
            parts.append(f"{name} {rows / common.median(seconds[name][-epochs:]):7.0f}")
        report.print(f"round {repeat + 1} (ex/s): " + ", ".join(parts))
    return seconds


def print_mlp_bound(report, statistics, config: NeuralConfig, rates: dict) -> None:
    """Prints the MLP-alone throughput at both input widths, as ratios to both DeepCTRs."""
    num_categorical = len(statistics.vocabularies)
    num_numeric = len(statistics.numeric_means)
    widths = {"resfusion_tf and DeepCTR, same architecture":
              (num_categorical + num_numeric) * config.embedding_dim,
              "DeepCTR, raw numerics": num_categorical * config.embedding_dim + num_numeric}
    report.print()
    report.print("upper bound: forward and backward pass of the MLP alone, no embedding, "
                 "FM, optimizer or input:")
    for name, width in widths.items():
        rate = mlp_examples_per_second(width, config)
        report.print(f"  input width {width:4d} ({name}): {rate:8.0f} ex/s, "
                     f"{rate / rates[_SAME]:.2f}x {_SAME}, {rate / rates[_RAW]:.2f}x {_RAW}")


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

    with tempfile.TemporaryDirectory() as directory:
        data_path = os.path.join(directory, "deepctr_inputs.npz")
        encode_for_deepctr(table, statistics, data_path)
        trainers = {
            _OURS: KerasTrainer(table, statistics, config),
            _SAME: DeepCTRProcess(data_path, config, seed=0, numeric_fields="embedded"),
            _RAW: DeepCTRProcess(data_path, config, seed=0, numeric_fields="dense"),
        }
        report.print(f"DeepCTR worker: {trainers[_SAME].info}")
        seconds = time_interleaved(trainers, args.repeats, args.epochs, len(table), report)
        for trainer in trainers.values():
            trainer.close()

    rates = {name: len(table) / common.median(times) for name, times in seconds.items()}
    report.print()
    report.print("training throughput, median over epochs:")
    for name, rate in rates.items():
        report.print(f"  {name:<28} {rate:8.0f} ex/s")
    report.print(f"  ratio resfusion_tf / DeepCTR, same architecture: "
                 f"{rates[_OURS] / rates[_SAME]:.2f}x")
    report.print(f"  ratio resfusion_tf / DeepCTR, raw numerics:      "
                 f"{rates[_OURS] / rates[_RAW]:.2f}x")
    print_mlp_bound(report, statistics, config, rates)
    report.save()


if __name__ == "__main__":
    main()
