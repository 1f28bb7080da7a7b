import keras
import pytest

from resfusion_tf.models.layers.mlp import MLP


def test_output_is_one_float32_logit_per_example():
    output = MLP(hidden_units=[4, 2], dropout=0.5)(keras.ops.ones((3, 5)), training=True)
    assert tuple(output.shape) == (3,)
    assert output.dtype == "float32"


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden_units=[0]), r"\[0\]"),
    (dict(dropout=1.0), "got 1.0"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_config_round_trip():
    layer = MLP(hidden_units=[3], dropout=0.1, l2=0.01)
    assert MLP.from_config(layer.get_config()).get_config() == layer.get_config()


def test_keras_file_round_trip(tmp_path):
    inputs = keras.Input(shape=(5,))
    model = keras.Model(inputs, MLP(hidden_units=[4], dropout=0.1)(inputs))
    features = keras.ops.convert_to_numpy(keras.random.normal((3, 5), seed=1))
    path = str(tmp_path / "mlp.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored.predict(features, verbose=0).tolist() == model.predict(features, verbose=0).tolist()
