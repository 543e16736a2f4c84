"""Mapping profiles: how to read a member's own export (column names, time format, yuan, GBK).

A profile is a small TOML file. Named profiles ship in `profiles/`; a path to a file works too.
Applying one turns the export into the feed's columns, so the same checks run on it as on a
native feed file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.ingest.convert import as_text, convert_timestamp, flat, mask, present
from fraudlink.ingest.errors import UnreadableFile
from fraudlink.ingest.problems import Problems
from fraudlink.model.tables import FEED_TABLES

TIME_FORMATS = ("auto", "iso8601", "epoch_s", "china_local")
CHINA_OFFSET = "+08:00"


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the profile and the key."""


@dataclass(frozen=True)
class Profile:
    """How to read one kind of foreign export into one feed."""

    name: str
    feed: str
    encoding: str = "utf-8"
    delimiter: str = ","
    time_format: str = "auto"
    amount_unit: str = "fen"
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    derive_id: str | None = None

    @property
    def local_offset(self) -> str:
        """Zone of times written without one."""
        return CHINA_OFFSET if self.time_format in ("china_local", "auto") else "+00:00"


KNOWN_KEYS = {"feed", "encoding", "delimiter", "time_format", "amount_unit", "columns", "values",
              "defaults", "derive_id", "description"}  # fmt: skip


