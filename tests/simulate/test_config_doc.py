"""docs/simulator.md documents every config field, with its type, demo default and preset values."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from fraudlink.simulate.config import PRESETS, SimConfig, load_config
from fraudlink.simulate.docs import render_config_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"
BEGIN, END = "<!-- BEGIN GENERATED: config -->\n", "<!-- END GENERATED: config -->"
TYPE_NAMES = {
    str: "string",
    int: "integer",
    float: "float",
    list: "array of integers",
    dict: "table of shares",
}
CONFIGS = {p: load_config(p) for p in PRESETS}


def is_named_tables(value: Any) -> bool:
    return isinstance(value, dict) and any(dataclasses.is_dataclass(v) for v in value.values())


def leaves(node: Any, prefix: str = "") -> dict[str, dataclasses.Field[Any]]:
    """Every config field path (e.g. `fraud.types.romance.duration_hours`) and its field."""
    out: dict[str, dataclasses.Field[Any]] = {}
    for f in dataclasses.fields(node):
        value, path = getattr(node, f.name), prefix + f.name
        if dataclasses.is_dataclass(value):
            out |= leaves(value, path + ".")
        elif is_named_tables(value):
            for name, sub in value.items():
                out |= leaves(sub, f"{path}.{name}.")
        else:
            out[path] = f
    return out


def value_at(cfg: SimConfig, path: str) -> Any:
    node: Any = cfg
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def parse_value(text: str) -> Any:
    return tomllib.loads(f"v = {text.strip().strip('`')}")["v"]


def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def documented() -> dict[str, tuple[str, dict[str, str]]]:
    """Field path -> (documented type, {preset or 'doc': the documented value or meaning})."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    section: str | None = None
    sub_types: dict[str, tuple[str, str]] = {}
    header: list[str] = []
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("### "):
            title = line[4:].strip()
            section = "" if title == "Top level" else title.strip("[]").removesuffix(".<name>")
            sub_types = {}
            continue
        if section is None or not line.startswith("|") or line.startswith("|---"):
            continue
        if not line.startswith("| `"):
            header = [c.strip("`") for c in cells(line)]
            continue
        row = cells(line)
        key = row[0].strip("`")
        # A field: key | type | default (demo) | tiny | city | meaning
        if header[0] == "key" and len(row) == 6:
            path = f"{section}.{key}" if section else key
            assert path not in out, f"{path} is documented twice"
            out[path] = (row[1], {"demo": row[2], "tiny": row[3], "city": row[4], "doc": row[5]})
        elif header[0] == "key":  # the keys of named sub-tables: key | type | meaning
            sub_types[key] = (row[1], row[2])
        else:  # one name's values: name | value (preset: value) ...
            for field_name, cell in zip(header[1:], row[1:], strict=True):
                values = dict(re.findall(r"\((\w+): ([^)]*)\)", cell))
                typ, values["doc"] = sub_types[field_name]
                values["demo"] = cell.split(" (")[0]
                out[f"{section}.{key}.{field_name}"] = (typ, values)
    return out


FIELDS = leaves(CONFIGS["demo"])
DOCUMENTED = documented()


def test_every_field_is_documented_and_no_other() -> None:
    missing = sorted(set(FIELDS) - set(DOCUMENTED))
    unknown = sorted(set(DOCUMENTED) - set(FIELDS))
    assert not missing, f"config fields missing from simulator.md: {missing}"
    assert not unknown, f"simulator.md documents config fields that do not exist: {unknown}"


@pytest.mark.parametrize("path", sorted(FIELDS))
def test_field_type_and_values_match(path: str) -> None:
    assert path in DOCUMENTED, f"{path} is missing from simulator.md"
    typ, values = DOCUMENTED[path]
    demo = value_at(CONFIGS["demo"], path)
    assert typ == TYPE_NAMES[type(demo)], f"{path}: documented as {typ}"
    assert parse_value(values["demo"]) == demo, f"{path}: demo default is {demo!r}"
    for preset in PRESETS:
        if preset == "demo":
            continue
        actual, shown = value_at(CONFIGS[preset], path), values.get(preset, "")
        if shown:
            assert parse_value(shown) == actual, f"{path}: {preset} value is {actual!r}"
        else:
            assert actual == demo, f"{path}: {preset} differs from demo ({actual!r}) but shows none"
    assert values["doc"] == FIELDS[path].metadata["doc"], f"{path}: meaning differs"


def section_classes(node: Any) -> set[type]:
    """The dataclass of every config table, including named sub-tables like `fraud.types`."""
    out: set[type] = {type(node)}
    for value in vars(node).values():
        if dataclasses.is_dataclass(value):
            out |= section_classes(value)
        elif is_named_tables(value):
            out |= {c for sub in value.values() for c in section_classes(sub)}
    return out


def test_every_field_and_section_has_a_description() -> None:
    empty = [p for p, f in FIELDS.items() if not f.metadata.get("doc", "").strip()]
    assert not empty, f"config fields without a doc: {empty}"
    generated = [
        c.__name__
        for c in section_classes(CONFIGS["demo"])
        if (c.__doc__ or "").startswith(c.__name__ + "(")
    ]
    assert not generated, f"config sections without a docstring: {sorted(generated)}"


def test_config_references_in_prose_exist() -> None:
    known = set(FIELDS) | {p.rsplit(".", 1)[0] for p in FIELDS}
    text = DOC.read_text("utf-8")
    for ref in re.findall(r"`\[?([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\]?`", text):
        if ref.rsplit(".", 1)[1] in ("md", "py", "toml", "parquet"):
            continue
        assert ref in known or any(k.startswith(ref + ".") for k in known), f"`{ref}` is no field"


def test_toml_examples_load(tmp_path: Path) -> None:
    examples = re.findall(r"```toml\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)
    assert examples
    for i, text in enumerate(examples):
        path = tmp_path / f"example{i}.toml"
        path.write_text(text, "utf-8")
        load_config("demo", path)


def test_generated_block_is_up_to_date() -> None:
    text = DOC.read_text("utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "markers missing or repeated"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == render_config_reference(), (
        "docs/simulator.md is stale: run `uv run python scripts/render_docs.py`"
    )
