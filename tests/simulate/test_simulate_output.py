"""End to end: what `simulate` writes has the model's schemas and valid identifiers, every time."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fraudlink.model import identifiers
from fraudlink.model.tables import FEED_TABLES, TRUTH
from fraudlink.simulate import load_config, simulate_to_dir


def test_every_table_is_written_with_its_schema(tiny_world: Path) -> None:
    for folder, tables in (("feeds", FEED_TABLES), ("truth", TRUTH)):
        written = {p.stem for p in (tiny_world / folder).glob("*.parquet")}
        assert written == set(tables), folder
        for name, table in tables.items():
            schema = pq.read_schema(tiny_world / folder / f"{name}.parquet")
            assert schema.names == table.column_names, name
            for col in table.columns:
                assert schema.field(col.name).type == col.arrow_type, f"{name}.{col.name}"


def test_required_columns_have_no_nulls(tiny_world: Path) -> None:
    for folder, tables in (("feeds", FEED_TABLES), ("truth", TRUTH)):
        for name, table in tables.items():
            data = pq.read_table(tiny_world / folder / f"{name}.parquet")
            for col in table.columns:
                if col.required:
                    assert data.column(col.name).null_count == 0, f"{name}.{col.name}"


def test_every_identifier_is_valid_and_normalised(tiny_world: Path) -> None:
    for folder, tables in (("feeds", FEED_TABLES), ("truth", TRUTH)):
        for name, table in tables.items():
            data = pq.read_table(tiny_world / folder / f"{name}.parquet")
            for col in table.columns:
                if col.identifier is None:
                    continue
                values = data.column(col.name).combine_chunks()
                values = values.filter(pc.is_valid(values))
                if not col.strict:
                    continue  # a victim's memory of an account may be mistyped, on purpose
                cleaned, ok = identifiers.get(col.identifier).clean_array(values)
                bad = values.filter(pc.invert(pc.equal(cleaned, values)).fill_null(True))
                assert ok.all() and len(bad) == 0, f"{name}.{col.name}: {bad[:3]}"


def test_enum_columns_hold_only_their_values(tiny_world: Path) -> None:
    for folder, tables in (("feeds", FEED_TABLES), ("truth", TRUTH)):
        for name, table in tables.items():
            data = pq.read_table(tiny_world / folder / f"{name}.parquet")
            for col in table.columns:
                if col.enum:
                    seen = set(pc.unique(data.column(col.name)).drop_null().to_pylist())
                    assert seen <= set(col.enum), f"{name}.{col.name}: {seen - set(col.enum)}"


def test_money_is_positive_fen_and_times_inside_the_period(tiny_world: Path) -> None:
    tx = pq.read_table(tiny_world / "feeds" / "transactions.parquet")
    assert pc.min(tx["amount_fen"]).as_py() > 0
    manifest = json.loads((tiny_world / "world.json").read_text("utf-8"))
    cfg = load_config(manifest["preset"])
    t = tx["time"]
    assert pc.min(t).as_py() >= cfg.start
    assert (pc.max(t).as_py() - cfg.start).days < cfg.world.days


def test_manifest_records_preset_seed_and_counts(tiny_world: Path) -> None:
    manifest = json.loads((tiny_world / "world.json").read_text("utf-8"))
    assert manifest["preset"] == "tiny" and manifest["seed"] == 7
    rows = pq.read_metadata(tiny_world / "feeds" / "transactions.parquet").num_rows
    assert manifest["rows"]["transactions"] == rows > 0


def _digests(world: Path) -> dict[str, str]:
    return {
        str(p.relative_to(world)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(world.glob("*/*.parquet"))
    }


def test_same_seed_gives_byte_identical_files(tiny_world: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    simulate_to_dir(load_config("tiny"), 7, again)
    assert _digests(again) == _digests(tiny_world)


def test_another_seed_gives_another_world(tiny_world: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    simulate_to_dir(load_config("tiny"), 8, other)
    a, b = _digests(other), _digests(tiny_world)
    assert a["feeds/transactions.parquet"] != b["feeds/transactions.parquet"]


@pytest.mark.parametrize("table", ["transactions", "calls", "logins", "web_events"])
def test_event_feeds_are_in_time_order_with_sequential_ids(tiny_world: Path, table: str) -> None:
    data = pq.read_table(tiny_world / "feeds" / f"{table}.parquet")
    t = data["time"].to_numpy()
    assert (t[1:] >= t[:-1]).all()
    ids = data.column(0).to_numpy()
    assert (ids == range(1, len(ids) + 1)).all()
