"""Serving heads: uniform `[batch]` float32 callables around trained models."""

import tensorflow as tf


class GBDTHead(tf.Module):
    """Wraps a TF-DF model (a tf_keras model) and scales its raw output.

    Args:
        model: A trained `tfdf.keras.GradientBoostedTreesModel` whose output is a logit
            (classification with `apply_link_function=False`) or a regression value.
        scale: Multiplier of the output, the line-search step of a residual GBDT in
            logit space. Defaults to 1.0.
    """

    def __init__(self, model, scale: float = 1.0, name=None):
        super().__init__(name=name)
        self.model = model
        self.scale = tf.Variable(scale, dtype=tf.float32, trainable=False, name="scale")

    def __call__(self, features):
        output = tf.reshape(self.model(features), [-1])
        return self.scale * tf.cast(output, tf.float32)


class KerasHead(tf.Module):
    """Wraps a Keras 3 model whose output is a `[batch]` logit or residual."""

    def __init__(self, model, feature_names, name=None):
        super().__init__(name=name)
        self.model = model
        self.feature_names = list(feature_names)

    def __call__(self, features):
        inputs = {name: features[name] for name in self.feature_names}
        output = self.model(inputs, training=False)
        return tf.cast(tf.reshape(output, [-1]), tf.float32)
