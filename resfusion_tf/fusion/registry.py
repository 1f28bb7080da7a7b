"""Stage kinds of a ResFusion pipeline and how to build each one."""

from resfusion_tf.config import STAGE_KINDS
from resfusion_tf.fusion.stage import Stage


def make_stage(kind: str) -> Stage:
    """Returns an untrained stage of `kind`, one of `STAGE_KINDS`.

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
    if kind in ("lr", "fm"):
        from resfusion_tf.models.fm import build_fm
        from resfusion_tf.models.lr import build_lr
        from resfusion_tf.models.stage import NeuralStage

        return NeuralStage(kind, build_lr if kind == "lr" else build_fm)
    if kind in ("gbdt_lr", "gbdt2dnn", "gbdt2deepfm"):
        from resfusion_tf.gbdt.leaf_stage import LeafStage
        from resfusion_tf.models.gbdt2deepfm import build_gbdt2deepfm
        from resfusion_tf.models.gbdt2dnn import build_gbdt2dnn
        from resfusion_tf.models.gbdt_lr import build_gbdt_lr

        builders = {"gbdt_lr": build_gbdt_lr, "gbdt2dnn": build_gbdt2dnn,
                    "gbdt2deepfm": build_gbdt2deepfm}
        return LeafStage(kind, builders[kind])
    if kind == "gbdt_deepfm_average":
        from resfusion_tf.fusion.ensemble import EnsembleStage

        return EnsembleStage(kind, [make_stage("gbdt"), make_stage("deepfm")])
    raise ValueError(f"Unknown stage kind {kind!r}; choose one of {STAGE_KINDS}.")
