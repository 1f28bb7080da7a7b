"""Trains DeepCTR's DeepFM on request and reports epoch times, for deepfm_throughput.py.

DeepCTR 0.9 is a tf_keras library, so this runs in its own process with
`TF_USE_LEGACY_KERAS=1`, which the project's Keras 3 models must not see. The parent
writes the encoded data to an .npz file and then sends lines on standard input:

    epochs N   trains N more epochs and prints {"epoch_seconds": [...]} as one line
    quit       exits

The first line printed is {"ready": true, "tensorflow": ..., "deepctr": ...}.
"""

import argparse
import json
import os
import sys
import time

if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise SystemExit("deepctr_worker.py needs TF_USE_LEGACY_KERAS=1 in its environment.")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import deepctr  # noqa: E402
from deepctr.feature_column import DenseFeat, SparseFeat  # noqa: E402
from deepctr.models import DeepFM  # noqa: E402


class EpochTimer(tf.keras.callbacks.Callback):
    """Stores the wall time of each training epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def build_model(data, args):
    """Returns a compiled DeepFM whose sparse fields use the vocabulary sizes in `data`."""
    sparse = [SparseFeat(name, vocabulary_size=int(size), embedding_dim=args.embedding_dim)
              for name, size in zip(data["sparse_names"], data["vocabulary_sizes"])]
    dense = [DenseFeat(name, 1) for name in data["dense_names"]]
    columns = sparse + dense
    model = DeepFM(columns, columns, dnn_hidden_units=tuple(args.hidden_units),
                   dnn_dropout=args.dropout, l2_reg_embedding=args.l2, l2_reg_linear=args.l2,
                   seed=args.seed)
    model.compile(tf.keras.optimizers.Adam(args.learning_rate), "binary_crossentropy")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help=".npz file written by the parent.")
    parser.add_argument("--embedding_dim", type=int, required=True)
    parser.add_argument("--hidden_units", type=int, nargs="+", required=True)
    parser.add_argument("--batch_size", type=int, required=True)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = np.load(args.data, allow_pickle=False)
    inputs = {name: data[f"sparse_{name}"] for name in data["sparse_names"]}
    inputs.update({name: data[f"dense_{name}"] for name in data["dense_names"]})
    labels = data["labels"]
    model = build_model(data, args)
    print(json.dumps({"ready": True, "tensorflow": tf.__version__,
                      "deepctr": deepctr.__version__,
                      "model_class": type(model).__module__}), flush=True)

    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] != "epochs":
            raise SystemExit(f"Unknown command {line.strip()!r}; expected 'epochs N' or 'quit'.")
        timer = EpochTimer()
        model.fit(inputs, labels, batch_size=args.batch_size, epochs=int(command[1]),
                  shuffle=True, verbose=0, callbacks=[timer])
        print(json.dumps({"epoch_seconds": timer.seconds}), flush=True)


if __name__ == "__main__":
    main()
