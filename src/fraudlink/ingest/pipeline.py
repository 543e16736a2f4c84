"""Ingest: the one gate every record passes through; strict, lossless, all-or-nothing per file."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from fraudlink.ingest.convert import convert, convert_identifier_by_kind, present
from fraudlink.ingest.errors import UnreadableFile
from fraudlink.ingest.load import load_file
from fraudlink.ingest.problems import Problems
from fraudlink.ingest.profiles import Profile, apply_profile
from fraudlink.ingest.readers import read_file
from fraudlink.ingest.rules import check_rules
from fraudlink.ingest.sources import FeedFile, expand
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store


@dataclass
class FeedSummary:
    """Per feed: rows read, loaded, duplicate, quarantined; read is the sum of the other three."""

    read: int = 0
    loaded: int = 0
    duplicate: int = 0
    quarantined: int = 0
    files: int = 0


@dataclass
class IngestReport:
    """What one ingest run did: a summary per feed and the files it could not read."""

    feeds: dict[str, FeedSummary] = field(default_factory=dict)
    errors: list[UnreadableFile] = field(default_factory=list)

    def add(self, feed: str, read: int, loaded: int, duplicate: int, quarantined: int) -> None:
        """Count one file's outcome into its feed's summary."""
        s = self.feeds.setdefault(feed, FeedSummary())
        s.read += read
        s.loaded += loaded
        s.duplicate += duplicate
        s.quarantined += quarantined
        s.files += 1


def ingest_paths(
    store: Store,
    paths: list[Path],
    feed: str | None = None,
    profile: Profile | None = None,
    now: dt.datetime | None = None,
    on_file: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files and directories; a file that cannot be read is reported and changes nothing."""
    report = IngestReport()
    now = now or dt.datetime.now(dt.UTC)
    try:
        files = expand(paths, feed or (profile.feed if profile else None))
    except UnreadableFile as exc:
        report.errors.append(exc)
        return report
    for f in files:
        try:
            read, loaded, dup, quarantined = ingest_file(store, f, profile, now)
        except UnreadableFile as exc:
            report.errors.append(exc)
            continue
        report.add(f.feed or "", read, loaded, dup, quarantined)
        if on_file:
            on_file(f"{f.path}: {loaded:,} loaded, {dup:,} duplicate, {quarantined:,} quarantined")
    return report


def ingest_file(
    store: Store, f: FeedFile, profile: Profile | None, now: dt.datetime
) -> tuple[int, int, int, int]:
    """Read, check and load one file; (read, loaded, duplicate, quarantined)."""
    if f.feed is None:
        raise UnreadableFile(
            f.path,
            "unknown feed: name the file after a feed (e.g. "
            "transactions.csv) or pass --feed or --profile",
        )
    table = FEED_TABLES[f.feed]
    raw = read_file(
        f, profile.encoding if profile else "utf-8", profile.delimiter if profile else ","
    )
    problems = Problems(raw.num_rows)
    sent: dict[str, pa.Array] = {}  # columns a profile converted, as the export had them
    if profile is not None:
        raw, sent = apply_profile(profile, raw, f.path, problems)
    missing = [c.name for c in table.columns if c.required and c.name not in raw.column_names]
    if missing:
        raise UnreadableFile(f.path, f"missing required column {missing[0]!r} of feed {f.feed}")
    offset = profile.local_offset if profile else "+00:00"
    columns: dict[str, pa.Array] = {}
    as_sent: dict[str, pa.Array | pa.ChunkedArray] = {}
    # A column whose identifier kind is named by another column comes after that column.
    for col in sorted(table.columns, key=lambda c: c.identifier_by is not None):
        raw_values = (
            raw.column(col.name)
            if col.name in raw.column_names
            else pa.nulls(raw.num_rows, col.arrow_type)
        )
        values, failing, reason = convert(raw_values, col, offset)
        problems.add(failing, col.name, raw_values, reason)
        if col.identifier_by is not None:
            values, by_kind = convert_identifier_by_kind(values, columns[col.identifier_by], col)
            for bad, why in by_kind:
                problems.add(bad, col.name, raw_values, why)
                failing = failing | bad
        if col.required:
            problems.add(
                ~present(values) & ~failing & ~problems.flagged(col.name),
                col.name,
                raw_values,
                "missing required field",
            )
        columns[col.name] = values.cast(col.arrow_type)
        as_sent[col.name] = sent.get(col.name, raw_values)
    check_rules(table, columns, as_sent, problems, now)
    rows = pa.table({c.name: columns[c.name] for c in table.columns})
    if problems.bad.any():
        rows = rows.filter(pa.array(~problems.bad))
    loaded, dup = load_file(
        store,
        table,
        rows,
        problems,
        str(f.path),
        _sha256(f.path),
        profile.name if profile else None,
        now,
    )
    return raw.num_rows, loaded, dup, problems.rows_quarantined


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()
