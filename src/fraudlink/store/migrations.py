"""Schema migrations: a store written by an older fraudlink is upgraded in place when opened.

Each migration is a SQL file in `sql/`, applied once, in order, inside its own transaction, and
recorded in `schema_version`. Applied files are frozen; changes go in a new file.

A migration may also have a Python step (`PYTHON_STEPS`), run after its SQL file in the same
transaction, for a change of the stored values that only the data model's own code can make:
version 6 normalises identifiers by the model's identifier rules (digit-group separators, +86,
full-width forms, check digits, URL hosts), which live in Python and are what ingest applies. A
copy of them in SQL would be a second normaliser that could drift from ingest's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model import identifiers
from fraudlink.model.identifiers.base import mask_of
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store.compute import registered

# A line `-- {for_each_feed}: SQL` is repeated once per feed table of the version-1 schema.
_FOR_EACH = re.compile(r"^-- \{for_each_feed\}: (.*)$", re.M)
V1_FEEDS = (
    "persons", "institutions", "outlets", "staff", "bank_accounts", "sim_cards", "devices",
    "ip_addresses", "urls", "apps", "platform_accounts", "transactions", "calls", "logins",
    "web_events", "victim_reports", "report_payments", "report_indicators", "seized_evidence",
    "case_confirmations", "member_flags",
)  # fmt: skip


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration, in order."""
    folder = resources.files("fraudlink.store") / "sql"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append((version, entry.name, _expand(entry.read_text("utf-8"))))
    return out


def _expand(sql: str) -> str:
    def repeat(m: re.Match[str]) -> str:
        return "\n".join(m.group(1).replace("{table}", t) for t in V1_FEEDS)

    return _FOR_EACH.sub(repeat, sql)


LATEST = max(v for v, _, _ in migration_files())


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open store; 0 for an empty database."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_version'"
    ).fetchall()
    if not exists[0][0]:
        return 0
    version = con.execute("select max(version) from schema_version").fetchall()[0][0]
    return int(version) if version is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int = LATEST) -> list[int]:
    """Apply every migration above the store's version up to `target`; return those applied."""
    con.execute(
        "create table if not exists schema_version (version integer not null, "
        "name varchar not null, applied_at timestamptz not null default now())"
    )
    have = current_version(con)
    if have > LATEST:
        raise RuntimeError(
            f"store schema version {have} is newer than this fraudlink understands ({LATEST})"
        )
    applied = []
    for version, name, sql in migration_files():
        if have < version <= target:
            con.execute("begin transaction")
            try:
                con.execute(sql)
                step = PYTHON_STEPS.get(version)
                if step is not None:
                    step(con)
                con.execute(
                    "insert into schema_version (version, name) values (?, ?)", [version, name]
                )
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            applied.append(version)
    return applied


# Version 6: the feeds whose identifier column takes its kind from another column, as the version-5
# schema has them (frozen, like V1_FEEDS): (feed, kind column, identifier column, the key's other
# columns when the identifier is part of the key). The rules that clean each kind come from the
# data model (they are what ingest applies).
IDENTIFIERS_BY_KIND_VERSION = 6
IDENTIFIERS_BY_KIND = (
    ("report_indicators", "kind", "value", ("report_id",)),
    ("case_confirmations", "kind", "value", ("case_id",)),
    ("member_flags", "kind", "value", None),
    ("seized_evidence", "item_kind", "identifier", None),
)
# Which row kind held which identifier kind when migration 6 shipped, frozen: a store migrated
# later must come out as one migrated then. (The data model has since read a seized SIM's number
# as a mobile; a store's older rows keep what migration 6 made of them, a landline included.)
_INDICATOR_KINDS_6 = {k: k for k in ("phone", "account", "idno", "imei", "ip", "url", "app",
                                     "social")}  # fmt: skip
KINDS_BY_FEED_6: dict[str, dict[str, str]] = {
    "report_indicators": _INDICATOR_KINDS_6,
    "case_confirmations": _INDICATOR_KINDS_6,
    "member_flags": _INDICATOR_KINDS_6,
    "seized_evidence": {"sim": "phone", "bank_card": "account", "corporate_kit": "account",
                        "usb_key": "account", "phone": "imei"},
}  # fmt: skip


def normalise_identifiers_by_kind(con: duckdb.DuckDBPyConnection) -> None:
    """Put the identifiers of reports, cases, member flags and seizures in their normal form.

    Stores loaded before ingest cleaned these columns by each row's kind hold them as the member
    sent them (`+86 150-9485-8694`, full-width digits), so rapid comparison missed them. Each
    distinct (kind, value) goes once through the identifier rule ingest uses. A value that does
    not read as its kind was accepted then and is kept as stored, as are rows whose key now
    repeats; both are listed in `migration_notes`. Normal values map to themselves, so running
    it again changes nothing.
    """
    for feed, kind_column, column, key_rest in IDENTIFIERS_BY_KIND:
        _normalise_feed(con, feed, kind_column, column, key_rest)


