"""Runs in a fresh process: loads a SavedModel with only TF and TF-DF, scores rows.

Usage: python serving_helper.py SAVED_MODEL INPUT_NPZ OUTPUT_NPZ
"""

import sys

import numpy as np
import tensorflow as tf
import tensorflow_decision_forests  # noqa: F401  Registers the TF-DF inference ops.


def main(saved_model, input_path, output_path):
    model = tf.saved_model.load(saved_model)
    serve = model.signatures["serving_default"]
    inputs = dict(np.load(input_path, allow_pickle=True))
    tensors = {}
    for name, spec in serve.structured_input_signature[1].items():
        tensors[name] = tf.constant(inputs[name], dtype=spec.dtype)
    outputs = serve(**tensors)
    np.savez(output_path, **{name: value.numpy() for name, value in outputs.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
