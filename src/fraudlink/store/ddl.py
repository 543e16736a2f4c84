"""SQL types and table definitions derived from the model's schemas."""

from __future__ import annotations

from fraudlink.model.schema import Column, Table

SQL_TYPES = {
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "bool": "BOOLEAN",
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
}


def sql_type(column: Column) -> str:
    """The SQL type a model column is stored as."""
    return SQL_TYPES[column.type]


def create_table_sql(table: Table) -> str:
    """CREATE TABLE for a model table; keys are enforced by ingest, not by constraints."""
    cols = ",\n  ".join(
        f'"{c.name}" {sql_type(c)}{" NOT NULL" if c.required else ""}' for c in table.columns
    )
    return f'CREATE TABLE "{table.name}" (\n  {cols}\n);'
