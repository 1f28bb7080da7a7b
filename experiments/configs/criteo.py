"""Criteo: Kaggle Display Advertising Challenge, 13 numeric and 26 categorical features."""

from experiments.configs.base import ExperimentConfig, base_data
from resfusion_tf.config import GBDTConfig, NeuralConfig, TrainConfig

# Sized so that 12 models x 3 seeds plus the K study run in about 30 minutes on 2
# shared CPU cores for the 17,920-row sample. It caps trees at 200 and epochs at 5, and
# uses 2 cross-fitting folds instead of the library default of 3.
CONFIG = ExperimentConfig(
    name="criteo",
    sample_file="criteo/criteo_sample.tsv",
    train=TrainConfig(
        data=base_data("criteo"),
        gbdt=GBDTConfig(num_trees=200, max_depth=6, shrinkage=0.1, min_examples=20,
                        max_vocab_count=100, early_stopping_num_trees_look_ahead=20,
                        leaf_num_trees=30,
                        # The committed tables predate discretization as the default.
                        discretize_numerical_features=False),
        neural=NeuralConfig(embedding_dim=16, hidden_units=(256, 128), dropout=0.1, l2=1e-5,
                            learning_rate=1e-3, batch_size=512, epochs=5,
                            early_stopping_patience=1),
        cross_fit_folds=2,
    ),
    notes=("Sample of the Kaggle train.txt (17,920 rows, 23.5% positives); rows from several "
           "public copies, not a contiguous time range."),
)
