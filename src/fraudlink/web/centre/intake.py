"""A new victim report from the desk, through the ingest gate, all or nothing.

The report, its payments and its indicators are written as one JSON Lines file per feed and
ingested by `fraudlink.ingest.ingest_paths`, the same checks every member's feed passes, inside
one transaction: if any row is quarantined the whole report is refused, nothing is stored, and
the refusal names every failing row and field. The server numbers the report like the desk does:
R, the China-time date it was made, and a five-digit serial.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from fraudlink.ingest import ingest_paths
from fraudlink.model import identifiers
from fraudlink.model.clock import CHINA
from fraudlink.model.tables import FEED_TABLES
from fraudlink.web.centre.clock import Instant, utc
from fraudlink.web.centre.store_view import CursorStore

REPORTS, PAYMENTS, INDICATORS = "victim_reports", "report_payments", "report_indicators"
MAX_ROWS = 200
INT64 = 2**63 - 1


class PaymentIn(BaseModel):
    """A payment the victim remembers making."""

    seq: int | None = Field(default=None, ge=1, le=32767,
                            description="order in the report, from 1 (default: its position)")
    paid_at: Instant = Field(description="when the victim says they paid (UTC if no zone)")
    from_account: str | None = Field(default=None, max_length=64,
                                     description="the victim's paying account")
    to_account: str = Field(max_length=64, description="the account paid into, as remembered")
    amount_fen: int = Field(ge=-INT64, le=INT64, description="amount as remembered, in fen")



class IndicatorIn(BaseModel):
    """A fraudster identifier the victim gives: a number, URL, app id, social account."""

    kind: str = Field(max_length=16, description="phone, account, idno, imei, ip, url, app or "
                                                 "social")  # fmt: skip
    value: str = Field(max_length=2048)


class ReportIn(BaseModel):
    """A victim report as the desk records it (the fields of the victim_reports feed)."""

    person_id: str | None = Field(default=None, max_length=32,
                                  description="the victim's ID number (alias of victim_idno)")
    victim_idno: str | None = Field(default=None, max_length=32)
    victim_msisdn: str | None = Field(default=None, max_length=32)
    reported_at: Instant = Field(description="when the report was made (UTC if no zone)")
    district: str = Field(max_length=16, description="six-digit code of the victim's district")
    fraud_type: str = Field(max_length=64)
    contact_channel: str = Field(max_length=16, description="call, sms or app")
    narrative: str = Field(max_length=20_000)
    claimed_loss_fen: int | None = Field(default=None, ge=-INT64, le=INT64,
                                         description="default: the payments' sum")
    payments: list[PaymentIn] = Field(default_factory=list, max_length=MAX_ROWS)
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=MAX_ROWS)


@dataclass(frozen=True)
class Problem:
    """One refused field of one row: the feed, its row (from 1), the field, value and reason."""

    feed: str
    row: int
    field: str
    value: str | None
    reason: str

    def as_error(self, idno_field: str) -> dict[str, Any]:
        """The problem in FastAPI's validation-error shape, with the ingest's own names added."""
        field = idno_field if (self.feed, self.field) == (REPORTS, "victim_idno") else self.field
        loc: list[str | int] = ["body", field]
        if self.feed == PAYMENTS:
            loc = ["body", "payments", self.row - 1, self.field]
        elif self.feed == INDICATORS:
            loc = ["body", "indicators", self.row - 1, self.field]
        return {"loc": loc, "msg": f"{self.feed} row {self.row}, {self.field}: {self.reason}",
                "type": "ingest", "feed": self.feed, "row": self.row, "field": self.field,
                "value": self.value, "reason": self.reason}  # fmt: skip


class ReportRefused(ValueError):
    """A report the ingest gate refused, with every problem found."""

    def __init__(self, problems: list[Problem], idno_field: str = "victim_idno") -> None:
        super().__init__("; ".join(f"{p.feed} row {p.row} {p.field}: {p.reason}"
                                   for p in problems))  # fmt: skip
        self.problems = problems
        self.idno_field = idno_field

    def errors(self) -> list[dict[str, Any]]:
        """The problems as a 422 body's `detail`."""
        return [p.as_error(self.idno_field) for p in self.problems]


def _iso(t: dt.datetime) -> str:
    return utc(t).isoformat()


def _normalised(kind: str, value: str) -> str:
    """An indicator in the form the index matches on (`138 0013 8000` → `13800138000`); as
    given when it is of no known kind or not valid for it: the desk keeps what the victim said."""
    try:
        rule = identifiers.get(kind)
    except KeyError:
        return value
    return rule.clean(value) or value


