import keras
import numpy as np
import pytest
import tensorflow as tf

from resfusion_tf.models.fused_adam import FusedAdam


def _train_dense_model(optimizer, steps: int = 5) -> list[np.ndarray]:
    """Trains a tiny two-layer model and returns its weights."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    features = np.array([[0.0, 1.0, 2.0], [2.0, -3.0, 1.0], [1.0, 4.0, -1.0]], np.float32)
    targets = np.array([[1.0], [-1.0], [0.5]], np.float32)
    for _ in range(steps):
        model.train_on_batch(features, targets)
    return [np.asarray(weight) for weight in model.get_weights()]


_SCHEDULE = {"class_name": "ExponentialDecay",
             "config": {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}}


@pytest.mark.parametrize("arguments", [
    {},
    {"learning_rate": _SCHEDULE},
    {"weight_decay": 0.05},
    {"clipnorm": 0.01},
    {"global_clipnorm": 0.01},
    {"use_ema": True, "ema_overwrite_frequency": 2},
    {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3},
], ids=["plain", "schedule", "weight_decay", "clipnorm", "global_clipnorm", "ema", "betas"])
def test_matches_keras_adam_on_dense_gradients(arguments):
    def make(optimizer_class):
        kwargs = {"learning_rate": 0.1, **arguments}
        if isinstance(kwargs["learning_rate"], dict):
            kwargs["learning_rate"] = keras.optimizers.schedules.deserialize(kwargs["learning_rate"])
        return optimizer_class(**kwargs)

    expected = _train_dense_model(make(keras.optimizers.Adam))
    actual = _train_dense_model(make(FusedAdam))

    for want, got in zip(expected, actual):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_matches_keras_adam_under_loss_scaling():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        expected = _train_dense_model(keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(learning_rate=0.1)))
        actual = _train_dense_model(keras.optimizers.LossScaleOptimizer(
            FusedAdam(learning_rate=0.1)))
    finally:
        keras.mixed_precision.set_dtype_policy("float32")

    for want, got in zip(expected, actual):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_sums_repeated_embedding_rows_before_squaring():
    # Row 0 gets gradients 1 and 2 from two examples of the batch, so its gradient is 3
    # and its second moment after one step is (1 - 0.999) * 3^2 = 0.009. Keras 3.15's
    # Adam squares the two slices before adding them, and stores 0.005.
    table = keras.Variable(np.zeros((3, 1), np.float32))
    gradient = tf.IndexedSlices(values=tf.constant([[1.0], [2.0], [0.5]]),
                                indices=tf.constant([0, 0, 2]), dense_shape=tf.constant([3, 1]))
    optimizer = FusedAdam(learning_rate=0.1)
    keras_table = keras.Variable(np.zeros((3, 1), np.float32))
    keras_optimizer = keras.optimizers.Adam(learning_rate=0.1)

    optimizer.apply([gradient], [table])
    keras_optimizer.apply([gradient], [keras_table])

    np.testing.assert_allclose(optimizer._velocities[0].numpy().ravel(), [0.009, 0.0, 0.00025],
                               rtol=1e-4)
    np.testing.assert_allclose(optimizer._momentums[0].numpy().ravel(), [0.3, 0.0, 0.05],
                               rtol=1e-4)
    # Keras' own second moment for row 0, as the class docstring states. If a Keras
    # upgrade fixes it, this check fails and the docstring needs updating.
    np.testing.assert_allclose(keras_optimizer._velocities[0].numpy().ravel()[0], 0.005,
                               rtol=1e-4)


def test_one_step_matches_hand_computed_update():
    variable = keras.Variable(np.array([1.0, -2.0], np.float32))
    optimizer = FusedAdam(learning_rate=0.5, epsilon=0.0)

    optimizer.apply([tf.constant([0.25, -4.0])], [variable])

    # After one step m_hat / sqrt(v_hat) = g / |g|, so every entry moves by lr * sign(g).
    np.testing.assert_allclose(variable.numpy(), [0.5, -1.5], rtol=1e-5)


def test_rejects_amsgrad():
    with pytest.raises(ValueError, match="amsgrad=True"):
        FusedAdam(amsgrad=True)


def test_config_round_trips():
    optimizer = FusedAdam(learning_rate=0.02, beta_1=0.8, epsilon=1e-6)

    restored = FusedAdam.from_config(optimizer.get_config())

    assert isinstance(restored, FusedAdam)
    assert restored.get_config() == optimizer.get_config()
