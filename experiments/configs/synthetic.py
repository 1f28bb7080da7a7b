"""Synthetic Criteo-layout data with tiny models: the end-to-end smoke test of the runner."""

from experiments.configs.base import ExperimentConfig, base_data
from resfusion_tf.config import GBDTConfig, NeuralConfig, TrainConfig

CONFIG = ExperimentConfig(
    name="synthetic",
    train=TrainConfig(
        data=base_data("synthetic", synthetic_rows=600),
        gbdt=GBDTConfig(num_trees=5, leaf_num_trees=3),
        neural=NeuralConfig(embedding_dim=4, hidden_units=(8,), epochs=1, batch_size=128),
        cross_fit_folds=2,
    ),
    k_iterations=(0, 1),
    notes="Generated rows (resfusion_tf/data/synthetic.py); tests wiring, not accuracy.",
)
