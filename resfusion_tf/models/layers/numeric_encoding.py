"""Standardized signed-log encoding of raw numeric features with a missing mask."""

import keras
import tensorflow as tf

_CLIP = 10.0


@keras.saving.register_keras_serializable(package="resfusion_tf")
class NumericEncoding(keras.layers.Layer):
    """Encodes raw numeric features as standardized `sign(x) * log1p(|x|)`.

    NaN means missing. A missing value encodes to 0.0 and sets its mask entry to 1.0,
    so a model can learn a separate weight for "missing" instead of confusing it with
    the mean. Encoded values are clipped to [-10, 10] standard deviations, so an
    extreme or infinite value at serving time cannot blow up the logit.

    Args:
        means: dict mapping each feature, in input order, to the training mean of the
            signed log.
        stds: dict mapping each feature to the training standard deviation of the
            signed log. Must be positive.

    Returns:
        A tuple `(values, missing)` of float32 tensors of shape `[batch, features]`.

    Example:

    >>> layer = NumericEncoding({"x": 0.0}, {"x": 1.0})
    >>> values, missing = layer({"x": tf.constant([0.0, float("nan"), -1.0])})
    >>> values.numpy().ravel().round(4), missing.numpy().ravel()
    (array([ 0.    ,  0.    , -0.6931], dtype=float32), array([0., 1., 0.], dtype=float32))
    """

    def __init__(self, means: dict[str, float], stds: dict[str, float], **kwargs):
        # Raw counts must reach the signed log in float32: bfloat16 keeps 8 significant
        # bits, so a mixed-precision policy would round 12345 to 12352 before the log.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if not means:
            raise ValueError(f"means must name at least one feature, got {means!r}.")
        if set(means) != set(stds):
            raise ValueError(
                f"means and stds must name the same features, got {sorted(means)} and "
                f"{sorted(stds)}."
            )
        bad = {name: std for name, std in stds.items() if not std > 0}
        if bad:
            raise ValueError(f"stds must be positive, got {bad}.")
        self.means = {name: float(value) for name, value in means.items()}
        self.stds = {name: float(stds[name]) for name in means}
        self.fields = list(self.means)

    def call(self, inputs: dict):
        raw = tf.stack(
            [tf.cast(tf.reshape(inputs[field], [-1]), tf.float32) for field in self.fields],
            axis=1,
        )
        missing = tf.math.is_nan(raw)
        signed_log = tf.sign(raw) * tf.math.log1p(tf.abs(raw))
        mean = tf.constant([self.means[field] for field in self.fields], tf.float32)
        std = tf.constant([self.stds[field] for field in self.fields], tf.float32)
        standardized = tf.clip_by_value((signed_log - mean) / std, -_CLIP, _CLIP)
        values = tf.where(missing, 0.0, standardized)
        return values, tf.cast(missing, tf.float32)

    def compute_output_shape(self, input_shape):
        return (None, len(self.fields)), (None, len(self.fields))

    def get_config(self):
        config = super().get_config()
        config.update(means=self.means, stds=self.stds)
        return config
