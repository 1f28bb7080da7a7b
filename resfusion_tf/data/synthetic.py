"""Synthetic click log in the Criteo layout, with structure planted for both learners.

Real Criteo and Avazu files cannot be redistributed, so the default job trains on this
generator. Each row has a label, 13 integer features I1..I13 and 26 categorical
features C1..C26 written as 8-hex-digit hashes, like Kaggle's `train.txt`.

The click logit is the sum of:
  * threshold effects on numeric counts, which trees find easily:
    +1.2 if I1 >= 1, -1.0 if I3 > 150, +0.8 if 20 <= I7 <= 120, and +0.6 if I2 < 0;
  * pairwise categorical interactions, which an FM models with a dot product of
    embeddings and trees need many splits for: <u(C1), v(C2)>, <u(C3), v(C4)> and
    <u(C5), v(C6)> with 4-dimensional latent vectors of scale 0.6;
  * small per-category main effects on C7..C10;
  * a bias chosen so that about a quarter of the rows are clicks.
C11..C26 and I8..I13 are noise. About 20% of numeric values and 5% of categorical
values are missing (empty fields), as in Criteo.
"""

import numpy as np

from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import CRITEO

_CARDINALITIES = (20, 50, 30, 40, 25, 60, 100, 40, 100, 60) + (50,) * 16
_INTERACTION_PAIRS = (("C1", "C2"), ("C3", "C4"), ("C5", "C6"))
_MAIN_EFFECT_FIELDS = ("C7", "C8", "C9", "C10")
_LATENT_DIM = 4
_LATENT_SCALE = 0.6
_BIAS = -1.9


def _zipf_indices(rng: np.random.Generator, cardinality: int, size: int) -> np.ndarray:
    """Draws category indices with a Zipf-like head, as in real click logs."""
    weights = 1.0 / np.arange(1, cardinality + 1) ** 1.1
    return rng.choice(cardinality, size=size, p=weights / weights.sum())


def _category_names(rng: np.random.Generator, cardinality: int) -> np.ndarray:
    codes = rng.choice(2**32, size=cardinality, replace=False)
    return np.array([f"{code:08x}" for code in codes], dtype=object)


def _numeric_columns(rng: np.random.Generator, num_rows: int) -> dict[str, np.ndarray]:
    columns = {}
    for i, name in enumerate(CRITEO.numeric):
        scale = 10.0 ** (i % 4)
        values = np.floor(rng.exponential(scale, size=num_rows)).astype(np.float32)
        if name == "I2":
            values -= 2.0  # Criteo's I2 can be negative.
        values[rng.random(num_rows) < 0.2] = np.nan
        columns[name] = values
    return columns


def _numeric_logit(columns: dict[str, np.ndarray]) -> np.ndarray:
    def above(name, threshold):
        return np.nan_to_num(columns[name], nan=-np.inf) > threshold

    i7 = columns["I7"]
    logit = 1.2 * above("I1", 0.5) - 1.0 * above("I3", 150)
    logit += 0.8 * ((i7 >= 20) & (i7 <= 120))
    logit += 0.6 * (np.nan_to_num(columns["I2"], nan=0.0) < 0)
    return logit


def _categorical_columns(structure_rng, row_rng, num_rows):
    """Returns per-field category indices of each row and the hash string of each index."""
    indices, names = {}, {}
    for name, cardinality in zip(CRITEO.categorical, _CARDINALITIES):
        names[name] = _category_names(structure_rng, cardinality)
        indices[name] = _zipf_indices(row_rng, cardinality, num_rows)
    return indices, names


def _cardinality(field: str) -> int:
    return _CARDINALITIES[CRITEO.categorical.index(field)]


def _categorical_logit(rng, indices) -> np.ndarray:
    logit = np.zeros(len(next(iter(indices.values()))))
    for left, right in _INTERACTION_PAIRS:
        u = rng.normal(0.0, _LATENT_SCALE, (_cardinality(left), _LATENT_DIM))
        v = rng.normal(0.0, _LATENT_SCALE, (_cardinality(right), _LATENT_DIM))
        logit += np.sum(u[indices[left]] * v[indices[right]], axis=1)
    for name in _MAIN_EFFECT_FIELDS:
        effects = rng.normal(0.0, 0.4, _cardinality(name))
        logit += effects[indices[name]]
    return logit


def generate(num_rows: int, seed: int = 0) -> ExampleTable:
    """Generates `num_rows` synthetic rows in the Criteo schema.

    The planted structure (see the module docstring) depends only on `seed`, and rows
    are i.i.d., so the first k rows of `generate(n, seed)` follow the same distribution
    as any other k rows.

    Args:
        num_rows: Number of rows, at least 1.
        seed: Seed of the structure and of the rows. Defaults to 0.

    Raises:
        ValueError: if `num_rows` is below 1.
    """
    if num_rows < 1:
        raise ValueError(f"num_rows must be at least 1, got {num_rows}.")
    structure_rng = np.random.default_rng([seed, 0])
    row_rng = np.random.default_rng([seed, 1])

    numeric = _numeric_columns(row_rng, num_rows)
    indices, names = _categorical_columns(structure_rng, row_rng, num_rows)

    logit = _BIAS + _numeric_logit(numeric) + _categorical_logit(structure_rng, indices)
    labels = (row_rng.random(num_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)

    features = dict(numeric)
    for name in CRITEO.categorical:
        values = names[name][indices[name]].copy()
        values[row_rng.random(num_rows) < 0.05] = ""
        features[name] = values
    return ExampleTable(CRITEO, features, labels)


def write_tsv(table: ExampleTable, path: str) -> None:
    """Writes a Criteo-schema table as a raw Criteo TSV file (no header)."""
    with open(path, "w", encoding="utf-8") as handle:
        for row in range(len(table)):
            fields = [str(int(table.labels[row]))]
            for name in CRITEO.numeric:
                value = table.features[name][row]
                fields.append("" if np.isnan(value) else str(int(value)))
            fields.extend(table.features[name][row] for name in CRITEO.categorical)
            handle.write("\t".join(fields) + "\n")
