"""Feature schema: which columns of a click log are the label, numeric and categorical.

A schema is the contract shared by every part of the pipeline. The readers use it to
parse files, the feature layers use it to build inputs, TF-DF uses it to name features,
and the exported SavedModel uses it to name its signature inputs.

Two schemas are built in (`criteo` and `avazu`). Any other CSV or TSV file is described
by a JSON file:

    {
      "name": "private",
      "label": "click",
      "numeric": ["f1", "f2"],
      "categorical": ["c1", "c2"],
      "columns": ["id", "click", "f1", "f2", "c1", "c2"],
      "delimiter": ",",
      "header": true
    }

`columns` lists every column in file order. It defaults to the label, then the numeric
columns, then the categorical columns. Columns in `columns` that are neither the label
nor a feature (such as `id` above) are read and ignored. `delimiter` defaults to ","
and `header` to true.
"""

import dataclasses
import json
import re
from typing import Any, Sequence

# TF-DF rejects feature names containing these characters, and TF Serving request
# builders mangle them. Names must also be non-empty.
_INVALID_NAME_PATTERN = re.compile(r"[\s?%,:/\\\"']")

_JSON_KEYS = frozenset(
    {"name", "label", "numeric", "categorical", "columns", "delimiter", "header"}
)


class SchemaError(ValueError):
    """Raised when a schema is inconsistent or its file cannot be read."""


@dataclasses.dataclass(frozen=True)
class FeatureSchema:
    """Column roles and file layout of one click-log format.

    Attributes:
        name: Short name used in logs and model cards.
        label: Name of the 0/1 label column.
        numeric: Names of numeric feature columns. Missing values are empty fields
            in files, and NaN in tensors.
        categorical: Names of categorical feature columns. Values stay raw strings.
            Missing values are empty strings.
        columns: Every column of the file in order, including the label and any
            ignored columns. Defaults to label, numeric, then categorical.
        delimiter: Field separator of the file. Defaults to ",".
        header: Whether the first line of each file is a header. Defaults to True.
    """

    name: str
    label: str
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    delimiter: str = ","
    header: bool = True

    def __post_init__(self):
        object.__setattr__(self, "numeric", tuple(self.numeric))
        object.__setattr__(self, "categorical", tuple(self.categorical))
        if not self.columns:
            default_columns = (self.label, *self.numeric, *self.categorical)
            object.__setattr__(self, "columns", default_columns)
        object.__setattr__(self, "columns", tuple(self.columns))
        _validate(self)

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in model order: numeric first, then categorical."""
        return (*self.numeric, *self.categorical)

    @property
    def ignored(self) -> tuple[str, ...]:
        """File columns that are neither the label nor a feature."""
        used = {self.label, *self.features}
        return tuple(column for column in self.columns if column not in used)

    def is_numeric(self, feature: str) -> bool:
        """Returns whether `feature` is a numeric feature of this schema."""
        return feature in self.numeric

    def to_json_dict(self) -> dict[str, Any]:
        """Returns the schema as the dict that `from_json_dict` reads."""
        return {
            "name": self.name,
            "label": self.label,
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "columns": list(self.columns),
            "delimiter": self.delimiter,
            "header": self.header,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any], source: str = "<dict>") -> "FeatureSchema":
        """Builds a schema from a parsed JSON object.

        Args:
            data: The parsed JSON object.
            source: File name used in error messages.

        Raises:
            SchemaError: if keys are unknown or missing, or the schema is inconsistent.
        """
        if not isinstance(data, dict):
            raise SchemaError(f"{source}: expected a JSON object, got {type(data).__name__}.")
        unknown = sorted(set(data) - _JSON_KEYS)
        if unknown:
            raise SchemaError(
                f"{source}: unknown schema keys {unknown}. Allowed keys: {sorted(_JSON_KEYS)}."
            )
        for required in ("label",):
            if required not in data:
                raise SchemaError(f"{source}: missing required key {required!r}.")
        if not data.get("numeric") and not data.get("categorical"):
            raise SchemaError(
                f"{source}: the schema names no features. "
                "Add column names to 'numeric' or 'categorical'."
            )
        try:
            return cls(
                name=str(data.get("name", "custom")),
                label=data["label"],
                numeric=tuple(data.get("numeric", ())),
                categorical=tuple(data.get("categorical", ())),
                columns=tuple(data.get("columns", ())),
                delimiter=data.get("delimiter", ","),
                header=bool(data.get("header", True)),
            )
        except SchemaError as error:
            raise SchemaError(f"{source}: {error}") from None


def _find_duplicates(names: Sequence[str]) -> list[str]:
    seen, duplicates = set(), []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def _validate(schema: FeatureSchema) -> None:
    """Raises SchemaError unless names are valid, unique and all present in `columns`."""
    roles = [schema.label, *schema.numeric, *schema.categorical]
    for name in roles + list(schema.columns):
        if not isinstance(name, str) or not name or _INVALID_NAME_PATTERN.search(name):
            raise SchemaError(
                f"Invalid column name {name!r}: names must be non-empty and contain no "
                "whitespace or any of ? % , : / \\ \" '. Rename the column in the schema "
                "and the file header."
            )

    duplicates = _find_duplicates(roles)
    if duplicates:
        raise SchemaError(
            f"Columns {duplicates} appear more than once across label, numeric and "
            "categorical. Give each column exactly one role."
        )
    duplicates = _find_duplicates(schema.columns)
    if duplicates:
        raise SchemaError(f"Columns {duplicates} appear more than once in 'columns'.")

    unknown = [name for name in roles if name not in schema.columns]
    if unknown:
        raise SchemaError(
            f"Columns {unknown} are not in 'columns' {list(schema.columns)}. "
            "List every file column in 'columns', in file order."
        )

    if len(schema.delimiter) != 1:
        raise SchemaError(
            f"delimiter must be one character, got {schema.delimiter!r}. "
            'Use "," for CSV or "\\t" for TSV.'
        )


def load_schema(path: str) -> FeatureSchema:
    """Reads a JSON schema file.

    Args:
        path: Path of the JSON file, in the format shown in this module's docstring.

    Raises:
        SchemaError: if the file is missing, is not valid JSON or is inconsistent.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise SchemaError(f"Schema file not found: {path}. Pass an existing --schema.") from None
    except json.JSONDecodeError as error:
        raise SchemaError(
            f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}."
        ) from None
    return FeatureSchema.from_json_dict(data, source=path)


