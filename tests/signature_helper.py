"""Runs in a fresh process: loads a SavedModel with only TF and TF-DF, calls its signatures.

Usage:
  python signature_helper.py signatures SAVED_MODEL INPUT_NPZ OUTPUT_NPZ
  python signature_helper.py warmup SAVED_MODEL OUTPUT_JSON

`signatures` reads from INPUT_NPZ the raw feature columns `feature__<name>`, the
serialized tf.Examples of the same rows `examples`, and serialized Examples with
features left out `missing_examples` with their raw columns `missing__<name>`. It
writes every output of every signature call, prefixed by the call's name.

`warmup` runs every PredictionLog record of `assets.extra/tf_serving_warmup_requests`
against the loaded signatures and writes one JSON entry per record.
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf
import tensorflow_decision_forests  # noqa: F401  Registers the TF-DF inference ops.


def _columns(arrays, prefix):
    return {key[len(prefix):]: arrays[key] for key in arrays.files if key.startswith(prefix)}


def _call_features(signature, columns):
    tensors = {}
    for name, spec in signature.structured_input_signature[1].items():
        tensors[name] = tf.constant(columns[name], dtype=spec.dtype)
    return signature(**tensors)


def run_signatures(saved_model, input_path, output_path):
    model = tf.saved_model.load(saved_model)
    arrays = np.load(input_path, allow_pickle=True)
    default = model.signatures["serving_default"]
    predict_examples = model.signatures["predict_examples"]
    classify = model.signatures["classify"]
    examples = tf.constant(list(arrays["examples"]), tf.string)
    missing_examples = tf.constant(list(arrays["missing_examples"]), tf.string)

    calls = {
        "default": _call_features(default, _columns(arrays, "feature__")),
        "examples": predict_examples(examples=examples),
        "classify": classify(inputs=examples),
        "missing_default": _call_features(default, _columns(arrays, "missing__")),
        "missing_examples": predict_examples(examples=missing_examples),
        "missing_classify": classify(inputs=missing_examples),
    }
    outputs = {f"{call}__{name}": value.numpy()
               for call, result in calls.items() for name, value in result.items()}
    outputs["loaded_modules"] = np.array(sorted(name for name in sys.modules
                                                if name.split(".")[0] == "resfusion_tf"))
    np.savez(output_path, **outputs)


def run_warmup(saved_model, output_path):
    from tensorflow_serving.apis import prediction_log_pb2

    model = tf.saved_model.load(saved_model)
    path = os.path.join(saved_model, "assets.extra", "tf_serving_warmup_requests")
    results = []
    for record in tf.data.TFRecordDataset(path):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        kind = log.WhichOneof("log_type")
        if kind == "predict_log":
            request = log.predict_log.request
            inputs = {name: tf.constant(tf.make_ndarray(proto))
                      for name, proto in request.inputs.items()}
        elif kind == "classify_log":
            request = log.classify_log.request
            serialized = [example.SerializeToString()
                          for example in request.input.example_list.examples]
            inputs = {"inputs": tf.constant(serialized, tf.string)}
        else:
            raise ValueError(f"Unexpected warm-up record kind {kind!r}.")
        signature_name = request.model_spec.signature_name
        outputs = model.signatures[signature_name](**inputs)
        results.append({
            "kind": kind,
            "signature": signature_name,
            "batch_size": int(next(iter(inputs.values())).shape[0]),
            "outputs": {name: list(value.shape) for name, value in outputs.items()},
            "finite": bool(all(np.all(np.isfinite(value.numpy()))
                               for value in outputs.values() if value.dtype.is_floating)),
        })
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"signatures": run_signatures, "warmup": run_warmup}[mode](*args)
