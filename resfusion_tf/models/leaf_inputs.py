"""The extra Keras input that carries GBDT leaf indices into a network."""

import dataclasses

import keras

# Name of the int32 `[batch, num_trees]` input of the leaf-index networks.
LEAVES_KEY = "gbdt_leaves"


@dataclasses.dataclass(frozen=True)
class LeafShape:
    """Size of the leaf input of a network.

    Attributes:
        num_trees: Number of trees, one categorical field each.
        leaves_per_tree: Largest number of leaves of any tree.
    """

    num_trees: int
    leaves_per_tree: int


def make_leaf_input(shape: LeafShape) -> keras.KerasTensor:
    """Returns the int32 `keras.Input` of leaf indices, named `LEAVES_KEY`."""
    return keras.Input(shape=(shape.num_trees,), dtype="int32", name=LEAVES_KEY)