def feed_rows(report: ReportIn, report_id: str) -> dict[str, list[dict[str, Any]]]:
    """The report as rows of the three desk feeds, with every column of each feed present."""
    loss = report.claimed_loss_fen
    if loss is None and report.payments:
        loss = sum(p.amount_fen for p in report.payments)
    head = {"report_id": report_id, "reported_at": _iso(report.reported_at),
            "victim_idno": report.victim_idno or report.person_id,
            "victim_msisdn": report.victim_msisdn, "district": report.district,
            "fraud_type": report.fraud_type, "contact_channel": report.contact_channel,
            "narrative": report.narrative, "claimed_loss_fen": loss}  # fmt: skip
    pays = [{"report_id": report_id, "seq": p.seq if p.seq is not None else i,
             "paid_at": _iso(p.paid_at), "from_account": p.from_account,
             "to_account": p.to_account, "amount_fen": p.amount_fen}
            for i, p in enumerate(report.payments, start=1)]  # fmt: skip
    marks = [{"report_id": report_id, "kind": x.kind, "value": _normalised(x.kind, x.value)}
             for x in report.indicators]  # fmt: skip
    return {REPORTS: [head], PAYMENTS: pays, INDICATORS: marks}


def precheck(report: ReportIn, rows: dict[str, list[dict[str, Any]]]) -> list[Problem]:
    """What ingest would silently drop as a duplicate, or cannot judge: refuse it by name.

    A payment number given twice would lose a payment; an indicator given twice (even in two
    spellings) loses nothing, so ingest's de-duplication of indicators is left to stand.
    """
    out: list[Problem] = []
    if report.person_id and report.victim_idno and report.person_id != report.victim_idno:
        out.append(Problem(REPORTS, 1, "victim_idno", report.victim_idno,
                           "person_id and victim_idno differ"))  # fmt: skip
    seen: set[int] = set()
    for i, row in enumerate(rows[PAYMENTS], start=1):
        if row["seq"] in seen:
            out.append(Problem(PAYMENTS, i, "seq", str(row["seq"]), "repeats an earlier payment"))
        seen.add(row["seq"])
    return out


def next_report_id(con: duckdb.DuckDBPyConnection, reported_at: dt.datetime) -> str:
    """The next free report number of the China-time day the report was made."""
    prefix = f"R{utc(reported_at).astimezone(CHINA):%Y%m%d}"
    rows = con.execute(
        "select max(try_cast(substr(report_id, ?) as integer)) from victim_reports "
        "where report_id like ? and length(report_id) = ?",
        [len(prefix) + 1, prefix + "%", len(prefix) + 5],
    ).fetchall()
    return f"{prefix}{(rows[0][0] or 0) + 1:05d}"


def _write(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> list[Path]:
    paths = []
    for feed, records in rows.items():
        if not records:
            continue
        columns = FEED_TABLES[feed].column_names
        path = folder / f"{feed}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def store_report(store: CursorStore, report: ReportIn) -> str:
    """Ingest the report in one transaction and return its number; ReportRefused if any row
    fails (nothing is then stored). The caller holds the write lock."""
    idno_field = "person_id" if report.person_id and not report.victim_idno else "victim_idno"
    report_id = next_report_id(store.con, report.reported_at)
    rows = feed_rows(report, report_id)
    early = precheck(report, rows)
    if early:
        raise ReportRefused(early, idno_field)
    with tempfile.TemporaryDirectory(prefix="fraudlink-intake-") as tmp:
        paths = _write(Path(tmp), rows)
        with store.transaction() as con:
            before = con.execute("select coalesce(max(ingest_id), 0) from ingest_log").fetchall()
            done = ingest_paths(store, paths)
            problems = [Problem(f, int(r), fld, v, why) for f, r, fld, v, why in con.execute(
                "select feed, row_number, field, value, reason from quarantine "
                "where ingest_id > ? order by feed, row_number, field",
                [before[0][0]],
            ).fetchall()]  # fmt: skip
            problems += [Problem(Path(e.file).name.split(".")[0], 1, "-", None, e.cause)
                         for e in done.errors]
            # Defensive: the number is fresh and payments were checked, so nothing should repeat.
            dup = [f for f, s in done.feeds.items() if s.duplicate and f != INDICATORS]
            problems += [Problem(f, 1, "report_id", report_id, "a row repeats a stored one")
                         for f in dup]  # fmt: skip
            if problems:
                raise ReportRefused(problems, idno_field)  # the transaction rolls back
    return report_id
