import pytest

from experiments.configs import CONFIGS, get_config
from experiments.configs.base import SPLIT_PROTOCOLS


@pytest.mark.parametrize("name", ["criteo", "avazu", "ipinyou"])
def test_dataset_configs_read_their_sample(name):
    config = get_config(name).with_data()
    assert config.train.data.train_path.endswith(CONFIGS[name].sample_file)
    assert config.train.data.eval_fraction == 0.1
    config.train.validate()


def test_bars_split_is_eight_one_one():
    data = get_config("criteo").with_data("/data/train.txt", split="bars_x4").train.data
    assert data.train_path == "/data/train.txt"
    train_share = (1 - data.eval_fraction) * (1 - data.validation_fraction)
    assert train_share == pytest.approx(0.8)
    assert set(SPLIT_PROTOCOLS) == {"paper", "bars_x4"}


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="'kdd12'"):
        get_config("kdd12")
    with pytest.raises(ValueError, match="'random'"):
        get_config("criteo").with_data(split="random")
