"""Serving signatures of the composite SavedModel.

* `serving_default`: one `[batch]` tensor per raw feature, named as the schema column.
* `predict_examples`: one `[batch]` string tensor `examples` of serialized
  `tf.Example`s. It returns the same outputs as `serving_default`.
* `classify`: TF Serving's Classify API. Its one input `inputs` contains serialized
  `tf.Example`s. It returns `scores` `[batch, 2]`, the probabilities of classes "0"
  and "1", and `classes` `[batch, 2]`, the class labels "0" and "1".
"""

import os

import tensorflow as tf
from absl import logging
from tensorflow.core.protobuf import saved_model_pb2

from resfusion_tf.export.composite import CompositeModel
from resfusion_tf.export.tf_example import example_parse_spec

SERVING_DEFAULT = tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY
PREDICT_EXAMPLES = "predict_examples"
CLASSIFY = "classify"
SIGNATURE_NAMES = (SERVING_DEFAULT, PREDICT_EXAMPLES, CLASSIFY)

EXAMPLES_INPUT = "examples"
CLASSIFY_INPUT = tf.saved_model.CLASSIFY_INPUTS  # "inputs"
CLASSIFY_SCORES = tf.saved_model.CLASSIFY_OUTPUT_SCORES  # "scores"
CLASSIFY_CLASSES = tf.saved_model.CLASSIFY_OUTPUT_CLASSES  # "classes"
CLASS_LABELS = ("0", "1")

_SAVED_MODEL_FILE = "saved_model.pb"


def build_signatures(model: CompositeModel) -> dict:
    """Returns the concrete functions of every signature, keyed by signature name."""
    parse_spec = example_parse_spec(model.schema)

    def parse(serialized):
        return tf.io.parse_example(serialized, parse_spec)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=EXAMPLES_INPUT)])
    def predict_examples(examples):
        return model.serve(parse(examples))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=CLASSIFY_INPUT)])
    def classify(inputs):
        probability = model.serve(parse(inputs))["probability"]
        scores = tf.stack([1.0 - probability, probability], axis=1)
        classes = tf.tile(tf.constant([CLASS_LABELS]), [tf.shape(probability)[0], 1])
        return {CLASSIFY_SCORES: scores, CLASSIFY_CLASSES: classes}

    return {
        SERVING_DEFAULT: model.serve.get_concrete_function(),
        PREDICT_EXAMPLES: predict_examples.get_concrete_function(),
        CLASSIFY: classify.get_concrete_function(),
    }


def set_classify_method_name(saved_model_dir: str) -> None:
    """Marks the `classify` signature with TF Serving's classify method name.

    `tf.saved_model.save` gives every signature the method name
    `tensorflow/serving/predict`, and has no option to change it. TF Serving's Classify
    API rejects any signature whose method name is not `tensorflow/serving/classify`
    (unless the server disables that check), so this rewrites `saved_model.pb` and
    its fingerprint. Call it only on a directory that no server reads yet.

    Raises:
        ValueError: if the SavedModel has no `classify` signature.
    """
    path = os.path.join(saved_model_dir, _SAVED_MODEL_FILE)
    saved_model = saved_model_pb2.SavedModel()
    with open(path, "rb") as handle:
        saved_model.ParseFromString(handle.read())

    changed = 0
    for meta_graph in saved_model.meta_graphs:
        if CLASSIFY not in meta_graph.signature_def:
            raise ValueError(
                f"{path} has no {CLASSIFY!r} signature, only "
                f"{sorted(meta_graph.signature_def)}. Save it with build_signatures().")
        meta_graph.signature_def[CLASSIFY].method_name = tf.saved_model.CLASSIFY_METHOD_NAME
        changed += 1
    with open(path, "wb") as handle:
        handle.write(saved_model.SerializeToString())

    # NOTE: fingerprinting_utils is a private TensorFlow module (checked on 2.19). The
    # fingerprint only identifies the model in metrics, so a failure is logged.
    try:
        from tensorflow.python.saved_model import fingerprinting_utils

        fingerprinting_utils.write_fingerprint(saved_model_dir)
    except (ImportError, AttributeError, ValueError) as error:
        logging.warning("Could not rewrite the fingerprint of %s: %s", saved_model_dir, error)
    logging.info("Set the method name of %d %r signature(s) in %s to %s.", changed, CLASSIFY,
                 path, tf.saved_model.CLASSIFY_METHOD_NAME)
