"""The model zoo of the ResFusion comparison: each model name as a sequence of stages.

Every model is a pipeline of stage kinds (`resfusion_tf.config.STAGE_KINDS`), so one
`fit_pipeline` trains it and one composite SavedModel serves it. `resfusion-train
--model=NAME` and `experiments/run.py` both read this table.
"""

# Paper names, in the row order of the comparison table.
ZOO_MODELS: dict[str, tuple[str, ...]] = {
    "LR": ("lr",),
    "FM": ("fm",),
    "DNN": ("dnn",),
    "DeepFM": ("deepfm",),
    "GBDT": ("gbdt",),
    "GBDT+LR": ("gbdt_lr",),
    "GBDT2DNN": ("gbdt2dnn",),
    "GBDT2DeepFM": ("gbdt2deepfm",),
    "GBDT+DeepFM": ("gbdt_deepfm_average",),
    "DeepFMRes+GBDT": ("deepfm", "gbdt"),
    "GBDTRes+DNN": ("gbdt", "dnn"),
    "GBDTRes+DeepFM": ("gbdt", "deepfm"),
}

# The learners that the residual iterations of ResFusion alternate between.
_RESFUSION_LEARNERS = ("gbdt", "deepfm")


def model_stages(name: str) -> tuple[str, ...]:
    """Returns the stage kinds of the zoo model `name`, such as ("gbdt", "deepfm").

    Raises:
        ValueError: for a name that is not in `ZOO_MODELS`.
    """
    if name not in ZOO_MODELS:
        raise ValueError(f"Unknown zoo model {name!r}; choose one of {list(ZOO_MODELS)}.")
    return ZOO_MODELS[name]


def resfusion_stages(iterations: int) -> tuple[str, ...]:
    """Returns ResFusion with `iterations` residual stages: a GBDT, then alternating learners.

    K = 0 is the GBDT alone, K = 1 is GBDT then DeepFM, K = 3 is
    gbdt, deepfm, gbdt, deepfm.

    Raises:
        ValueError: if `iterations` is negative.
    """
    if iterations < 0:
        raise ValueError(f"iterations must be 0 or more, got {iterations}.")
    return tuple(_RESFUSION_LEARNERS[index % 2] for index in range(iterations + 1))
