"""The audit log for the supervisor: its entries, newest first, and the verdict on its chain."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from fraudlink.web.audit import verify_chain


class AuditEntry(BaseModel):
    """One read of personal data, action or refusal, as recorded."""

    seq: int
    at: dt.datetime
    username: str
    role: str
    inst_id: str | None
    action: str
    target: str
    outcome: str = Field(description="ok, denied or refused")
    detail: dict[str, Any]
    hash: str


class ChainVerdict(BaseModel):
    """Whether every entry's hash still holds, and the first that does not."""

    entries: int
    ok: bool
    first_bad_seq: int | None
    reason: str


class AuditPage(BaseModel):
    """A page of the log and the chain check over all of it."""

    total: int
    entries: list[AuditEntry]
    chain: ChainVerdict


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def audit_page(con: duckdb.DuckDBPyConnection, limit: int, offset: int) -> AuditPage:
    """Entries newest first (`limit` from `offset`), with the whole chain verified."""
    rows = con.execute(
        "select seq, \"at\", username, role, inst_id, action, target, outcome, detail, hash "
        "from audit_log order by seq desc limit ? offset ?",
        [limit, offset],
    ).fetchall()
    total = con.execute("select count(*) from audit_log").fetchall()[0][0]
    check = verify_chain(con)
    return AuditPage(
        total=int(total),
        entries=[AuditEntry(seq=s, at=t, username=u, role=r, inst_id=i, action=a, target=g,
                            outcome=o, detail=_detail(d), hash=h)
                 for s, t, u, r, i, a, g, o, d, h in rows],
        chain=ChainVerdict(entries=check.entries, ok=check.ok, first_bad_seq=check.first_bad_seq,
                           reason=check.reason),
    )  # fmt: skip
