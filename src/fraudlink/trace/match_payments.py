"""Reported payments → ledger transactions: which transaction is the payment a victim remembers.

Victims misremember: times are off (up to an hour or so), amounts rounded to 100 or 1,000 yuan,
now and then one digit of the receiving account mistyped. One SQL pipeline over all reports:
candidates on the same receiving account (or, when there is none, an account one digit away
that the victim's own account paid), within `window` of the remembered time and within the
rounding of the remembered amount; the best candidate per payment, one payment per transaction.
"""

from __future__ import annotations

import pyarrow as pa

from fraudlink.store import Store
from fraudlink.store.compute import registered
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.match_rows import book_windows, match_rows, payment_of, window_us

MATCHED = pa.schema([
    ("report_id", pa.string()),
    ("seq", pa.int16()),
    ("txn_id", pa.int64()),
    ("matched_by", pa.string()),  # 'exact', 'rounded' (amount), 'near_account' (one digit off)
])  # fmt: skip

# A remembered amount in whole 1,000 yuan may be up to 500 yuan off; in whole 100 yuan, 50 yuan;
# amounts under 50 yuan are remembered as 100 yuan (the rounding floor).
_TOLERANCE = """case when p.amount_fen % 100000 = 0 then 50000
                     when p.amount_fen % 10000 = 0 then 5000 else 0 end"""

_PAID = """
with p as (
  select p.report_id, p.seq, p.paid_at, p.from_account, p.to_account, p.amount_fen
  from report_payments p {report_filter}
),
mine as (  -- the victim's own accounts: the one remembered, and every account in their name
  select p.report_id, p.seq, a.account from p
  join victim_reports r using (report_id) join bank_accounts a on a.owner_idno = r.victim_idno
  union select report_id, seq, from_account from p where from_account is not null
)
"""

_MATCH = """
same_to as (
  select p.report_id, p.seq, x.txn_id, x.from_account, x.time, x.amount_fen, p.paid_at,
         p.amount_fen as said_fen, 0 as near
  from p join {ledger} x on x.to_account = p.to_account
  where x.time between p.paid_at - ?::interval and p.paid_at + ?::interval
    and (abs(x.amount_fen - p.amount_fen) <= {tol}
         or (p.amount_fen = 10000 and x.amount_fen < 10000))
),
missing as (select * from p anti join same_to using (report_id, seq)),
near_to as (  -- one digit off, paid from the victim's own account
  select p.report_id, p.seq, x.txn_id, x.from_account, x.time, x.amount_fen, p.paid_at,
         p.amount_fen as said_fen, 1 as near
  from missing p join mine m using (report_id, seq)
  join {ledger} x on x.from_account = m.account
  where x.time between p.paid_at - ?::interval and p.paid_at + ?::interval
    and x.to_account is not null and length(x.to_account) = length(p.to_account)
    and hamming(x.to_account, p.to_account) = 1
    and (abs(x.amount_fen - p.amount_fen) <= {tol}
         or (p.amount_fen = 10000 and x.amount_fen < 10000))
),
cand as (
  select c.*, (m.account is not null) as own from (
    select * from same_to union all select * from near_to
  ) c left join mine m on m.report_id = c.report_id and m.seq = c.seq
                      and m.account = c.from_account
),
ranked as (  -- own account first, then exact amount, then nearest in time
  select *, row_number() over (
    order by not own, near, abs(amount_fen - said_fen), abs(epoch(time) - epoch(paid_at)),
             report_id, seq, txn_id) as score
  from cand
),
best_per_payment as (
  select * from ranked qualify row_number() over (partition by report_id, seq order by score) = 1
)
select report_id, seq::smallint as seq, txn_id,
       case when near = 1 then 'near_account'
            when amount_fen = said_fen then 'exact' else 'rounded' end as matched_by
from best_per_payment
qualify row_number() over (partition by txn_id order by score) = 1
order by report_id, seq
"""

_SQL = _PAID + "," + _MATCH
_GIVEN = "with p as (select * from {p}), mine as (select * from {mine}),"

# Where candidates can be: each payment's window on the account it names, and on the victim's own.
_WINDOWS_SQL = """
select to_account as account, epoch_us(paid_at - ?::interval) as lo,
       epoch_us(paid_at + ?::interval) as hi, true as payee
from {p} where to_account is not null and paid_at is not null
union all
select m.account, epoch_us(p.paid_at - ?::interval), epoch_us(p.paid_at + ?::interval), false
from {p} p join {mine} m using (report_id, seq) where p.paid_at is not null
"""


