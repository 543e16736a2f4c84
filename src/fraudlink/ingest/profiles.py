"""Mapping profiles: how to read a member's own export (column names, time format, yuan, GBK).

A profile is a small TOML file. Named profiles ship in `profiles/`; a path to a file works too.
Applying one turns the export into the feed's columns, so the same checks run on it as on a
native feed file.
"""

from __future__ import annotations

import codecs
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
        name, label = path.stem, str(path)
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise ProfileError(f"profile {label}: not UTF-8 text ({exc.reason})") from exc
        except OSError as exc:
            raise ProfileError(f"profile {label}: cannot be read ({exc.strerror or exc})") from exc
    else:
        res = resources.files("fraudlink.ingest.profile_files") / f"{name_or_path}.toml"
        if not res.is_file():
            raise ProfileError(
                f"profile {name_or_path!r} does not exist; shipped: {', '.join(shipped_profiles())}"
            )
        text, name = res.read_text("utf-8"), name_or_path
        label = name
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {label}: not valid TOML: {exc}") from exc
    return _validated(name, data, label)


def shipped_profiles() -> list[str]:
    """Names of the profiles that ship with fraudlink."""
    folder = resources.files("fraudlink.ingest.profile_files")
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def _validated(name: str, data: dict[str, Any], label: str | None = None) -> Profile:
    """The profile, or ProfileError naming the profile (its file, if any) and the bad setting."""
    where = f"profile {label or name}"
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ProfileError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    feed = data.get("feed")
    if not isinstance(feed, str) or feed not in FEED_TABLES:
        raise ProfileError(f"{where}: 'feed' must name a feed, got {feed!r}")
    table = FEED_TABLES[feed]
    for key in ("columns", "defaults"):
        data[key] = _text_table(where, key, data.get(key, {}))
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise ProfileError(f"{where}: 'values' must be a table of tables ([values.COLUMN])")
    data["values"] = {c: _text_table(where, f"values.{c}", m) for c, m in values.items()}
    for target in (*data["columns"], *data["defaults"], *data["values"]):
        if target not in table.column_index:
            raise ProfileError(f"{where}: {feed} has no column {target!r}")
    _check_encoding(where, data.get("encoding", "utf-8"))
    _check_delimiter(where, data.get("delimiter", ","))
    time_format = data.get("time_format", "auto")
    if not isinstance(time_format, str) or time_format not in TIME_FORMATS:
        raise ProfileError(
            f"{where}: 'time_format' must be one of {TIME_FORMATS}, got {time_format!r}"
        )
    amount_unit = data.get("amount_unit", "fen")
    if not isinstance(amount_unit, str) or amount_unit not in ("fen", "yuan"):
        raise ProfileError(f"{where}: 'amount_unit' must be 'fen' or 'yuan', got {amount_unit!r}")
    derive_id = data.get("derive_id")
    if derive_id is not None and (
        not isinstance(derive_id, str) or derive_id not in table.column_index
    ):
        raise ProfileError(f"{where}: 'derive_id' must name a column of {feed}, got {derive_id!r}")
    data = {k: v for k, v in data.items() if k != "description"}
    return Profile(name=name, **data)


def _text_table(where: str, key: str, table: Any) -> dict[str, str]:
    """A TOML table of text values; numbers and booleans are taken as their text."""
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: {key!r} must be a table of names to values, got {table!r}")
    out: dict[str, str] = {}
    for k, v in table.items():
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, str | int | float):
            out[k] = str(v)
        else:
            raise ProfileError(f"{where}: '{key}.{k}' must be text, got {v!r}")
    return out


def _check_encoding(where: str, encoding: Any) -> None:
    """A text encoding Python can decode files with (utf-8, gbk, gb18030, ...)."""
    hint = 'a text encoding such as "utf-8", "gbk" or "gb18030"'
    if not isinstance(encoding, str):
        raise ProfileError(f"{where}: 'encoding' must be {hint}, got {encoding!r}")
    try:
        info = codecs.lookup(encoding)
        known = info._is_text_encoding  # rot13, base64, hex are codecs but not text encodings
        if known:
            b"id".decode(encoding)
    except (LookupError, UnicodeError):
        known = False
    if not known:
        raise ProfileError(f"{where}: 'encoding' {encoding!r} is not known; use {hint}")


