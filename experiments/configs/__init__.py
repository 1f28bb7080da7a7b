"""One typed experiment config per dataset."""

from experiments.configs import avazu, criteo, ipinyou, synthetic
from experiments.configs.base import SPLIT_PROTOCOLS, ExperimentConfig

CONFIGS: dict[str, ExperimentConfig] = {
    config.name: config
    for config in (criteo.CONFIG, avazu.CONFIG, ipinyou.CONFIG, synthetic.CONFIG)
}


def get_config(name: str) -> ExperimentConfig:
    """Returns the experiment config of dataset `name`.

    Raises:
        ValueError: for an unknown dataset.
    """
    if name not in CONFIGS:
        raise ValueError(f"Unknown experiment dataset {name!r}; choose one of {list(CONFIGS)}.")
    return CONFIGS[name]
