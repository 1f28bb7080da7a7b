import pytest

from resfusion_tf.config import DataConfig, TrainConfig


def test_defaults_are_valid():
    TrainConfig().validate()


@pytest.mark.parametrize("name, value", [
    ("eval_fraction", 1.5),
    ("eval_fraction", 1.0),
    ("eval_fraction", -0.1),
    ("validation_fraction", 1.0),
])
def test_rejects_holdout_fraction_outside_unit_interval(name, value):
    config = TrainConfig(data=DataConfig(**{name: value}))

    with pytest.raises(ValueError, match=rf"--{name} must be in \[0, 1\), got {value}"):
        config.validate()


def test_rejects_train_path_with_synthetic_dataset():
    config = TrainConfig(data=DataConfig(train_path="criteo_sample.tsv"))

    with pytest.raises(ValueError, match="ignored by --dataset=synthetic") as raised:
        config.validate()

    assert "--dataset=criteo" in str(raised.value)


def test_accepts_train_path_with_file_dataset():
    TrainConfig(data=DataConfig(dataset="criteo", train_path="criteo_sample.tsv")).validate()
