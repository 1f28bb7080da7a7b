"""The composite serving module: every stage head and the residual combination."""

import tensorflow as tf

from resfusion_tf.data.examples import feature_specs
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.residual.spaces import ResidualSpace


def stage_output_name(index: int, kind: str) -> str:
    """Returns the signature output name of a stage, such as `stage_0_gbdt_logit`."""
    return f"stage_{index}_{kind}_logit"


class CompositeModel(tf.Module):
    """Sums the stage heads in the residual space and serves raw features.

    `serve` takes one `[batch]` tensor per schema feature, named as the column:
    float32 with NaN for missing numeric values, string with "" for missing
    categorical values. It returns `probability` and `logit` of shape `[batch]`, and
    each stage's raw output as `stage_<i>_<kind>_logit`.

    The module tracks the TF-DF models (tf_keras) and the Keras 3 models, so
    `tf.saved_model.save` writes both heads, their variables and their assets.

    Args:
        schema: The feature schema of every stage.
        heads: `(kind, head)` pairs in stage order; see `resfusion_tf.fusion.heads`.
        space: Residual space that combines the stage outputs.
    """

    def __init__(self, schema: FeatureSchema, heads, space: ResidualSpace, name=None):
        super().__init__(name=name)
        if not heads:
            raise ValueError("CompositeModel needs at least one head, got none.")
        self.schema = schema
        self.kinds = [kind for kind, _ in heads]
        self.heads = [head for _, head in heads]
        self.space = space
        self.serve = tf.function(self._serve, input_signature=[feature_specs(schema)])

    def _serve(self, features):
        outputs = {}
        state = None
        for index, (kind, head) in enumerate(zip(self.kinds, self.heads)):
            stage_output = head(features)
            outputs[stage_output_name(index, kind)] = stage_output
            if state is None:
                state = self.space.initial_state(stage_output)
            else:
                state = self.space.combine(state, stage_output)
        outputs["logit"] = self.space.to_logit(state)
        outputs["probability"] = self.space.to_probability(state)
        return outputs
