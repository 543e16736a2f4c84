"""Members' pushes: feed records and suspicious identifiers, through the same gate as ingest.

A push is written as a JSON Lines file and handed to the ingest pipeline (`ingest_file`), so the
API validates, normalises, de-duplicates and quarantines exactly as `fraudlink ingest` does, and
the push is logged in `ingest_log` like any file. Each member pushes only the feeds it is the
source of, and only rows of its own institution (`member_rows`: a missing `inst_id` is filled
in). Flag ids are the centre's: they are assigned here, never taken from a member; a flag's value
must be an identifier of its kind, and is stored normalised, as the index needs.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudlink.ingest.errors import UnreadableFile
from fraudlink.ingest.pipeline import ingest_file
from fraudlink.ingest.sources import FeedFile
from fraudlink.model import identifiers
from fraudlink.model.enums import INDICATOR_KINDS
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store.store import scalar
from fraudlink.web.context import WebContext
from fraudlink.web.member_rows import INST_COLUMN, RowProblem, issued_prefixes, own_rows
from fraudlink.web.users import BANK, OPERATOR, PLATFORM, Principal

FLAGS = "member_flags"
# The feeds each member role is the source of (model.tables: each feed's `source`).
ALLOWED_FEEDS: dict[str, tuple[str, ...]] = {
    BANK: ("transactions", "bank_accounts", "logins", FLAGS),
    OPERATOR: ("calls", "sim_cards", "devices", "ip_addresses", "web_events", FLAGS),
    PLATFORM: ("web_events", "platform_accounts", "logins", "urls", "apps", FLAGS),
}
# Feeds the indicator index is built from: new rows there make rapid comparison rebuild it.
INDEXED_FEEDS = ("victim_reports", "report_payments", "report_indicators", "case_confirmations",
                 "seized_evidence", FLAGS)  # fmt: skip


@dataclass
class PushOutcome:
    """What one push did: rows received, loaded, already there, quarantined, and why."""

    feed: str
    received: int
    accepted: int
    duplicate: int
    quarantined: int
    problems: list[RowProblem] = field(default_factory=list)
    ingest_id: int | None = None
    flag_ids: list[int] = field(default_factory=list)


class PushRefused(ValueError):
    """A push refused whole: nothing of it is stored."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(f"row {p.row}, {p.field}: {p.reason}" for p in problems))
        self.problems = problems


def allowed_feeds(role: str) -> tuple[str, ...]:
    """The feeds a member role may push."""
    return ALLOWED_FEEDS.get(role, ())


def _clean_flags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flag rows with their values normalised (the feed holds normalised identifiers only);
    PushRefused names rows whose value is no identifier of their kind, or that carry an id."""
    out, bad = [], []
    for i, row in enumerate(rows):
        if row.get("flag_id") is not None:
            bad.append(RowProblem(i, "flag_id", "assigned by the centre: leave it out"))
        kind, value = row.get("kind"), row.get("value")
        if kind in INDICATOR_KINDS and value is not None and not isinstance(value, str):
            # Ingest would store a JSON number as its digits, unchecked: identifiers are text.
            bad.append(RowProblem(i, "value", f"not a valid {kind}: an identifier is sent "
                                  "as text (a JSON string)"))  # fmt: skip
        elif kind in INDICATOR_KINDS and isinstance(value, str):
            clean = identifiers.get(kind).clean(value)
            if clean is None:
                bad.append(RowProblem(i, "value", f"not a valid {kind}"))
            row = {**row, "value": clean}
        out.append(row)  # a missing or unknown kind is ingest's to quarantine
    if bad:
        raise PushRefused(bad)
    return out


def _with_flag_ids(ctx: WebContext, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                         list[int]]:  # fmt: skip
    first = int(scalar(ctx.store.con, "select coalesce(max(flag_id), 0) + 1 from member_flags"))
    ids = list(range(first, first + len(rows)))
    return [{**r, "flag_id": n} for r, n in zip(rows, ids, strict=True)], ids


def push_rows(ctx: WebContext, who: Principal, feed: str, rows: list[dict[str, Any]],
              now: dt.datetime | None = None) -> PushOutcome:  # fmt: skip
    """Ingest a member's rows of one feed; ForeignRows or PushRefused refuse the push whole."""
    now = now or dt.datetime.now(dt.UTC)
    rows = own_rows(who, feed, rows, issued_prefixes(ctx.cursor(), who.inst_id))
    if feed == FLAGS:
        rows = _clean_flags(rows)
    prefix = f"fraudlink-api-{who.username}-"
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, ctx.write_lock:
        flag_ids: list[int] = []
        if feed == FLAGS:
            rows, flag_ids = _with_flag_ids(ctx, rows)
        path = Path(tmp) / f"{feed}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        try:
            read, loaded, dup, quarantined = ingest_file(
                ctx.store, FeedFile(path, "jsonl", False, feed), None, now
            )
        except UnreadableFile as exc:
            raise PushRefused([RowProblem(0, _field_of(exc.cause, feed), exc.cause)]) from exc
        con = ctx.store.con
        ingest_id = int(scalar(con, "select max(ingest_id) from ingest_log where file = ?",
                               [str(path)]))  # fmt: skip
        problems = [RowProblem(int(r[0]) - 1, r[1], r[2]) for r in con.execute(
            "select row_number, field, reason from quarantine where ingest_id = ? "
            "order by row_number, field", [ingest_id]).fetchall()]  # fmt: skip
    if loaded and feed in INDEXED_FEEDS:
        ctx.feeds_changed()
    bad = {p.row for p in problems}
    return PushOutcome(feed, read, loaded, dup, quarantined, problems, ingest_id,
                       [n for i, n in enumerate(flag_ids) if i not in bad])  # fmt: skip


def _field_of(cause: str, feed: str) -> str:
    """The column a whole-push refusal names, when it names one."""
    for name in FEED_TABLES[feed].column_names:
        if f"'{name}'" in cause:
            return name
    return "rows"


def submit_suspect(ctx: WebContext, who: Principal, kind: str, value: str, confidence: float,
                   reason: str, now: dt.datetime | None = None) -> tuple[int, str]:  # fmt: skip
    """Flag one suspicious identifier as a member_flags row; (flag id, normalised value).

    PushRefused names the field when the value is not an identifier of its kind or the row is
    quarantined.
    """
    now = now or dt.datetime.now(dt.UTC)
    clean = identifiers.get(kind).clean(value)
    if clean is None:
        raise PushRefused([RowProblem(0, "value", f"not a valid {kind}")])
    row = {"flagged_at": now.isoformat(), INST_COLUMN: who.inst_id, "kind": kind, "value": clean,
           "confidence": confidence, "reason": reason}  # fmt: skip
    out = push_rows(ctx, who, FLAGS, [row], now)
    if out.problems or not out.flag_ids:
        raise PushRefused(out.problems or [RowProblem(0, "value", "not stored")])
    return out.flag_ids[0], clean