def load_profile(name_or_path: str) -> Profile:
    """A named profile shipped with fraudlink, or a profile file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text, name = path.read_text("utf-8"), path.stem
    else:
        res = resources.files("fraudlink.ingest.profile_files") / f"{name_or_path}.toml"
        if not res.is_file():
            raise ProfileError(
                f"profile {name_or_path!r} does not exist; shipped: {', '.join(shipped_profiles())}"
            )
        text, name = res.read_text("utf-8"), name_or_path
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {name}: not valid TOML: {exc}") from exc
    return _validated(name, data)


def shipped_profiles() -> list[str]:
    """Names of the profiles that ship with fraudlink."""
    folder = resources.files("fraudlink.ingest.profile_files")
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def _validated(name: str, data: dict[str, Any]) -> Profile:
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ProfileError(f"profile {name}: unknown key {sorted(unknown)[0]!r}")
    feed = data.get("feed")
    if feed not in FEED_TABLES:
        raise ProfileError(f"profile {name}: 'feed' must name a feed, got {feed!r}")
    table = FEED_TABLES[feed]
    for target in (*data.get("columns", {}), *data.get("defaults", {}), *data.get("values", {})):
        if target not in table.column_index:
            raise ProfileError(f"profile {name}: {feed} has no column {target!r}")
    if data.get("time_format", "auto") not in TIME_FORMATS:
        raise ProfileError(f"profile {name}: 'time_format' must be one of {TIME_FORMATS}")
    if data.get("amount_unit", "fen") not in ("fen", "yuan"):
        raise ProfileError(f"profile {name}: 'amount_unit' must be 'fen' or 'yuan'")
    data = {k: v for k, v in data.items() if k != "description"}
    return Profile(name=name, **data)


def apply_profile(
    profile: Profile,
    raw: pa.Table,
    file: Path,
    problems: Problems,
) -> tuple[pa.Table, set[str]]:
    """The export's columns renamed and converted into the feed's; returns (table, converted)."""
    table = FEED_TABLES[profile.feed]
    n = raw.num_rows
    out: dict[str, pa.Array] = {}
    done: set[str] = set()
    for col in table.columns:
        source = profile.columns.get(col.name, col.name)
        if source in raw.column_names:
            values = flat(raw.column(source))
        elif col.name in profile.defaults:
            values = pa.array([profile.defaults[col.name]] * n, pa.string())
        else:
            continue
        if col.name in profile.values:
            values = _map_values(as_text(values), profile.values[col.name])
        if col.unit == "fen" and profile.amount_unit == "yuan":
            values = yuan_to_fen(values, col.name, problems)
            done.add(col.name)
        elif col.type == "timestamp" and profile.time_format in ("epoch_s", "auto"):
            values = _times(values, profile.time_format, profile.local_offset, col.name, problems)
            done.add(col.name)
        out[col.name] = values
    if profile.derive_id and profile.derive_id in table.column_index:
        out[profile.derive_id] = _derived_ids(profile, raw, out)
        done.add(profile.derive_id)
    missing = [c.name for c in table.columns if c.required and c.name not in out]
    if missing:
        wanted = profile.columns.get(missing[0], missing[0])
        raise UnreadableFile(file, f"missing required column {wanted!r} (profile {profile.name})")
    return pa.table(out), done


def _map_values(values: pa.Array, mapping: dict[str, str]) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    idx = pc.index_in(values, keys)
    mapped = pc.take(pa.array(list(mapping.values()), pa.string()), idx)
    return pc.coalesce(mapped, values)


def yuan_to_fen(values: pa.Array, name: str, problems: Problems) -> pa.Array:
    """Exact conversion of decimal yuan text (1,234.5) to integer fen, without floating point."""
    text = pc.replace_substring(as_text(values), ",", "")
    ok = mask(pc.match_substring_regex(text, r"^[+-]?\d+(\.\d{0,2})?$"))
    problems.add(present(text) & ~ok, name, values, "not an amount in yuan with at most 2 decimals")
    text = pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string()))
    parts = pc.extract_regex(text, r"^(?P<sign>[+-]?)(?P<whole>\d+)\.?(?P<frac>\d*)$")
    whole = pc.cast(pc.struct_field(parts, "whole"), pa.int64())
    frac = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "frac"), 2, "0"), pa.int64())
    fen = pc.add(pc.multiply(whole, 100), frac)
    return pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "-"), pc.negate(fen), fen)


def _times(values: pa.Array, fmt: str, offset: str, name: str, problems: Problems) -> pa.Array:
    """Instants from epoch seconds, ISO 8601, or zone-less local text, as the profile says."""
    if pa.types.is_timestamp(values.type):
        return values
    text = as_text(values)
    is_epoch = mask(pc.match_substring_regex(text, r"^\d{9,10}(\.\d{1,6})?$"))
    if fmt == "epoch_s":
        problems.add(present(text) & ~is_epoch, name, values, "not epoch seconds")
        is_text = np.zeros(len(text), dtype=bool)
    else:
        is_text = present(text) & ~is_epoch
    seconds = pc.cast(
        pc.if_else(pa.array(is_epoch), text, pa.scalar(None, pa.string())), pa.float64()
    )
    from_epoch = pc.cast(
        pc.cast(pc.round(pc.multiply(seconds, 1_000_000)), pa.int64()), pa.timestamp("us", tz="UTC")
    )
    if not is_text.any():
        return from_epoch
    iso_text = pc.if_else(pa.array(is_text), text, pa.scalar(None, pa.string()))
    from_text, failing, reason = convert_timestamp(iso_text, offset)
    problems.add(failing, name, values, reason)
    return pc.if_else(pa.array(is_epoch), from_epoch, from_text)


def _derived_ids(profile: Profile, raw: pa.Table, out: dict[str, pa.Array]) -> pa.Array:
    """Ids for records that carry none, or namespaced ids: stable across re-ingests."""
    import duckdb

    given = out.get(profile.derive_id or "")
    content = [
        c for c in FEED_TABLES[profile.feed].column_names if c in out and c != profile.derive_id
    ]
    con = duckdb.connect()
    con.register(
        "raw_rows",
        pa.table(
            {c: pc.cast(out[c], pa.string()) for c in content}
            | {
                "_given": as_text(given)
                if given is not None
                else pa.nulls(raw.num_rows, pa.string())
            }
        ),
    )
    key = " || '|' || ".join(f"coalesce({c}, '')" for c in content)
    # Identical rows without an id are told apart by their order of appearance in the file.
    ids = con.sql(
        f"""select (md5_number(case when _given is not null
                                then '{profile.name}:' || _given
                                else {key} || '#' || row_number() over (partition by {key}
                                                                        order by rowid) end)
                   % 9223372036854775807)::bigint as id
            from (select *, row_number() over () as rowid from raw_rows) order by rowid"""
    ).to_arrow_table()
    con.close()
    return ids.column("id").combine_chunks()
