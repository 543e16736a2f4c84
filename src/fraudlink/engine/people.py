"""Who holds a number or an account, kept in memory as registrations arrive.

The warning desk asks this for every batch with evidence; a DuckDB point query per batch costs
milliseconds (architecture.md, performance habits), a dictionary lookup microseconds.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


class People:
    """Number -> holder, account -> holder, holder -> a number to reach them by."""

    def __init__(self) -> None:
        self.by_number: dict[str, str] = {}
        self.by_account: dict[str, str] = {}
        self.phone_of: dict[str, str] = {}

    def receive(self, events: dict[str, pa.Table]) -> None:
        """Take in the SIM and account registrations of a batch."""
        if (t := events.get("sim_cards")) is not None:
            numbers = t.column("msisdn").to_pylist()
            holders = t.column("owner_idno").to_pylist()
            self.by_number.update(zip(numbers, holders, strict=True))
            for n, h in zip(numbers, holders, strict=True):
                if h not in self.phone_of or n < self.phone_of[h]:
                    self.phone_of[h] = n
        if (t := events.get("bank_accounts")) is not None:
            accounts = t.column("account").to_pylist()
            self.by_account.update(zip(accounts, t.column("owner_idno").to_pylist(), strict=True))

    def attach(self, evidence: pa.Table) -> pa.Table:
        """Evidence rows with the person (`idno`) and a number to reach them (`phone`)."""
        numbers = evidence.column("msisdn").to_pylist()
        accounts = evidence.column("account").to_pylist()
        idno = [
            self.by_number.get(n) if n is not None else self.by_account.get(a or "")
            for n, a in zip(numbers, accounts, strict=True)
        ]
        phone = [n if n is not None else self.phone_of.get(i or "") for n, i in
                 zip(numbers, idno, strict=True)]  # fmt: skip
        out = evidence.append_column("idno", pa.array(idno, pa.string()))
        out = out.append_column("phone", pa.array(phone, pa.string())).sort_by("at")
        return out.filter(pc.is_valid(out.column("idno")))
