"""Parameter counts of trained stages, for comparing models of different kinds."""

from resfusion_tf.fusion.stage import Stage


def count_parameters(stage: Stage) -> int:
    """Returns the size of a trained stage.

    Keras parts count their weights (`count_params()`); tree parts count their nodes,
    splits and leaves, because each node stores one test or one output value.

    Raises:
        TypeError: for a stage kind this function cannot count.
    """
    from resfusion_tf.fusion.ensemble import EnsembleStage
    from resfusion_tf.gbdt.leaf_stage import LeafStage
    from resfusion_tf.gbdt.stage import GBDTStage
    from resfusion_tf.gbdt.trees import forest_size
    from resfusion_tf.models.stage import NeuralStage

    if isinstance(stage, GBDTStage):
        return forest_size(stage.model).num_nodes
    if isinstance(stage, NeuralStage):
        return int(stage.model.count_params())
    if isinstance(stage, LeafStage):
        return int(stage.num_parameters())
    if isinstance(stage, EnsembleStage):
        return sum(count_parameters(member) for member in stage.members)
    raise TypeError(f"Cannot count the parameters of stage {stage!r} of kind {stage.kind!r}.")
