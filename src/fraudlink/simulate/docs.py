"""The generated part of `docs/simulator.md`: every config field with its default and presets."""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

from fraudlink.simulate.config import PRESETS, SimConfig, load_config

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_OTHERS = tuple(p for p in PRESETS if p != "demo")


def section_doc(cls: type) -> str:
    """The docstring of a config dataclass, or empty when it has only the generated one."""
    text = inspect.getdoc(cls) or ""
    return "" if text.startswith(f"{cls.__name__}(") else text


def toml_value(value: Any) -> str:
    """A config value written as TOML, as a user would write it in a config file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{k if _BARE_KEY.match(k) else toml_value(k)} = {toml_value(v)}"
            for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }"
    return repr(value)


def type_name(value: Any) -> str:
    """The TOML type of a config value as the reference shows it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, list):
        return "array of integers"
    if isinstance(value, dict):
        return "table of shares"
    return {str: "string", int: "integer", float: "float"}[type(value)]


def is_table_of_tables(value: Any) -> bool:
    """Whether a field holds named sub-tables (like `fraud.types`) rather than a value."""
    return isinstance(value, dict) and any(dataclasses.is_dataclass(v) for v in value.values())


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _field_rows(node: Any, others: dict[str, Any]) -> list[str]:
    rows = [
        "| key | type | default (demo) | tiny | city | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value) or is_table_of_tables(value):
            continue
        alt = [getattr(others[p], f.name) for p in _OTHERS]
        shown = [f"`{toml_value(v)}`" if v != value else "" for v in alt]
        default = f"`{toml_value(value)}`"
        rows.append(_row([f"`{f.name}`", type_name(value), default, *shown, f.metadata["doc"]]))
    return rows


def _subtables_section(
    path: str, doc: str, demo: dict[str, Any], others: dict[str, Any]
) -> list[str]:
    """A table of named sub-tables: its keys once, then every name's values in one table."""
    sample = next(iter(demo.values()))
    fields = dataclasses.fields(sample)
    lines = [f"### [{path}.<name>]", "", f"{section_doc(type(sample))} {doc}".strip(), ""]
    lines += ["| key | type | meaning |", "|---|---|---|"]
    lines += [
        _row([f"`{f.name}`", type_name(getattr(sample, f.name)), f.metadata["doc"]]) for f in fields
    ]
    lines += ["", "Defaults (demo) per name, with a preset's value in brackets where it differs:"]
    lines += [""]
    lines += [_row(["name", *(f"`{f.name}`" for f in fields)]), "|---" * (len(fields) + 1) + "|"]
    for name, sub in demo.items():
        cells = [f"`{name}`"]
        for f in fields:
            value = getattr(sub, f.name)
            alt = [(p, getattr(others[p][name], f.name)) for p in _OTHERS]
            cells.append(
                toml_value(value)
                + "".join(f" ({p}: {toml_value(v)})" for p, v in alt if v != value)
            )
        lines.append(_row(cells))
    return [*lines, ""]


def _section(path: str, doc: str, node: Any, others: dict[str, Any]) -> list[str]:
    """One config table's heading, description and field rows, then its named sub-tables."""
    out = [f"### [{path}]", "", doc, "", *_field_rows(node, others), ""]
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if is_table_of_tables(value):
            sub = {p: getattr(others[p], f.name) for p in _OTHERS}
            out += _subtables_section(f"{path}.{f.name}", f.metadata["doc"], value, sub)
    return out


def render_config_reference() -> str:
    """The config reference: one Markdown section per config table, fields with preset values."""
    demo = load_config("demo")
    others = {p: load_config(p) for p in _OTHERS}
    out = ["### Top level", "", "Keys outside any table.", "", *_field_rows(demo, others), ""]
    for f in dataclasses.fields(SimConfig):
        node = getattr(demo, f.name)
        if dataclasses.is_dataclass(node):
            sub = {p: getattr(others[p], f.name) for p in _OTHERS}
            out += _section(f.name, section_doc(type(node)) or f.metadata["doc"], node, sub)
    return "\n".join(out)
