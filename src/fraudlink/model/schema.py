"""Table schemas as data: one source of truth for simulate, ingest, store and docs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

# Logical column types. Identifier kinds name the `fraudlink.model.identifiers` class that
# validates and normalises the value, so ingest and the docs both know what a column holds.
ColumnType = Literal[
    "int8", "int16", "int32", "int64", "float64", "bool", "string", "date", "timestamp"
]
TableKind = Literal["entity", "event", "truth"]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Column:
    """One column: its name, type, whether it may be empty, the identifier kind it holds."""

    name: str
    type: ColumnType
    doc: str
    required: bool = True
    identifier: str | None = None
    enum: tuple[str, ...] | None = None
    unit: str | None = None
    # A strict identifier column refuses invalid values; a lenient one (a victim's memory of an
    # account number) keeps them as given, because a near-miss is still a lead.
    strict: bool = True
    # An identifier column whose kind changes from row to row (an indicator's `value`, a seized
    # item's number): the column that names each row's kind, and the identifier kind each of
    # its values stands for (a name `identifiers.get` knows, aliases such as `account`
    # included). Rows of a kind not listed hold free text and are kept as given.
    identifier_by: str | None = None
    identifier_kinds: tuple[tuple[str, str], ...] = ()

    @property
    def identifier_of(self) -> dict[str, str]:
        """Row kind -> identifier kind, for a column whose kind is named by `identifier_by`."""
        return dict(self.identifier_kinds)

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type this column is stored as."""
        return _ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One table: a feed that alliance members send, or a truth table only the arena reads."""

    name: str
    kind: TableKind
    doc: str
    source: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    time_column: str | None = None
    column_index: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_index", {c.name: c for c in self.columns})
        for k in self.key:
            if k not in self.column_index:
                raise ValueError(f"table {self.name}: key column {k} is not a column")
        for c in self.columns:
            if c.identifier_by is None:
                continue
            if c.identifier_by not in self.column_index:
                raise ValueError(
                    f"table {self.name}: kind column {c.identifier_by} is not a column"
                )
            if c.identifier is not None:
                raise ValueError(f"table {self.name}: {c.name} has a fixed and a per-row kind")

    @property
    def column_names(self) -> list[str]:
        """Column names in their stored order."""
        return [c.name for c in self.columns]

    @property
    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema the table is written and read with."""
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns]
        )

    def column(self, name: str) -> Column:
        """The column of that name."""
        return self.column_index[name]
