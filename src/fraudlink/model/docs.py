"""The generated part of `docs/data-model.md`: every table and column, rendered from the schemas."""

from __future__ import annotations

from fraudlink.model import identifiers
from fraudlink.model.schema import Column, Table
from fraudlink.model.tables import ALL_TABLES

_GROUPS = (
    ("entity", "Entity feeds", "feeds"),
    ("event", "Event feeds", "feeds"),
    ("truth", "Truth", "truth"),
)


def identifier_label(kind: str | None) -> str:
    """How the identifier column shows a kind: `phone (tel:)`, `mobile (tel:)`, or empty."""
    if kind is None:
        return ""
    # The registry's prefix: a `mobile` column's values are `tel:` nodes, like a `phone` column's.
    return f"{kind} (`{identifiers.get(kind).prefix}`)"


def column_description(col: Column) -> str:
    """The column's doc with its enum values and unit appended."""
    parts = [col.doc]
    if col.enum:
        parts.append("One of " + ", ".join(f"`{v}`" for v in col.enum) + ".")
    if col.unit:
        parts.append(f"Unit: {col.unit}.")
    return " ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(table: Table, folder: str) -> str:
    """One table's section: heading, facts and its column table."""
    key = ", ".join(f"`{k}`" for k in table.key)
    time = f"`{table.time_column}`" if table.time_column else "none"
    lines = [
        f"### {table.name}",
        "",
        table.doc,
        "",
        f"- kind: {table.kind}",
        f"- source: {table.source}",
        f"- natural key: {key}",
        f"- time column: {time}",
        f"- file: `DIR/{folder}/{table.name}.parquet`",
        "",
        "| column | type | required | identifier | description |",
        "|---|---|---|---|---|",
    ]
    for c in table.columns:
        req = "yes" if c.required else "no"
        ident, desc = identifier_label(c.identifier), _cell(column_description(c))
        lines.append(f"| `{c.name}` | {c.type} | {req} | {ident} | {desc} |")
    return "\n".join(lines) + "\n"


def render_data_model_tables() -> str:
    """Every table, grouped as entity feeds, event feeds and truth, in Markdown."""
    out: list[str] = []
    for kind, title, folder in _GROUPS:
        out.append(f"## {title}\n")
        out.extend(render_table(t, folder) for t in ALL_TABLES.values() if t.kind == kind)
    return "\n".join(out)
