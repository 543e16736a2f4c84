"""Reading one feed file into an Arrow table, as it is: Parquet typed, CSV and JSON Lines as text.

Nothing here judges the values; a file that cannot be read at all raises `UnreadableFile`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fraudlink.ingest.errors import UnreadableFile
from fraudlink.ingest.sources import FeedFile

ENCODING_HINT = 'not valid {enc} text (a GBK export needs a profile with encoding = "gbk")'


def read_file(f: FeedFile, encoding: str = "utf-8", delimiter: str = ",") -> pa.Table:
    """The file's rows as an Arrow table with the file's own column names."""
    try:
        if f.format == "parquet":
            return _read_parquet(f)
        if f.format == "csv":
            return _read_csv(f, encoding, delimiter)
        return _read_jsonl(f, encoding)
    except UnreadableFile:
        raise
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f.path, ENCODING_HINT.format(enc=encoding)) from exc
    except LookupError as exc:  # profiles are checked when loaded; this guards other callers
        raise UnreadableFile(f.path, f"unknown text encoding {encoding!r}") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise UnreadableFile(f.path, f"truncated or corrupt gzip data ({exc})") from exc
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "UTF8" in msg or "UTF-8" in msg:
            raise UnreadableFile(f.path, ENCODING_HINT.format(enc=encoding)) from exc
        raise UnreadableFile(f.path, f"cannot be read as {f.format}: {msg}") from exc
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f.path, f"cannot be read as {f.format}: {exc}") from exc


def _read_parquet(f: FeedFile) -> pa.Table:
    if f.gzip:
        with gzip.open(f.path, "rb") as fh:
            return pq.read_table(pa.BufferReader(fh.read()))
    return pq.read_table(f.path)


def _open_bytes(f: FeedFile) -> IO[bytes]:
    if f.gzip:
        return gzip.open(f.path, "rb")  # type: ignore[return-value]
    return open(f.path, "rb")


def _header(f: FeedFile, encoding: str, delimiter: str) -> list[str]:
    if len(delimiter) != 1:  # profiles are checked when loaded; this guards other callers
        raise UnreadableFile(f.path, f"the CSV delimiter must be one character, not {delimiter!r}")
    with _open_bytes(f) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        first = next(csv.reader(text, delimiter=delimiter), None)
    if not first:
        raise UnreadableFile(f.path, "empty file: no header row")
    return [h.strip().lstrip("\ufeff") for h in first]


def _read_csv(f: FeedFile, encoding: str, delimiter: str) -> pa.Table:
    names = _header(f, encoding, delimiter)
    if len(set(names)) != len(names):
        raise UnreadableFile(f.path, f"repeated column names in the header: {names}")
    misfits = _Misfits()
    table = _parse_csv(f, names, encoding, delimiter, misfits, use_threads=True)
    if misfits.count:
        # Rare: read again on one thread, where Arrow numbers the rows, to name them.
        numbered = _Misfits()
        _parse_csv(f, names, encoding, delimiter, numbered, use_threads=False)
        raise UnreadableFile(f.path, (numbered if numbered.count else misfits).describe(names))
    return table


def _parse_csv(
    f: FeedFile,
    names: list[str],
    encoding: str,
    delimiter: str,
    misfits: _Misfits,
    use_threads: bool,
) -> pa.Table:
    stream = pa.input_stream(str(f.path), compression="gzip" if f.gzip else None)
    enc = codecs.lookup(encoding).name
    return pacsv.read_csv(
        stream,
        read_options=pacsv.ReadOptions(
            encoding="utf8" if enc == "utf-8" else encoding,
            column_names=names,
            skip_rows=1,
            block_size=1 << 24,
            use_threads=use_threads,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=misfits
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


class _Misfits:
    """CSV rows whose number of fields differs from the header's, collected while reading.

    A misfit row cannot be split into the header's fields with any confidence, so the file is
    refused whole; this names the rows as the quarantine numbers them (1 = first data row;
    empty lines are not rows).
    """

    SHOWN = 5

    def __init__(self) -> None:
        self.count = 0
        self.rows: list[tuple[int | None, int, str]] = []

    def __call__(self, row: pacsv.InvalidRow) -> str:
        self.count += 1
        if len(self.rows) < self.SHOWN:
            # Arrow counts the header line as row 1 (and knows the number only on one thread).
            number = None if row.number is None or row.number < 0 else row.number - 1
            self.rows.append((number, row.actual_columns, row.text))
        return "skip"

    def describe(self, names: list[str]) -> str:
        """What is wrong, row by row, for the refusal."""
        parts = []
        for number, got, text in sorted(self.rows, key=lambda r: (r[0] is None, r[0] or 0)):
            where = f"row {number}" if number is not None else "a row"
            what = (
                f"{', '.join(names[got:])} missing"
                if got < len(names)
                else f"{got - len(names)} extra"
            )
            shown = text if len(text) <= 160 else f"{text[:80]}...{text[-77:]}"
            parts.append(f"{where} has {got} ({what}): {shown!r}")
        more = self.count - len(parts)
        rows = "1 row does not" if self.count == 1 else f"{self.count} rows do not"
        tail = f"; and {more} more" if more else ""
        return f"{rows} have the header's {len(names)} fields: " + "; ".join(parts) + tail


def _read_jsonl(f: FeedFile, encoding: str) -> pa.Table:
    columns: dict[str, list[str | None]] = {}
    n = 0
    with _open_bytes(f) as raw:
        for line_no, line in enumerate(io.TextIOWrapper(raw, encoding=encoding), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableFile(f.path, f"line {line_no} is not JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise UnreadableFile(f.path, f"line {line_no} is not a JSON object")
            for key in record.keys() - columns.keys():
                columns[key] = [None] * n
            for key, values in columns.items():
                v = record.get(key)
                values.append(None if v is None else v if isinstance(v, str) else json.dumps(v))
            n += 1
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
