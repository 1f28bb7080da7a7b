import tensorflow_decision_forests as tfdf

from resfusion_tf.config import GBDTConfig
from resfusion_tf.gbdt.stage import build_gbdt_model, make_tfdf_dataset
from resfusion_tf.gbdt.trees import forest_size
from resfusion_tf.models.model_testing import tiny_table


def test_forest_size_counts_binary_trees():
    table = tiny_table("mixed", rows=300)
    model = build_gbdt_model(GBDTConfig(num_trees=4, min_examples=5),
                             tfdf.keras.Task.CLASSIFICATION, seed=0)
    model.fit(make_tfdf_dataset(table, table.labels), verbose=0)
    size = forest_size(model)
    assert size.num_trees == model.make_inspector().num_trees()
    assert size.max_leaves_per_tree >= 2
    # Every split has two children, so each tree has one more leaf than splits and
    # the forest has an odd number of nodes per tree.
    assert size.num_nodes >= size.num_trees * 3
    assert (size.num_nodes - size.num_trees) % 2 == 0
