"""Stage kinds of a ResFusion pipeline and how to build each one."""

from resfusion_tf.fusion.stage import Stage


def make_stage(kind: str) -> Stage:
    """Returns an untrained stage of `kind` ("gbdt", "deepfm" or "dnn").

    Raises:
        ValueError: for an unknown kind.
    """
    if kind == "gbdt":
        from resfusion_tf.gbdt.stage import GBDTStage

        return GBDTStage()
    if kind == "deepfm":
        from resfusion_tf.models.deepfm import build_deepfm
        from resfusion_tf.models.stage import NeuralStage

        return NeuralStage("deepfm", build_deepfm)
    if kind == "dnn":
        from resfusion_tf.models.dnn import build_dnn
        from resfusion_tf.models.stage import NeuralStage

        return NeuralStage("dnn", build_dnn)
    raise ValueError(f"Unknown stage kind {kind!r}; choose gbdt, deepfm or dnn.")
