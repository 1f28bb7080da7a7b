"""TFDS builders `criteo` and `avazu` over the raw Kaggle files.

Importing this package registers both builders with TFDS.
"""

from resfusion_tf.data.tfds_builders.avazu import Avazu
from resfusion_tf.data.tfds_builders.criteo import Criteo

BUILDERS = {"criteo": Criteo, "avazu": Avazu}
