"""docs/data-model.md documents every table and column exactly as the schemas define them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fraudlink.model import identifiers
from fraudlink.model.docs import render_data_model_tables
from fraudlink.model.tables import ALL_TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"
BEGIN, END = "<!-- BEGIN GENERATED: tables -->\n", "<!-- END GENERATED: tables -->"


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row, with escaped pipes kept inside cells."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def documented() -> dict[str, dict[str, list[str]]]:
    """Table name -> column name -> the row's cells, for every `### table` section of the doc."""
    out: dict[str, dict[str, list[str]]] = {}
    current: str | None = None
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            assert current not in out, f"table {current} is documented twice"
            out[current] = {}
        elif current and line.startswith("| `"):
            row = cells(line)
            name = row[0].strip("`")
            assert name not in out[current], f"{current}.{name} is documented twice"
            out[current][name] = row
    return out


DOCUMENTED = documented()


def test_every_table_is_documented_and_no_other() -> None:
    missing = sorted(set(ALL_TABLES) - set(DOCUMENTED))
    unknown = sorted(set(DOCUMENTED) - set(ALL_TABLES))
    assert not missing, f"tables missing from data-model.md: {missing}"
    assert not unknown, f"data-model.md documents tables that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted(ALL_TABLES))
def test_columns_are_documented_with_type_required_and_identifier(name: str) -> None:
    table = ALL_TABLES[name]
    rows = DOCUMENTED.get(name, {})
    missing = [c for c in table.column_names if c not in rows]
    unknown = [c for c in rows if c not in table.column_index]
    assert not missing, f"{name}: columns missing from the doc: {missing}"
    assert not unknown, f"{name}: the doc names columns that do not exist: {unknown}"
    for col in table.columns:
        _, typ, required, identifier, description = rows[col.name]
        assert typ == col.type, f"{name}.{col.name}: documented as {typ}, is {col.type}"
        assert required == ("yes" if col.required else "no"), f"{name}.{col.name}: required"
        if col.identifier:
            # The node-id prefix the registry gives the kind: a `mobile` column's values are
            # `tel:` nodes like a `phone` column's.
            prefix = identifiers.get(col.identifier).prefix
            assert identifier.startswith(col.identifier), f"{name}.{col.name}: {identifier!r}"
            assert f"`{prefix}`" in identifier, f"{name}.{col.name}: identifier {identifier!r}"
        else:
            assert identifier == "", f"{name}.{col.name} is not an identifier"
        assert col.doc in description
        for value in col.enum or ():
            assert f"`{value}`" in description, f"{name}.{col.name}: enum value {value} missing"


def test_every_table_and_column_has_a_doc() -> None:
    for table in ALL_TABLES.values():
        assert table.doc.strip() and table.source.strip(), table.name
        for col in table.columns:
            assert col.doc.strip(), f"{table.name}.{col.name} has no doc"


def test_table_column_references_in_prose_exist() -> None:
    text = DOC.read_text("utf-8")
    for ref in re.findall(r"`([a-z_]+)\.([a-z_]+)`", text):
        table, column = ref
        if column in ("md", "py", "toml"):
            continue  # a file name
        if column == "parquet":
            assert table in ALL_TABLES, f"the doc names {table}.parquet, which is no table"
            continue
        assert table in ALL_TABLES, f"the doc names table {table}, which does not exist"
        assert column in ALL_TABLES[table].column_index, f"{table}.{column} does not exist"


def test_generated_block_is_up_to_date() -> None:
    text = DOC.read_text("utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "markers missing or repeated"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == render_data_model_tables(), (
        "docs/data-model.md is stale: run `uv run python scripts/render_docs.py`"
    )
