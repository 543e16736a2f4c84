"""Everything known about one identifier: a person's ID number, an account, a number, a device,
an address, a site, an app or a social account.

The answer gathers the indicator index's hits (reports, cases, seizures, member flags, the
engine's suspicions), every score given to the identifier with its reason (the engine's
detectors and the members' own flags), the registration row the store holds for it, and the
identifiers it is tied to (the holder of an account, the accounts of a person, the devices a
card logged in from, …), each with how they are tied.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from fraudlink.match import IndicatorIndex
from fraudlink.match.lookup import Query, match_queries, normalise_query
from fraudlink.model import identifiers
from fraudlink.web.centre.matching import Match

RELATED_LIMIT = 50  # per relation: a carrier NAT address is shared by thousands

# Per indicator kind: the entity table and its key column.
ENTITY: dict[str, tuple[str, str]] = {
    "idno": ("persons", "idno"), "account": ("bank_accounts", "account"),
    "phone": ("sim_cards", "msisdn"), "imei": ("devices", "imei"), "ip": ("ip_addresses", "ip"),
    "url": ("urls", "url"), "app": ("apps", "app_id"), "social": ("platform_accounts", "social_id"),
}  # fmt: skip

# Per indicator kind: (related kind, relation, SQL of the related values given `$v`).
RELATED: dict[str, list[tuple[str, str, str]]] = {
    "idno": [
        ("account", "holds account", "select account from bank_accounts where owner_idno = $v"),
        ("phone", "holds SIM card", "select msisdn from sim_cards where owner_idno = $v"),
        ("social", "platform account on their number",
         "select p.social_id from platform_accounts p join sim_cards s using (msisdn) "
         "where s.owner_idno = $v"),
        ("report", "victim in report",
         "select report_id from victim_reports where victim_idno = $v"),
        ("staff", "works as staff", "select staff_id from staff where idno = $v"),
        ("warning", "warned", "select warning_id from warning_queue where person_id = $v"),
    ],
    "account": [
        ("idno", "holder", "select owner_idno from bank_accounts where account = $v"),
        ("phone", "reserved phone",
         "select phone from bank_accounts where account = $v and phone is not null"),
        ("imei", "logged in from device",
         "select device_imei from logins where account = $v and account_kind = 'bank' "
         "group by 1 order by count(*) desc"),
        ("ip", "logged in from address",
         "select ip from logins where account = $v and account_kind = 'bank' "
         "group by 1 order by count(*) desc"),
        ("account", "paid money to",
         "select to_account from transactions where from_account = $v "
         "and to_account is not null group by 1 order by sum(amount_fen) desc"),
        ("account", "received money from",
         "select from_account from transactions where to_account = $v "
         "group by 1 order by sum(amount_fen) desc"),
        ("report", "paid into by the victim of",
         "select distinct report_id from report_payments where to_account = $v"),
        ("order", "order on the account", "select order_id from orders where account = $v"),
    ],
    "phone": [
        ("idno", "registered holder", "select owner_idno from sim_cards where msisdn = $v"),
        ("imei", "first seen in device",
         "select device_imei from sim_cards where msisdn = $v and device_imei is not null"),
        ("account", "reserved phone of account",
         "select account from bank_accounts where phone = $v"),
        ("social", "bound platform account",
         "select social_id from platform_accounts where msisdn = $v"),
        ("report", "victim's number in report",
         "select report_id from victim_reports where victim_msisdn = $v"),
        ("report", "named by the victim of",
         "select report_id from report_indicators where kind = 'phone' and value = $v"),
        ("phone", "called",
         "select callee from calls where caller = $v group by 1 order by count(*) desc"),
    ],
    "imei": [
        ("phone", "SIM card first seen in it",
         "select msisdn from sim_cards where device_imei = $v"),
        ("account", "account logged in from it",
         "select account from logins where device_imei = $v and account_kind = 'bank' "
         "group by 1 order by count(*) desc"),
        ("account", "account opened on it",
         "select account from bank_accounts where device_imei = $v"),
    ],
    "ip": [
        ("account", "account logged in from it",
         "select account from logins where ip = $v and account_kind = 'bank' "
         "group by 1 order by count(*) desc"),
    ],
    "url": [("domain", "site", "select domain from urls where url = $v")],
    "domain": [("url", "page of the site", "select url from urls where domain = $v")],
    "social": [
        ("phone", "bound number", "select msisdn from platform_accounts where social_id = $v"),
    ],
}


class Score(BaseModel):
    """A score given to the identifier, by whom, when and why."""

    detector: str = Field(description="the engine's detector, or member:<inst> for a flag")
    score: float
    reason: str | None
    detected_at: dt.datetime


class Related(BaseModel):
    """An identifier (or record) tied to the one asked about."""

    kind: str
    value: str
    relation: str


class IdentifierPage(BaseModel):
    """Everything known about one identifier."""

    query: str
    kind: str
    node_id: str
    value: str = Field(description="the identifier, normalised")
    known: bool = Field(description="anything at all is known: a hit, a score or a record")
    hits: list[Match]
    scores: list[Score]
    entity: dict[str, Any] | None = Field(description="the registration row, when there is one")
    related: list[Related]


def parse(raw: str, kind: str | None = None) -> tuple[str, str, str] | None:
    """(indicator kind, node id, normalised value) of a raw value, None when it is none."""
    parsed = normalise_query(raw, kind)
    if parsed is None:
        return None
    ind_kind, node_id = parsed
    return ind_kind, node_id, identifiers.parse_node_id(node_id)[1]


def scores(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> list[Score]:
    """The engine's suspicions and the members' flags on an identifier, newest first."""
    rows = con.execute(
        "select detector, score, reason, detected_at from suspicions "
        "where kind = $k and value = $v "
        "union all select 'member:' || inst_id, confidence, reason, flagged_at from member_flags "
        "where kind = $k and value = $v order by 4 desc, 1",
        {"k": kind, "v": value},
    ).fetchall()
    return [Score(detector=d, score=s, reason=r, detected_at=t) for d, s, r, t in rows]


def entity(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> dict[str, Any] | None:
    """The store's registration row of the identifier, without its ingest bookkeeping."""
    if kind not in ENTITY:
        return None
    table, key = ENTITY[kind]
    rel = con.sql(f'select * exclude (ingest_id) from "{table}" where "{key}" = $v limit 1',
                  params={"v": value})  # fmt: skip
    rows = rel.to_arrow_table().to_pylist()
    return rows[0] if rows else None


def related(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> list[Related]:
    """The identifiers tied to this one, at most RELATED_LIMIT per relation."""
    out: list[Related] = []
    for other, relation, sql in RELATED.get(kind, []):
        rows = con.execute(f"select * from ({sql}) t limit {RELATED_LIMIT}", {"v": value})
        out += [Related(kind=other, value=str(r[0]), relation=relation)
                for r in rows.fetchall() if r[0] is not None and str(r[0]) != value]  # fmt: skip
    return out


def identifier_page(con: duckdb.DuckDBPyConnection, index: IndicatorIndex, raw: str,
                    kind: str, node_id: str, value: str) -> IdentifierPage:  # fmt: skip
    """Everything known about a parsed identifier."""
    hits = match_queries(index, [Query(raw, kind, node_id)])
    matches = [Match.model_validate(h) for h in hits.select(list(Match.model_fields)).to_pylist()]
    found = scores(con, kind, value)
    row = entity(con, kind, value)
    ties = related(con, kind, value)
    return IdentifierPage(query=raw, kind=kind, node_id=node_id, value=value,
                          known=bool(matches or found or row or ties), hits=matches,
                          scores=found, entity=row, related=ties)  # fmt: skip
