"""Avazu: Kaggle CTR Prediction, 22 categorical features."""

from experiments.configs.base import ExperimentConfig, base_data
from resfusion_tf.config import GBDTConfig, NeuralConfig, TrainConfig

# Same model sizes as the Criteo config. `min_count=2` keeps more values, because the
# 7,007-row sample would leave most ids in the OOV bucket with the default of 5.
CONFIG = ExperimentConfig(
    name="avazu",
    sample_file="avazu/avazu_sample.csv",
    train=TrainConfig(
        data=base_data("avazu", min_count=2),
        gbdt=GBDTConfig(num_trees=200, max_depth=6, shrinkage=0.1, min_examples=20,
                        max_vocab_count=100, early_stopping_num_trees_look_ahead=20,
                        leaf_num_trees=30),
        neural=NeuralConfig(embedding_dim=16, hidden_units=(256, 128), dropout=0.1, l2=1e-5,
                            learning_rate=1e-3, batch_size=256, epochs=5,
                            early_stopping_patience=1),
        cross_fit_folds=2,
    ),
    notes=("Sample of the start of the Kaggle train file (7,007 rows, 17.3% positives). Every "
           "row is from hour 14102100, so `hour` is constant and the sample covers one hour, "
           "not the 10 days of the full data."),
)
