"""Actions: what the engine decides, as records with an id, a time, a target and an addressee.

Every action carries the clock time it was decided at (never later: the arena adds the delays of
the world), who must act (a bank, an operator, a police unit), the legal or operational basis,
and its evidence in words. Orders also carry claims: how much of the account's balance the
centre's trace attributes to which reported victim, which the return (原路返还) later follows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import pyarrow as pa

WARNING = "warning"
STOP_PAYMENT = "stop_payment"
FREEZE = "freeze"
NUMBER_BLOCK = "number_block"
REVERIFY = "reverify"
TARGET_PACKAGE = "target_package"
KINDS = (WARNING, STOP_PAYMENT, FREEZE, NUMBER_BLOCK, REVERIFY, TARGET_PACKAGE)
ORDER_KINDS = (STOP_PAYMENT, FREEZE, NUMBER_BLOCK, REVERIFY, TARGET_PACKAGE)

TS = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        ("action_id", pa.string()),
        ("kind", pa.string()),
        ("decided_at", TS),
        ("target", pa.string()),
        ("target_kind", pa.string()),
        ("msisdn", pa.string()),
        ("addressee", pa.string()),
        ("basis", pa.string()),
        ("grade", pa.string()),
        ("channel", pa.string()),
        ("amount_fen", pa.int64()),
        ("report_ids", pa.list_(pa.string())),
        ("evidence", pa.string()),
    ]
)
CLAIMS = pa.schema(
    [
        ("action_id", pa.string()),
        ("account", pa.string()),
        ("report_id", pa.string()),
        ("claim_fen", pa.int64()),
    ]
)


class StandingClaim(NamedTuple):
    """A reported victim's money found on an account already stopped, and when a trace found it."""

    account: str
    report_id: str
    claim_fen: int
    found_at: datetime


@dataclass(frozen=True)
class Action:
    """One decision of the engine."""

    kind: str
    decided_at: datetime
    target: str
    target_kind: str
    addressee: str
    basis: str
    evidence: str
    grade: str | None = None
    channel: str | None = None
    msisdn: str | None = None
    amount_fen: int | None = None
    report_ids: tuple[str, ...] = ()
    claims: tuple[tuple[str, int], ...] = field(default=())  # (report_id, fen) on `target`

    @property
    def action_id(self) -> str:
        """A stable id from kind, target and time: the same decision always gets the same id."""
        key = f"{self.kind}|{self.target}|{self.decided_at.isoformat()}|{self.grade}"
        prefix = {WARNING: "W", STOP_PAYMENT: "SP", FREEZE: "FZ", NUMBER_BLOCK: "NB",
                  REVERIFY: "RV", TARGET_PACKAGE: "TP"}[self.kind]  # fmt: skip
        return f"{prefix}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


class ActionLog:
    """The engine's decisions in the order they were made."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        # Claims of victims found later on accounts already stopped, as often as traces found them.
        self.standing_claims: list[StandingClaim] = []

    def extend(self, actions: list[Action]) -> None:
        """Record decisions."""
        self.actions.extend(actions)

    def __len__(self) -> int:
        return len(self.actions)

    def table(self) -> pa.Table:
        """Every action as one Arrow table (SCHEMA)."""
        rows: list[dict[str, Any]] = [
            {
                "action_id": a.action_id,
                "kind": a.kind,
                "decided_at": a.decided_at,
                "target": a.target,
                "target_kind": a.target_kind,
                "msisdn": a.msisdn,
                "addressee": a.addressee,
                "basis": a.basis,
                "grade": a.grade,
                "channel": a.channel,
                "amount_fen": a.amount_fen,
                "report_ids": list(a.report_ids),
                "evidence": a.evidence,
            }
            for a in self.actions
        ]
        return pa.Table.from_pylist(rows, schema=SCHEMA)

    def claims(self) -> pa.Table:
        """Per order, the victims' claims on the account it stops (CLAIMS); claims added later to
        a standing order have no action id. Claims repeat as traces repeat: use each victim's
        largest claim on an account."""
        rows = [
            {"action_id": a.action_id, "account": a.target, "report_id": r, "claim_fen": f}
            for a in self.actions
            for r, f in a.claims
        ]
        rows += [
            {"action_id": None, "account": c.account, "report_id": c.report_id,
             "claim_fen": c.claim_fen}
            for c in self.standing_claims
        ]
        return pa.Table.from_pylist(rows, schema=CLAIMS)
