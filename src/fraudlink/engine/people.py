"""Who holds a number or an account, kept in memory as registrations arrive, and where a person
lives, for the people a visit is sent to.

The warning desk asks this for every batch with evidence; a DuckDB point query per batch costs
milliseconds (architecture.md, performance habits), a dictionary lookup microseconds. The
household registry (`persons`, a reference table: it never changes during a replay) is read
once, at the first visit, into two sorted NumPy byte-string columns (about 24 MB for a million
residents, 0.4 s to read) and searched by bisection: a dictionary would take some 150 MB, and a
DuckDB query per batch with a visit cost about 30 ms on a registry of a million.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers import Idno
from fraudlink.store import Store

HOUSEHOLD = "household registry"
OUTLET = "outlet of their latest SIM card or account registration"
ID_REGION = "region code of their ID number"


class People:
    """Number -> holder, account -> holder, holder -> the numbers to reach them by."""

    def __init__(self) -> None:
        self.by_number: dict[str, str] = {}
        self.by_account: dict[str, str] = {}
        self.phone_of: dict[str, str] = {}  # the holder's first number, the one warnings use
        self.more_numbers: dict[str, list[str]] = {}  # only for holders of several
        # A number reserved with a bank (预留手机号) for a holder with no SIM card on record: the
        # bank reaches them by it, and so can 96110. Kept only for them, so it stays small.
        self.reserved_of: dict[str, str] = {}
        self._registry: tuple[np.ndarray, np.ndarray] | None = None  # idnos sorted, districts

    def receive(self, events: dict[str, pa.Table]) -> None:
        """Take in the SIM and account registrations of a batch."""
        if (t := events.get("sim_cards")) is not None:
            numbers = t.column("msisdn").to_pylist()
            holders = t.column("owner_idno").to_pylist()
            self.by_number.update(zip(numbers, holders, strict=True))
            for n, h in zip(numbers, holders, strict=True):
                first = self.phone_of.get(h)
                if first is None:
                    self.phone_of[h] = n
                    self.reserved_of.pop(h, None)
                elif n != first and n not in self.more_numbers.get(h, ()):
                    if n < first:
                        self.phone_of[h], n = n, first
                    self.more_numbers.setdefault(h, []).append(n)
        if (t := events.get("bank_accounts")) is not None:
            accounts = t.column("account").to_pylist()
            holders = t.column("owner_idno").to_pylist()
            self.by_account.update(zip(accounts, holders, strict=True))
            for h, p in zip(holders, t.column("phone").to_pylist(), strict=True):
                # Not a number registered to someone else: that would reach the wrong person.
                if p and h not in self.phone_of and self.by_number.get(p, h) == h:
                    self.reserved_of[h] = p

    def phone(self, idno: str) -> str | None:
        """A number to reach the person by: their first SIM card, else a number reserved with
        their bank; None when they have neither."""
        return self.phone_of.get(idno) or self.reserved_of.get(idno)

    def numbers(self, idnos: Iterable[str]) -> dict[str, str]:
        """number -> holder, for every number the people hold (still registered to them)."""
        out = {}
        for i in idnos:
            first = self.phone_of.get(i) or self.reserved_of.get(i)
            for n in (first, *self.more_numbers.get(i, ())):
                if n and self.by_number.get(n, i) == i:
                    out[n] = i
        return out

    def holders(self, evidence: pa.Table) -> list[str | None]:
        """Per evidence row, the person: the holder of its number, else of its paying account."""
        numbers = evidence.column("msisdn").to_pylist()
        accounts = evidence.column("account").to_pylist()
        return [
            self.by_number.get(n) if n is not None else self.by_account.get(a or "")
            for n, a in zip(numbers, accounts, strict=True)
        ]

    def attach(self, evidence: pa.Table, holders: list[str | None] | None = None) -> pa.Table:
        """Evidence rows with the person (`idno`: `holders` when given, else looked up) and a
        number to reach them (`phone`, null when none is on record); rows of nobody known go."""
        idno = self.holders(evidence) if holders is None else holders
        phone = [n if n is not None else self.phone(i or "") for n, i in
                 zip(evidence.column("msisdn").to_pylist(), idno, strict=True)]  # fmt: skip
        out = evidence.append_column("idno", pa.array(idno, pa.string()))
        out = out.append_column("phone", pa.array(phone, pa.string())).sort_by("at")
        return out.filter(pc.is_valid(out.column("idno")))

    def districts(
        self, store: Store, idnos: list[str], before_registrations: Callable[[], None] | None = None
    ) -> dict[str, tuple[str, str]]:
        """idno -> (district code, where it comes from) for the people a visit goes to: their
        household district in the registry (the `persons` feed); for someone not in it, the
        district of the outlet of their latest SIM card or account registration; else the
        region code of their ID number. `before_registrations` is called before the
        registrations are read (the engine writes its queued ones)."""
        if not idnos:
            return {}
        out = {i: (d, HOUSEHOLD) for i, d in self._household(store, idnos).items()}
        rest = [i for i in idnos if i not in out]
        if rest:
            if before_registrations is not None:
                before_registrations()
            rows = store.con.execute(
                "with reg as (select owner_idno, outlet_id, registered_at as at from sim_cards "
                "  where owner_idno in (select unnest($1::varchar[])) and outlet_id is not null "
                "  union all select owner_idno, outlet_id, opened_at from bank_accounts "
                "  where owner_idno in (select unnest($1::varchar[])) and outlet_id is not null) "
                "select owner_idno, arg_max(o.district, reg.at) from reg "
                "join outlets o using (outlet_id) where o.district is not null group by owner_idno",
                [rest],
            ).fetchall()
            out.update({i: (d, OUTLET) for i, d in rows})
        for i in idnos:
            if i not in out and (clean := Idno.clean(i)) is not None:
                out[i] = (Idno.district(clean), ID_REGION)
        return out

    def _household(self, store: Store, idnos: list[str]) -> dict[str, str]:
        """idno -> household district, for those of `idnos` in the registry."""
        if self._registry is None:
            t = store.arrow("select idno, district from persons")
            # Ingest keeps a registry idno only in its clean ASCII form, and a district is six
            # digits: fixed-width bytes, which sort and compare as the text does.
            ids = np.array(t.column("idno").to_pylist(), dtype="S")
            order = np.argsort(ids, kind="stable")
            districts = np.array(t.column("district").to_pylist(), dtype="S")
            self._registry = ids[order], districts[order]
        ids, districts = self._registry
        asked = [i for i in idnos if i.isascii() and len(i) <= ids.dtype.itemsize]
        if not asked or not len(ids):
            return {}
        want = np.array(asked, dtype=ids.dtype)
        pos = np.minimum(np.searchsorted(ids, want), len(ids) - 1)
        found = ids[pos] == want
        return {i: districts[p].decode() for i, p, f in
                zip(asked, pos.tolist(), found, strict=True) if f}  # fmt: skip
