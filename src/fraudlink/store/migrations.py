"""Schema migrations: a store written by an older fraudlink is upgraded in place when opened.

Each migration is a SQL file in `sql/`, applied once, in order, inside its own transaction, and
recorded in `schema_version`. Applied files are frozen; changes go in a new file.
"""

from __future__ import annotations

import re
from importlib import resources

import duckdb

from fraudlink.model.tables import FEED_TABLES

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
                con.execute(
                    "insert into schema_version (version, name) values (?, ?)", [version, name]
                )
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            applied.append(version)
    return applied


__all__ = ["FEED_TABLES", "LATEST", "current_version", "migrate", "migration_files"]
