"""Whose rows a member may push: its own institution's, judged by who issued what a row is about.

An `inst_id` column must name the member. Beyond that a row is the member's own when the member
issued the identifier the row is about, by the prefixes in the `institutions` table (card BINs
for banks and payment firms, number prefixes for operators), as orders are addressed to the
issuer. A bank records both the payments its customers make and those they receive (one ledger
row per payment, keyed by `txn_id`, whichever bank sends it), so a transaction is its own when
it issued the paying or the receiving account; an operator carries both ends of its subscribers'
calls, so a call is its own when it issued the caller's or the callee's number. A registration
(an account, a SIM card), an operator's web event and a bank's login are about one identifier,
which the member must have issued. A platform account id carries a platform tag, but the feeds
do not tie the tag to the registering platform (one platform registers another's tags), so for
platforms only `inst_id` and a login's `account_kind` are checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from fraudlink.model import identifiers
from fraudlink.model.tables import FEED_TABLES
from fraudlink.web.users import BANK, OPERATOR, PLATFORM, Principal

INST_COLUMN = "inst_id"
SHOWN = 10  # problems named in a refusal's message; the rest are counted


@dataclass(frozen=True)
class RowProblem:
    """One refused field of one pushed row (row = its 0-based place in the push)."""

    row: int
    field: str
    reason: str


class ForeignRows(PermissionError):
    """A push holding rows of another institution: refused whole."""

    def __init__(self, problems: list[RowProblem]) -> None:
        shown = "; ".join(f"row {p.row}, {p.field}: {p.reason}" for p in problems[:SHOWN])
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        super().__init__(shown + more)
        self.problems = problems


@dataclass(frozen=True)
class Issued:
    """Identifier columns of a feed, one of which the member must have issued."""

    columns: tuple[str, ...]
    kind: str  # the identifier type the columns hold: card or phone
    # Ingest quarantines a bad value of an identifier column, so a value that is no identifier
    # is left to it; a column ingest does not check (a login's account) must prove its issuer.
    strict: bool = False


ISSUED: dict[tuple[str, str], Issued] = {
    (BANK, "transactions"): Issued(("from_account", "to_account"), "card"),
    (BANK, "bank_accounts"): Issued(("account",), "card"),
    (BANK, "logins"): Issued(("account",), "card", strict=True),
    (OPERATOR, "calls"): Issued(("caller", "callee"), "phone"),
    (OPERATOR, "sim_cards"): Issued(("msisdn",), "phone"),
    (OPERATOR, "web_events"): Issued(("msisdn",), "phone"),
}
# A login names the kind of account it is to: a bank's logins are to bank accounts.
LOGIN_KIND = {BANK: "bank", PLATFORM: "platform"}


def issued_prefixes(con: duckdb.DuckDBPyConnection, inst_id: str | None) -> tuple[str, ...]:
    """The card BINs or number prefixes an institution issues, from the store."""
    rows = con.execute("select prefixes from institutions where inst_id = ?",
                       [inst_id]).fetchall()  # fmt: skip
    text = rows[0][0] if rows and rows[0][0] else ""
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _clean(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    # Ingest reads a JSON number in a text column as its digits, so a number is checked too.
    return identifiers.get(kind).clean(value if isinstance(value, str) else str(value))


def _not_issued(who: Principal, rule: Issued, row: dict[str, Any],
                prefixes: tuple[str, ...]) -> tuple[str, str] | None:  # fmt: skip
    """(field, reason) when the member issued none of the row's identifiers, else None."""
    cleaned = [c for c in (_clean(rule.kind, row.get(col)) for col in rule.columns) if c]
    if not cleaned and not rule.strict:
        return None  # no identifier at all: ingest quarantines the row
    if any(c.startswith(prefixes) for c in cleaned):
        return None
    what = "a number" if rule.kind == "phone" else "an account"
    lead = "neither is" if len(rule.columns) > 1 else "not"
    return " or ".join(rule.columns), (f"{lead} {what} {who.inst_id} issues (its prefixes: "
                                       f"{', '.join(prefixes) or 'none'})")  # fmt: skip


def own_rows(who: Principal, feed: str, rows: list[dict[str, Any]],
             prefixes: tuple[str, ...]) -> list[dict[str, Any]]:  # fmt: skip
    """Rows with the member's institution filled in; ForeignRows names every row of another."""
    has_inst = INST_COLUMN in FEED_TABLES[feed].column_index
    rule = ISSUED.get((who.role, feed))
    login_kind = LOGIN_KIND.get(who.role) if feed == "logins" else None
    out, foreign = [], []
    for i, row in enumerate(rows):
        inst = row.get(INST_COLUMN)
        if has_inst and (inst is None or (isinstance(inst, str) and not inst.strip())):
            row = {**row, INST_COLUMN: who.inst_id}
        elif has_inst and (not isinstance(inst, str) or inst.strip() != who.inst_id):
            foreign.append(RowProblem(i, INST_COLUMN, f"{inst!s:.40} is not {who.inst_id}, the "
                                      "institution this user acts for"))  # fmt: skip
        kind = row.get("account_kind")
        if login_kind and kind in LOGIN_KIND.values() and kind != login_kind:
            foreign.append(RowProblem(i, "account_kind", f"a {who.role} member pushes logins to "
                                      f"{login_kind} accounts, not {kind}"))  # fmt: skip
        elif rule and (problem := _not_issued(who, rule, row, prefixes)):
            foreign.append(RowProblem(i, *problem))
        out.append(row)
    if foreign:
        raise ForeignRows(foreign)
    return out
