"""The money-trail graph of one victim (TRAIL): accounts as nodes, hops as edges, with amounts.

Node ids are account numbers; the victim's own paying account has hop 0 and every other account
the fewest hops the victim's money took to reach it, with what it still holds of that money.
Money that left the ledger ends at a cash-out node (the ATM, POS or OTC desk, or the channel),
and money followed past the depth limit at a `beyond` node of the account it left from.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import duckdb
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from fraudlink.trace.engine import TraceResult

NodeKind = Literal["victim", "account", "cash_out", "beyond"]


class TrailNode(BaseModel):
    """An account (or an exit from the ledger) on the victim's money trail."""

    id: str = Field(description="the account number; for an exit, its terminal or channel")
    label: str
    kind: NodeKind
    held_fen: int = Field(description="the victim's money still there, in fen")
    hop: int = Field(description="fewest hops from the victim's payment; 0 = the victim")


class TrailEdge(BaseModel):
    """One transaction carrying the victim's money: its share of it, hop and time."""

    source: str
    target: str
    amount_fen: int
    hop: int
    time: dt.datetime


class TrailTotals(BaseModel):
    """Where the victim's money went, in sum."""

    paid_fen: int
    held_fen: int
    cashed_out_fen: int
    beyond_depth_fen: int


class Trail(BaseModel):
    """The graph the console draws, with the totals under it."""

    nodes: list[TrailNode]
    edges: list[TrailEdge]
    totals: TrailTotals


def _accounts(con: duckdb.DuckDBPyConnection, accounts: list[str]) -> dict[str, str]:
    """account → label: the holder's name and the institution, when the store knows them."""
    rows = con.execute(
        "select account, any_value(owner_name), any_value(inst_id) from bank_accounts "
        "where account in (select unnest(?::varchar[])) group by account",
        [accounts],
    ).fetchall()
    return {a: f"{name} · {inst}" for a, name, inst in rows}


def money_trail(con: duckdb.DuckDBPyConnection, traced: TraceResult, report_id: str) -> Trail:
    """The TRAIL graph of one victim from a trace that covers the report."""
    rows = traced.trail(report_id).to_pylist()
    exits = traced.exits_of(report_id).to_pylist()
    held: dict[str, int] = {}
    for p in traced.positions_of(report_id).to_pylist():
        held[p["account"]] = held.get(p["account"], 0) + int(p["amount_fen"])
    hop: dict[str, int] = {}
    kind: dict[str, NodeKind] = {}
    exit_of = {e["txn_id"]: e for e in exits if e["channel"] != "depth_limit"}
    edges: list[TrailEdge] = []

    def reach(node: str, h: int, k: NodeKind) -> None:
        if node not in hop or h < hop[node]:
            hop[node] = h
        kind.setdefault(node, k)

    for r in rows:
        if r["hop"] == 1:
            reach(r["from_account"], 0, "victim")
            kind[r["from_account"]] = "victim"
        target = r["to_account"]
        if target is None:
            e = exit_of.get(r["txn_id"])
            target = (e and e["terminal"]) or f"{e['channel'] if e else 'cash_out'}:{r['txn_id']}"
            reach(target, int(r["hop"]), "cash_out")
        else:
            reach(target, int(r["hop"]), "account")
        reach(r["from_account"], int(r["hop"]) - 1, "account")
        edges.append(TrailEdge(source=r["from_account"], target=target,
                               amount_fen=int(r["amount_fen"]), hop=int(r["hop"]),
                               time=r["time"]))  # fmt: skip
    seen = {r["txn_id"] for r in rows}
    for e in exits:
        if e["channel"] == "depth_limit" and e["txn_id"] not in seen:
            node = f"beyond:{e['from_account']}"
            h = hop.get(e["from_account"], 0) + 1
            reach(node, h, "beyond")
            edges.append(TrailEdge(source=e["from_account"], target=node,
                                   amount_fen=int(e["amount_fen"]), hop=h,
                                   time=e["time"]))  # fmt: skip
    names = _accounts(con, [n for n, k in kind.items() if k in ("victim", "account")])
    exit_label = {(e["terminal"] or ""): f"{e['channel']} {e['terminal'] or ''}".strip()
                  for e in exits}  # fmt: skip
    nodes = [
        TrailNode(id=n, kind=k, hop=hop[n], held_fen=held.get(n, 0),
                  label=names.get(n) or exit_label.get(n) or n)
        for n, k in sorted(kind.items(), key=lambda item: (hop[item[0]], item[0]))
    ]  # fmt: skip
    paid = traced.trail(report_id)
    paid = paid.filter(pc.equal(paid.column("hop"), 1))
    return Trail(nodes=nodes, edges=edges, totals=TrailTotals(
        paid_fen=int(pc.sum(paid.column("amount_fen")).as_py() or 0),
        held_fen=sum(held.values()),
        cashed_out_fen=sum(int(e["amount_fen"]) for e in exits if e["channel"] != "depth_limit"),
        beyond_depth_fen=sum(int(e["amount_fen"]) for e in exits
                             if e["channel"] == "depth_limit"),
    ))  # fmt: skip
