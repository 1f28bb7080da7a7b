import json

import pytest

from resfusion_tf.data import schema as schema_lib


def test_criteo_layout():
    criteo = schema_lib.CRITEO
    assert criteo.columns[0] == "label"
    assert criteo.numeric == tuple(f"I{i}" for i in range(1, 14))
    assert criteo.categorical == tuple(f"C{i}" for i in range(1, 27))
    assert criteo.delimiter == "\t"
    assert not criteo.header


def test_avazu_ignores_id():
    avazu = schema_lib.AVAZU
    assert avazu.label == "click"
    assert avazu.ignored == ("id",)
    assert "id" not in avazu.features
    assert len(avazu.columns) == 24


def test_json_round_trip(tmp_path):
    path = tmp_path / "schema.json"
    data = {
        "name": "private",
        "label": "click",
        "numeric": ["n1", "n2"],
        "categorical": ["c1"],
        "columns": ["id", "click", "n1", "n2", "c1"],
        "delimiter": "\t",
    }
    path.write_text(json.dumps(data))

    loaded = schema_lib.load_schema(str(path))

    assert loaded.features == ("n1", "n2", "c1")
    assert loaded.ignored == ("id",)
    assert loaded.delimiter == "\t"
    assert loaded.header is True
    assert schema_lib.FeatureSchema.from_json_dict(loaded.to_json_dict()) == loaded


def test_columns_default_to_roles():
    schema = schema_lib.FeatureSchema(name="x", label="y", numeric=("a",), categorical=("b",))
    assert schema.columns == ("y", "a", "b")


def test_private_dataset_shape_needs_no_code(tmp_path):
    numeric = [f"n{i}" for i in range(131)]
    categorical = [f"c{i}" for i in range(18)]
    path = tmp_path / "private.json"
    path.write_text(json.dumps({"label": "y", "numeric": numeric, "categorical": categorical}))

    loaded = schema_lib.load_schema(str(path))

    assert len(loaded.numeric) == 131
    assert len(loaded.categorical) == 18


@pytest.mark.parametrize(
    "data, message",
    [
        ({"label": "y", "numeric": ["a", "a"]}, "more than once"),
        ({"label": "y", "numeric": ["a"], "categorical": ["a"]}, "more than once"),
        ({"label": "y", "numeric": ["a"], "columns": ["y"]}, "not in 'columns'"),
        ({"label": "y", "numeric": ["a"], "bogus": 1}, "unknown schema keys"),
        ({"label": "y"}, "names no features"),
        ({"numeric": ["a"]}, "missing required key 'label'"),
        ({"label": "y", "numeric": ["bad name"]}, "Invalid column name 'bad name'"),
        ({"label": "y", "numeric": ["a%"]}, "Invalid column name 'a%'"),
        ({"label": "y", "numeric": ["a?"]}, "Invalid column name"),
        ({"label": "y", "numeric": ["a,b"]}, "Invalid column name"),
        ({"label": "y", "numeric": ["a"], "delimiter": ";;"}, "one character"),
    ],
)
def test_invalid_schema_rejected(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))

    with pytest.raises(schema_lib.SchemaError) as error:
        schema_lib.load_schema(str(path))

    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"label": "y",\n "numeric": [}')

    with pytest.raises(schema_lib.SchemaError, match=r"broken.json:2:"):
        schema_lib.load_schema(str(path))


def test_missing_schema_file():
    with pytest.raises(schema_lib.SchemaError, match="not found"):
        schema_lib.load_schema("/nonexistent/schema.json")


def test_unknown_builtin_schema():
    with pytest.raises(schema_lib.SchemaError, match="'kdd'"):
        schema_lib.get_builtin_schema("kdd")
