"""Multi-layer perceptron ending in one float32 logit."""

import keras


@keras.saving.register_keras_serializable(package="resfusion_tf")
class MLP(keras.layers.Layer):
    """Dense ReLU layers with dropout, then a linear unit that outputs a logit.

    Args:
        hidden_units: list of int, width of each hidden layer. Defaults to (256, 128).
        dropout: float in [0, 1), dropout rate after each hidden layer. Defaults to 0.0.
        l2: float, L2 penalty on the hidden kernels. Defaults to 0.0.

    Input shape: `[batch, features]`. Output shape: `[batch]`, float32 even under a
    mixed-precision policy.

    Example:

    >>> MLP(hidden_units=[8, 4])(keras.ops.ones((2, 3))).shape
    TensorShape([2])
    """

    def __init__(self, hidden_units=(256, 128), dropout: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        hidden_units = [int(units) for units in hidden_units]
        if any(units < 1 for units in hidden_units):
            raise ValueError(f"hidden_units must be positive, got {hidden_units}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.l2 = l2
        regularizer = keras.regularizers.L2(l2) if l2 else None
        self.hidden_layers = []
        for i, units in enumerate(hidden_units):
            self.hidden_layers.append(keras.layers.Dense(
                units, activation="relu", kernel_regularizer=regularizer,
                name=f"hidden_{i}"))
            if dropout:
                self.hidden_layers.append(keras.layers.Dropout(dropout, name=f"dropout_{i}"))
        self.output_layer = keras.layers.Dense(1, dtype="float32", name="logit")

    def build(self, input_shape):
        # Building the sublayers here, not lazily in call(), lets `.keras` loading
        # restore their weights: Keras builds a loaded layer from its input shape only.
        shape = tuple(input_shape)
        for layer in self.hidden_layers:
            if isinstance(layer, keras.layers.Dense):
                layer.build(shape)
                shape = shape[:-1] + (layer.units,)
        self.output_layer.build(shape)
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.hidden_layers:
            x = layer(x, training=training)
        return keras.ops.squeeze(self.output_layer(x), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_units=self.hidden_units, dropout=self.dropout, l2=self.l2)
        return config