CRITEO = FeatureSchema(
    name="criteo",
    label="label",
    numeric=tuple(f"I{i}" for i in range(1, 14)),
    categorical=tuple(f"C{i}" for i in range(1, 27)),
    delimiter="\t",
    header=False,
)

_AVAZU_CATEGORICAL = (
    "hour", "C1", "banner_pos", "site_id", "site_domain", "site_category", "app_id",
    "app_domain", "app_category", "device_id", "device_ip", "device_model",
    "device_type", "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20",
    "C21",
)

# Avazu's `id` column is an event id with no signal, so it is read and ignored.
AVAZU = FeatureSchema(
    name="avazu",
    label="click",
    categorical=_AVAZU_CATEGORICAL,
    columns=("id", "click", *_AVAZU_CATEGORICAL),
    delimiter=",",
    header=True,
)

BUILTIN_SCHEMAS = {"criteo": CRITEO, "avazu": AVAZU}


def get_builtin_schema(name: str) -> FeatureSchema:
    """Returns the built-in schema called `name`.

    Raises:
        SchemaError: if no built-in schema has that name.
    """
    if name not in BUILTIN_SCHEMAS:
        raise SchemaError(
            f"Unknown built-in schema {name!r}. Choose one of {sorted(BUILTIN_SCHEMAS)}, "
            "or pass --dataset=csv with --schema=FILE.json."
        )
    return BUILTIN_SCHEMAS[name]