def _check_delimiter(where: str, delimiter: Any) -> None:
    """One ASCII character other than the quote and line breaks (the CSV readers need that)."""
    if (
        not isinstance(delimiter, str)
        or len(delimiter) != 1
        or not delimiter.isascii()
        or delimiter in '"\r\n'
    ):
        raise ProfileError(
            f"{where}: 'delimiter' must be one ASCII character other than a quote or a line "
            f'break, such as "," ";" "|" or "\\t", got {delimiter!r}'
        )


def apply_profile(
    profile: Profile,
    raw: pa.Table,
    file: Path,
    problems: Problems,
) -> tuple[pa.Table, dict[str, pa.Array]]:
    """The export's columns renamed and converted into the feed's; returns the table and, for
    each column the profile converted (yuan, epoch or local times), its values as sent."""
    table = FEED_TABLES[profile.feed]
    n = raw.num_rows
    out: dict[str, pa.Array] = {}
    sent: dict[str, pa.Array] = {}
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
            sent[col.name] = values
            values = yuan_to_fen(values, col.name, problems)
        elif col.type == "timestamp" and profile.time_format in ("epoch_s", "auto"):
            sent[col.name] = values
            values = _times(values, profile.time_format, profile.local_offset, col.name, problems)
        out[col.name] = values
    if profile.derive_id and profile.derive_id in table.column_index:
        out[profile.derive_id] = _derived_ids(profile, raw, out)
    missing = [c.name for c in table.columns if c.required and c.name not in out]
    if missing:
        wanted = profile.columns.get(missing[0], missing[0])
        raise UnreadableFile(file, f"missing required column {wanted!r} (profile {profile.name})")
    return pa.table(out), sent


def _map_values(values: pa.Array, mapping: dict[str, str]) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    idx = pc.index_in(values, keys)
    mapped = pc.take(pa.array(list(mapping.values()), pa.string()), idx)
    return pc.coalesce(mapped, values)


# The largest amount in int64 fen, 92,233,720,368,547,758.07 yuan, as whole yuan and fen.
MAX_FEN = 2**63 - 1
MAX_WHOLE_YUAN, MAX_EXTRA_FEN = divmod(MAX_FEN, 100)
TOO_LARGE = "amount too large (the most is 92,233,720,368,547,758.07 yuan)"


def yuan_to_fen(values: pa.Array, name: str, problems: Problems) -> pa.Array:
    """Exact conversion of decimal yuan text (1,234.5) to integer fen, without floating point.

    An amount whose fen do not fit int64 is quarantined as too large, never wrapped round.
    """
    text = pc.replace_substring(as_text(values), ",", "")
    ok = mask(pc.match_substring_regex(text, r"^[+-]?\d+(\.\d{0,2})?$"))
    problems.add(present(text) & ~ok, name, values, "not an amount in yuan with at most 2 decimals")
    text = pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string()))
    parts = pc.extract_regex(text, r"^(?P<sign>[+-]?)0*(?P<whole>\d+?)(?:\.(?P<frac>\d*))?$")
    digits = pc.struct_field(parts, "whole")  # without leading zeros (but at least one digit)
    # More digits than the largest whole yuan has cannot fit; the rest fit int64 as they are.
    too_long = mask(pc.greater(pc.utf8_length(digits), len(str(MAX_WHOLE_YUAN))))
    whole = pc.cast(
        pc.if_else(pa.array(too_long), pa.scalar(None, pa.string()), digits), pa.int64()
    )
    frac = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "frac"), 2, "0"), pa.int64())
    too_large = too_long | mask(
        pc.or_(
            pc.greater(whole, MAX_WHOLE_YUAN),
            pc.and_(pc.equal(whole, MAX_WHOLE_YUAN), pc.greater(frac, MAX_EXTRA_FEN)),
        )
    )
    problems.add(too_large, name, values, TOO_LARGE)
    if too_large.any():
        whole = pc.if_else(pa.array(too_large), pa.scalar(None, pa.int64()), whole)
    fen = pc.add_checked(pc.multiply_checked(whole, 100), frac)
    return pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "-"), pc.negate_checked(fen), fen)


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
