import numpy as np
import tensorflow as tf

from resfusion_tf.config import DataConfig
from resfusion_tf.data import streaming
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.residual import streaming_dataset
from resfusion_tf.residual.dataset import PREVIOUS_STATE_KEY
from resfusion_tf.residual.spaces import get_residual_space

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("n",), categorical=("c",),
                        delimiter="\t", header=False)


class _NumberHead(tf.Module):
    """Returns the numeric feature as the stage output, so states identify rows."""

    def __call__(self, features):
        return features["n"]


def _scanned(tmp_path, rows=2000):
    path = tmp_path / "a.tsv"
    path.write_bytes(b"".join(b"%d\t%d\tv%d\n" % (i % 2, i, i % 5) for i in range(rows)))
    config = DataConfig(dataset="csv", train_path=str(path), min_count=1)
    return streaming.scan(config, _SCHEMA, BadRowLog("error"), gbdt_max_rows=50)


def test_states_line_up_with_shuffled_rows(tmp_path):
    data = _scanned(tmp_path)
    space = get_residual_space("logit")
    path = streaming_dataset.write_states(_NumberHead(), data, "train", space, None,
                                          str(tmp_path / "train.f32"))
    inputs = streaming_dataset.StreamingInputs(data, path, None, np.zeros(0), 1000)

    train, _, _ = inputs.neural_inputs(batch_size=64, seed=0)

    numbers, states = [], []
    for features, _ in train:
        numbers.append(features["n"].numpy())
        states.append(features[PREVIOUS_STATE_KEY].numpy())
    numbers, states = np.concatenate(numbers), np.concatenate(states)
    np.testing.assert_array_equal(numbers, states)
    assert len(numbers) == data.counts["train"]
    assert not np.all(np.diff(numbers) > 0)


def test_sample_outputs_replace_head_on_sampled_rows(tmp_path):
    data = _scanned(tmp_path)
    space = get_residual_space("logit")
    table, positions = data.read_sample("train")
    replacement = -np.arange(len(table), dtype=np.float32) - 1

    path = streaming_dataset.write_states(_NumberHead(), data, "train", space, None,
                                          str(tmp_path / "train.f32"), replacement)

    states = np.asarray(streaming_dataset.read_states(path))
    np.testing.assert_array_equal(states[positions], replacement)
    others = np.setdiff1d(np.arange(states.size), positions)
    assert np.all(states[others] >= 0)


def test_states_combine_with_previous(tmp_path):
    data = _scanned(tmp_path)
    space = get_residual_space("logit")
    first = streaming_dataset.write_states(_NumberHead(), data, "valid", space, None,
                                           str(tmp_path / "v0.f32"))

    second = streaming_dataset.write_states(_NumberHead(), data, "valid", space, first,
                                            str(tmp_path / "v1.f32"))

    np.testing.assert_allclose(streaming_dataset.read_states(second),
                               2 * np.asarray(streaming_dataset.read_states(first)))


def test_encoder_runs_on_streamed_batches(tmp_path):
    data = _scanned(tmp_path)
    space = get_residual_space("logit")
    path = streaming_dataset.write_states(_NumberHead(), data, "train", space, None,
                                          str(tmp_path / "train.f32"))
    inputs = streaming_dataset.StreamingInputs(data, path, None, np.zeros(0), 1000)

    def encoder(features):
        return {"doubled": 2.0 * features["n"]}

    train, _, _ = inputs.neural_inputs(batch_size=64, seed=0, encoder=encoder)

    doubled, states = [], []
    for features, _ in train:
        assert set(features) == {"doubled", PREVIOUS_STATE_KEY}
        doubled.append(features["doubled"].numpy())
        states.append(features[PREVIOUS_STATE_KEY].numpy())
    np.testing.assert_array_equal(np.concatenate(doubled), 2.0 * np.concatenate(states))
    assert sum(map(len, doubled)) == data.counts["train"]
