"""The typed experiment config and the split protocols shared by every dataset."""

import dataclasses
import os

from resfusion_tf.config import DataConfig, TrainConfig

EXPERIMENTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(EXPERIMENTS_DIR)
# The real-data samples live beside the checkout and are not part of the project.
SHARED_DATA_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")

# Split protocols: (evaluation fraction of all rows, validation fraction of the rest).
# "paper": the ResFusion paper's random 90/10 train/test split; 10% of the training
# part is then held out for early stopping and model selection.
# "bars_x4": a random 8:1:1 train/validation/test split, the proportions of the
# public BARS Criteo_x4 and Avazu_x4 benchmarks. BARS ships fixed files; this is a
# random split in the same proportions, not those files.
SPLIT_PROTOCOLS = {
    "paper": (0.1, 0.1),
    "bars_x4": (0.1, 1.0 / 9.0),
}


@dataclasses.dataclass
class ExperimentConfig:
    """One dataset's experiment: the data, every model's hyperparameters and the K study.

    Attributes:
        name: Dataset name, also the results folder name.
        train: Hyperparameters shared by every model. `stages`, `seed` and
            `model_dir` are set per run by the runner.
        sample_file: Default data file, relative to the shared data folder beside
            the checkout. Empty for synthetic data.
        k_iterations: Residual iterations K of the Table 3 study. Defaults to
            (0, 1, 2, 3).
        notes: Facts about the data that a reader of the tables needs.
    """

    name: str
    train: TrainConfig
    sample_file: str = ""
    k_iterations: tuple[int, ...] = (0, 1, 2, 3)
    notes: str = ""

    def with_data(self, train_path: str = "", eval_path: str = "",
                  split: str = "paper") -> "ExperimentConfig":
        """Returns a copy that reads `train_path` (default: the sample) with a split protocol.

        Args:
            train_path: Files or globs to read, such as the full Kaggle `train.txt`.
                Defaults to "", the dataset's sample under the shared data folder.
            eval_path: Separate test files. Defaults to "", a random holdout.
            split: A key of `SPLIT_PROTOCOLS`. Defaults to "paper".

        Raises:
            ValueError: for an unknown split protocol.
        """
        if split not in SPLIT_PROTOCOLS:
            raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLIT_PROTOCOLS)}.")
        eval_fraction, validation_fraction = SPLIT_PROTOCOLS[split]
        data = self.train.data
        if not train_path and self.sample_file:
            train_path = os.path.join(SHARED_DATA_DIR, self.sample_file)
        data = dataclasses.replace(
            data, train_path=train_path or data.train_path, eval_path=eval_path,
            eval_fraction=eval_fraction, validation_fraction=validation_fraction)
        return dataclasses.replace(self, train=dataclasses.replace(self.train, data=data))


def base_data(dataset: str, **overrides) -> DataConfig:
    """Returns the DataConfig of `dataset` with the "paper" split protocol and split seed 0."""
    eval_fraction, validation_fraction = SPLIT_PROTOCOLS["paper"]
    return DataConfig(dataset=dataset, eval_fraction=eval_fraction,
                      validation_fraction=validation_fraction, split_seed=0, **overrides)
