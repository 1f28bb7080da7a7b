"""iPinYou: RTB impressions of one advertiser, 15 categorical features, 0.64% clicks."""

import os

from experiments.configs.base import EXPERIMENTS_DIR, ExperimentConfig, base_data
from resfusion_tf.config import GBDTConfig, NeuralConfig, TrainConfig

CONFIG = ExperimentConfig(
    name="ipinyou",
    sample_file="ipinyou/ipinyou_sample.csv",
    train=TrainConfig(
        data=base_data("csv", schema_path=os.path.join(EXPERIMENTS_DIR, "schemas", "ipinyou.json"),
                       min_count=2),
        gbdt=GBDTConfig(num_trees=200, max_depth=6, shrinkage=0.1, min_examples=20,
                        max_vocab_count=100, early_stopping_num_trees_look_ahead=20,
                        leaf_num_trees=30),
        neural=NeuralConfig(embedding_dim=16, hidden_units=(256, 128), dropout=0.1, l2=1e-5,
                            learning_rate=1e-3, batch_size=1024, epochs=5,
                            early_stopping_patience=1),
        cross_fit_folds=2,
    ),
    notes=("Sample of advertiser 2997 (33,595 rows, 0.66% clicks), categorical features only. "
           "The 10% test split holds only about 20 clicks, so AUC differences of a few points "
           "are within its sampling noise, which the std over model seeds does not show."),
)
