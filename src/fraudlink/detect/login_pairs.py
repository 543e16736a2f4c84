"""Bank logins as the card-cutting analyses read them: each (card, handset) and each (card, address)
pair with how often it logged in, kept up to date as logins arrive.

The mule features count a card's distinct handsets and addresses, and the identity graph links
cards through the handsets and addresses they share, with the login counts as edge weights. Both
read only those pairs, never a login's time or anything else. A replay that scores every week
can keep the pairs as the logins come, one day at a time (a few hundred thousand pairs a day
from about 750,000 bank logins at city), instead of writing tens of millions of logins into a
store and grouping them again at every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.compute import registered

DEVICE, IP = "device_imei", "ip"
_UTC_US = pa.timestamp("us", tz="UTC")

DEVICE_PAIRS_SQL = """select account, device_imei, count(*) as n from logins
  where account_kind = 'bank' and time <= $as_of group by all"""
"""SQL for the pairs from a store's `logins` at `$as_of`: (account, device_imei, n)."""

IP_PAIRS_SQL = """select account, ip, count(*) as n from logins
  where account_kind = 'bank' and time <= $as_of group by all"""
"""SQL for the pairs from a store's `logins` at `$as_of`: (account, ip, n)."""


class LoginPairs:
    """The bank logins seen so far, as (account, handset, n) and (account, address, n) pairs."""

    def __init__(self) -> None:
        self._parts: dict[str, list[pa.Table]] = {DEVICE: [], IP: []}
        self.latest: datetime | None = None  # the latest login time taken in
        self.logins = 0

    def take(self, logins: pa.Table) -> None:
        """Count in a table of logins (any kind: only bank logins are kept)."""
        bank = logins.filter(pc.equal(logins.column("account_kind"), "bank"))
        self.logins += bank.num_rows
        if bank.num_rows == 0:
            return
        latest = pc.max(bank.column("time").cast(_UTC_US)).as_py()
        self.latest = latest if self.latest is None else max(self.latest, latest)
        for col, parts in self._parts.items():
            grouped = bank.group_by(["account", col]).aggregate([([], "count_all")])
            parts.append(grouped.select(["account", col, "count_all"]).rename_columns(
                ["account", col, "n"]))  # fmt: skip

    def pairs(self, col: str, as_of: datetime) -> pa.Table:
        """(account, `col`, n): the pairs' login counts, with the logins up to `as_of` taken in.

        Refused when a later login was taken in: the pairs cannot be cut at an earlier time."""
        if self.latest is not None and self.latest > as_of:
            raise ValueError(f"logins up to {self.latest} were counted: cannot give the pairs "
                             f"as at {as_of}")  # fmt: skip
        parts = self._parts[col]
        if len(parts) != 1:
            # Folded into one table at each question (weekly), not at each day's logins.
            schema = pa.schema([("account", pa.string()), (col, pa.string()), ("n", pa.int64())])
            both = pa.concat_tables([p.cast(schema) for p in parts] or [schema.empty_table()])
            summed = both.group_by(["account", col]).aggregate([("n", "sum")])
            summed = summed.select(["account", col, "n_sum"]).rename_columns(schema.names)
            parts[:] = [summed.cast(schema)]
        return parts[0]


@contextmanager
def pair_sources(
    con: duckdb.DuckDBPyConnection, logins: LoginPairs | None, as_of: datetime
) -> Iterator[dict[str, str]]:
    """SQL for `device_pairs` and `ip_pairs` at `$as_of`: from the store's `logins`, or, given
    `logins`, from its pairs (registered on `con` for the length of the block)."""
    if logins is None:
        yield {"device_pairs": DEVICE_PAIRS_SQL, "ip_pairs": IP_PAIRS_SQL}
        return
    with ExitStack() as held:
        sources = {}
        for key, col in (("device_pairs", DEVICE), ("ip_pairs", IP)):
            table = held.enter_context(registered(con, logins.pairs(col, as_of), key))
            sources[key] = f"select * from {table}"
        yield sources