def match_payments(
    store: Store,
    report_ids: list[str] | None = None,
    window: str = "2 hours",
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
) -> pa.Table:
    """(report_id, seq, txn_id, matched_by) for every reported payment found in the ledger.

    Given the `LedgerBook` of the store's transactions, the same SQL reads only the rows within
    the payments' windows on their accounts (found in memory) instead of scanning the ledger;
    given a `HolderBook` too, the victims' own accounts come from it instead of a scan."""
    if book is None:
        report_filter, chosen = _report_filter(report_ids)
        sql = _SQL.format(report_filter=report_filter, tol=_TOLERANCE, ledger="transactions")
        return store.arrow(sql, chosen + [window] * 4).cast(MATCHED)
    return match_payments_in_book(store, book, report_ids, window, holders)[0]


def match_payments_in_book(
    store: Store,
    book: LedgerBook,
    report_ids: list[str] | None = None,
    window: str = "2 hours",
    holders: HolderBook | None = None,
) -> tuple[pa.Table, pa.Table]:
    """`match_payments` from the ledger book, and the book's rows it chose among: every
    transaction it matched is one of them, with all of the book's columns."""
    report_filter, chosen = _report_filter(report_ids)
    paid = _PAID.format(report_filter=report_filter)
    payments = store.arrow(paid + "select * from p", chosen)
    if holders is None:
        own = store.arrow(paid + "select * from mine", chosen)
    else:
        own = _own_accounts(store, payments, holders)
    span = window_us(window)
    of = payment_of(payments, own) if span is not None else None
    if span is None or of is None:
        return _match_by_sql(store, book, payments, own, window)
    near = book.around(*book_windows(book, payments, own, of, span))
    matched = match_rows(payments, own, near, of, span)
    if matched is None:
        return _match_by_sql(store, book, payments, own, window, near)
    return matched.cast(MATCHED), near


def _match_by_sql(
    store: Store,
    book: LedgerBook,
    payments: pa.Table,
    own: pa.Table,
    window: str,
    near: pa.Table | None = None,
) -> tuple[pa.Table, pa.Table]:
    """`match_payments_in_book` by `_MATCH` over registered tables, for what `match_rows`
    leaves to SQL (the tests hold `match_rows` to `_MATCH` itself)."""
    windows = [window] * 4
    with registered(store.con, payments, "match_p") as p, \
            registered(store.con, own, "match_mine") as mine:  # fmt: skip
        if near is None:
            w = store.arrow(_WINDOWS_SQL.format(p=p, mine=mine), windows)
            payee = w.column("payee").to_numpy(zero_copy_only=False)
            ids = book.ids(w.column("account").to_pylist())
            lo, hi = w.column("lo").to_numpy(), w.column("hi").to_numpy()
            near = book.around(ids[payee], lo[payee], hi[payee],
                               ids[~payee], lo[~payee], hi[~payee])  # fmt: skip
        with registered(store.con, near, "match_ledger") as ledger:
            sql = _GIVEN.format(p=p, mine=mine) + _MATCH.format(tol=_TOLERANCE, ledger=ledger)
            return store.arrow(sql, windows).cast(MATCHED), near


def _report_filter(report_ids: list[str] | None) -> tuple[str, list[object]]:
    """The `_PAID` filter to the given reports (none: every report), and its parameter."""
    if not report_ids:
        return "", []
    return "where p.report_id in (select unnest(?::varchar[]))", [report_ids]


def _own_accounts(store: Store, payments: pa.Table, holders: HolderBook) -> pa.Table:
    """`mine` of `_PAID` for these payments: the account each was paid from, and every account
    in the victim's name, from the holder book."""
    reports = sorted(set(payments.column("report_id").to_pylist()))
    victims = store.con.execute(
        "select report_id, victim_idno from victim_reports "
        "where report_id in (select unnest(?::varchar[])) and victim_idno is not null",
        [reports],
    ).fetchall()
    owned = holders.accounts_of(store, sorted({v for _, v in victims}))
    accounts_of: dict[str, set[str]] = {}
    for report, victim in victims:
        accounts_of.setdefault(report, set()).update(owned[victim])
    rows = set()
    cols = (payments.column(c).to_pylist() for c in ("report_id", "seq", "from_account"))
    for report, seq, paid_from in zip(*cols, strict=True):
        rows |= {(report, seq, a) for a in accounts_of.get(report, ())}
        if paid_from is not None:
            rows.add((report, seq, paid_from))
    got = sorted(rows)
    return pa.table(
        {"report_id": pa.array([r for r, _, _ in got], pa.string()),
         "seq": pa.array([q for _, q, _ in got], payments.schema.field("seq").type),
         "account": pa.array([a for _, _, a in got], pa.string())}
    )  # fmt: skip
