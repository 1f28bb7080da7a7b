"""Structure of a trained TF-DF forest: node and leaf counts."""

import dataclasses

import tensorflow_decision_forests as tfdf


@dataclasses.dataclass(frozen=True)
class ForestSize:
    """Node counts of a trained forest.

    Attributes:
        num_trees: Number of trees.
        num_nodes: Number of nodes of all trees, splits and leaves.
        max_leaves_per_tree: Largest number of leaves of any tree.
    """

    num_trees: int
    num_nodes: int
    max_leaves_per_tree: int


def forest_size(model) -> ForestSize:
    """Counts the trees, nodes and leaves of a trained TF-DF model.

    Args:
        model: A trained `tfdf.keras` tree model.
    """
    inspector = model.make_inspector()
    leaves_per_tree = [0] * inspector.num_trees()
    num_nodes = 0
    for item in inspector.iterate_on_nodes():
        num_nodes += 1
        if isinstance(item.node, tfdf.py_tree.node.LeafNode):
            leaves_per_tree[item.tree_idx] += 1
    return ForestSize(num_trees=len(leaves_per_tree), num_nodes=num_nodes,
                      max_leaves_per_tree=max(leaves_per_tree, default=0))
