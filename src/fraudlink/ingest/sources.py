"""Finding feed files and telling their format, compression and feed from their names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fraudlink.ingest.errors import UnreadableFile
from fraudlink.model.tables import FEED_TABLES

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "jsonl"}  # fmt: skip


@dataclass(frozen=True)
class FeedFile:
    """One file to ingest: where it is, its format, whether gzipped, and which feed it holds."""

    path: Path
    format: str
    gzip: bool
    feed: str | None


def describe(path: Path, feed: str | None = None) -> FeedFile:
    """Format, compression and feed of a file, from its name unless the feed is given."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise UnreadableFile(
            path, "unknown file format (use .parquet, .csv or .jsonl, optionally .gz)"
        )
    return FeedFile(path, fmt, gz, feed or feed_from_name(path))


def feed_from_name(path: Path) -> str | None:
    """The feed a file name announces: `transactions.csv`, `transactions-2026-03-01.parquet`."""
    stem = path.name.split(".")[0].lower()
    if stem in FEED_TABLES:
        return stem
    for name in sorted(FEED_TABLES, key=len, reverse=True):
        if stem.startswith(name + "-") or stem.startswith(name + "_"):
            return name
    return None


def expand(paths: list[Path], feed: str | None = None) -> list[FeedFile]:
    """Files named directly, and the feed files inside named directories, in a stable order."""
    out: list[FeedFile] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and _looks_like_feed(f):
                    out.append(describe(f, feed))
        elif p.exists():
            out.append(describe(p, feed))
        else:
            raise UnreadableFile(p, "no such file or directory")
    return out


def _looks_like_feed(path: Path) -> bool:
    names = [s.lower() for s in path.suffixes]
    if names and names[-1] == ".gz":
        names = names[:-1]
    return bool(names) and names[-1] in FORMATS
