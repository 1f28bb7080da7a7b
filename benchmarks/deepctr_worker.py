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
import requests  # noqa: E402
import tensorflow as tf  # noqa: E402


def _reject_network_request(*args, **kwargs):
    raise requests.ConnectionError("deepctr_worker.py makes no network requests.")


# Importing deepctr 0.9.4 starts a thread that requests its latest version from
# pypi.python.org. A benchmark must not reach the network, so that request fails at once.
requests.get = _reject_network_request

import deepctr  # noqa: E402
from deepctr.feature_column import DenseFeat, SparseFeat, VarLenSparseFeat  # noqa: E402
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


def numeric_columns(data, args) -> list:
    """Returns DeepCTR columns for the numeric fields, as `--numeric_fields` sets.

    `dense` is DeepCTR's own treatment: raw values into the linear part and the MLP.
    `embedded` is resfusion_tf's: a length-1 weighted sequence per field, whose id 1
    (present) has its embedding scaled by the value and whose id 2 (missing) has its
    embedding scaled by 1. The FM and the MLP then see every field as an embedding.
    """
    if args.numeric_fields == "dense":
        return [DenseFeat(name, 1) for name in data["dense_names"]]
    return [VarLenSparseFeat(SparseFeat(f"numeric_{name}", vocabulary_size=3,
                                        embedding_dim=args.embedding_dim),
                             maxlen=1, combiner="sum", weight_name=f"numeric_{name}_weight",
                             weight_norm=False)
            for name in data["dense_names"]]


def numeric_inputs(data, args) -> dict:
    """Returns the model inputs of the numeric fields for `numeric_columns`."""
    inputs = {}
    for name in data["dense_names"]:
        values, missing = data[f"dense_{name}"], data[f"missing_{name}"]
        if args.numeric_fields == "dense":
            inputs[name] = values
        else:
            inputs[f"numeric_{name}"] = np.where(missing, 2, 1).astype(np.int32)[:, None]
            inputs[f"numeric_{name}_weight"] = np.where(missing, 1.0, values).astype(
                np.float32)[:, None, None]
    return inputs


def build_model(data, args):
    """Returns a compiled DeepFM whose sparse fields use the vocabulary sizes in `data`."""
    sparse = [SparseFeat(name, vocabulary_size=int(size), embedding_dim=args.embedding_dim)
              for name, size in zip(data["sparse_names"], data["vocabulary_sizes"])]
    columns = sparse + numeric_columns(data, args)
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
    parser.add_argument("--numeric_fields", choices=("dense", "embedded"), default="dense",
                        help="dense: DeepCTR's raw numeric inputs; embedded: one scaled "
                             "embedding per numeric field, as in resfusion_tf.")
    args = parser.parse_args()

    data = np.load(args.data, allow_pickle=False)
    inputs = {name: data[f"sparse_{name}"] for name in data["sparse_names"]}
    inputs.update(numeric_inputs(data, args))
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