def _normalise_feed(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    kind_column: str,
    column: str,
    key_rest: tuple[str, ...] | None,
) -> None:
    # A new store runs every migration over empty tables: skip the grouping query (13 ms each).
    if not con.execute(f'select exists (from "{feed}")').fetchall()[0][0]:
        return
    rule_of = KINDS_BY_FEED_6[feed]
    stored = con.sql(
        f'select "{kind_column}" as kind, "{column}" as value, count(*) as n from "{feed}" '
        f'where "{column}" is not null and list_contains(?, "{kind_column}") group by all',
        params=[list(rule_of)],
    ).to_arrow_table()
    changes: list[pa.Table] = []
    notes: list[pa.Table] = []
    for row_kind, ident in rule_of.items():
        rows = stored.filter(pc.equal(stored.column("kind"), row_kind))
        if not rows.num_rows:
            continue
        values = rows.column("value").combine_chunks()
        cleaned, ok = identifiers.get(ident).clean_array(values)
        changed = ok & ~mask_of(pc.equal(cleaned, values))
        changes.append(
            pa.table({"kind": rows.column("kind"), "raw": values, "normal": cleaned}).filter(
                pa.array(changed)
            )
        )
        invalid = pa.array(~ok)
        notes.append(
            _notes(feed, column, row_kind, values.filter(invalid),
                   rows.column("n").filter(invalid), f"not a valid {ident}: kept as stored")
        )  # fmt: skip
    change = pa.concat_tables(changes) if changes else None
    if change is not None and change.num_rows:
        with registered(con, change, "normal_form") as m:
            con.execute(
                f'update "{feed}" as t set "{column}" = m.normal from {m} as m '
                f'where t."{kind_column}" = m.kind and t."{column}" = m.raw'
            )
            if key_rest is not None:
                notes.append(_repeated_keys(con, feed, kind_column, column, key_rest, m))
    if notes:
        _write_notes(con, pa.concat_tables(notes))


def _repeated_keys(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    kind_column: str,
    column: str,
    key_rest: tuple[str, ...],
    changes: str,
) -> pa.Table:
    """Notes for keys that repeat once normalised (ingest would keep one row; all are kept)."""
    rest = ", ".join(f't."{k}"' for k in key_rest)
    named = " || ' ' || ".join(f"'{k} ' || t.\"{k}\"" for k in key_rest)
    key = ", ".join((*key_rest, kind_column, column))
    rows = con.sql(
        f'select t."{kind_column}" as kind, t."{column}" as value, count(*) as n, '
        f'{named} as at from "{feed}" as t '
        f"where exists (select 1 from {changes} as m "
        f'where m.kind = t."{kind_column}" and m.normal = t."{column}") '
        f'group by {rest}, t."{kind_column}", t."{column}" having count(*) > 1'
    ).to_arrow_table()
    reasons = pc.binary_join_element_wise(
        rows.column("at"), f": the key ({key}) repeats once normalised; all rows kept", ""
    )
    return _notes(feed, column, rows.column("kind"), rows.column("value"), rows.column("n"),
                  reasons)  # fmt: skip


def _notes(
    feed: str,
    column: str,
    kind: str | pa.Array | pa.ChunkedArray,
    values: pa.Array | pa.ChunkedArray,
    n: pa.Array | pa.ChunkedArray,
    reason: str | pa.Array | pa.ChunkedArray,
) -> pa.Table:
    size = len(values)

    def text(v: str | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return pa.array(np.full(size, v, dtype=object), pa.string()) if isinstance(v, str) else v

    return pa.table({
        "version": pa.array(np.full(size, IDENTIFIERS_BY_KIND_VERSION, np.int32)),
        "feed": text(feed), "field": text(column), "kind": text(kind),
        "value": values, "rows": pc.cast(n, pa.int64()), "reason": text(reason),
    })  # fmt: skip


def _write_notes(con: duckdb.DuckDBPyConnection, notes: pa.Table) -> None:
    """Add the notes not already there, so that a second run notes nothing twice."""
    if not notes.num_rows:
        return
    with registered(con, notes, "notes") as name:
        con.execute(
            "insert into migration_notes (version, feed, field, kind, value, rows, reason) "
            f"select version, feed, field, kind, value, rows, reason from {name} "
            "anti join migration_notes using (version, feed, field, kind, value, reason)"
        )


# Steps that SQL cannot say, by version: each runs after its version's SQL file, in its transaction.
PYTHON_STEPS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    IDENTIFIERS_BY_KIND_VERSION: normalise_identifiers_by_kind,
}


__all__ = [
    "FEED_TABLES",
    "LATEST",
    "PYTHON_STEPS",
    "current_version",
    "migrate",
    "migration_files",
    "normalise_identifiers_by_kind",
]
