"""Who holds a number or an account, kept in memory as registrations arrive, and where a person
lives, for the people a visit is sent to.

The warning step asks this for every batch with evidence, and the evidence rows come from the
event streams, so a batch's rows are resolved as whole columns: each number's and each
account's holder is kept as a holder id in a `store.latest_values.LatestValues` (a plain digit
string is its own integer key, found by binary search), holders are numbered as their registrations
arrive, and NumPy arrays by holder id give the ID number and the number to reach them by. A
DuckDB point query per batch costs milliseconds (architecture.md, performance habits). The
household registry (`persons`, a reference table: it never changes during a replay) is read
once, at the first visit, into two sorted NumPy byte-string columns (about 24 MB for a million
residents, 0.4 s to read) and searched by bisection: a dictionary would take some 150 MB, and a
DuckDB query per batch with a visit cost about 30 ms on a registry of a million.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers import Idno
from fraudlink.store import Store
from fraudlink.store.arrays import NO_ID, IntArray, sorted_distinct
from fraudlink.store.latest_values import LatestValues

HOUSEHOLD = "household registry"
OUTLET = "outlet of their latest SIM card or account registration"
ID_REGION = "region code of their ID number"

NOT_A_SIM = -2
"""The holder of a number no SIM card registration has named (a number reserved with a bank):
apart from NO_ID, the holder of a SIM card registered with no ID number."""

ObjectArray = npt.NDArray[np.object_]


class People:
    """Number -> holder, account -> holder, holder -> the numbers to reach them by."""

    def __init__(self) -> None:
        # Holder ids by number (of its latest SIM card registration) and by account. A number
        # no SIM card names has none (NOT_A_SIM), which is not a card registered to no one.
        self._by_number = LatestValues()
        self._by_account = LatestValues()
        self._holder_id: dict[str, int] = {}  # ID number -> holder id, numbered as first seen
        # By holder id: the ID number, and the number `phone` gives (None when none).
        self._idno: ObjectArray = np.empty(0, object)
        self._reach: ObjectArray = np.empty(0, object)
        self.phone_of: dict[str, str] = {}  # the holder's first number, the one warnings use
        self.more_numbers: dict[str, list[str]] = {}  # only for holders of several
        # A number reserved with a bank (预留手机号) for a holder with no SIM card on record: the
        # bank reaches them by it, and so can 96110. Kept only for them, so it stays small.
        self.reserved_of: dict[str, str] = {}
        self._registry: tuple[np.ndarray, np.ndarray] | None = None  # idnos sorted, districts

    def receive(self, events: dict[str, pa.Table]) -> None:
        """Take in the SIM and account registrations of a batch."""
        sims, accounts = (t if t is not None and t.num_rows else None for t in
                          (events.get("sim_cards"), events.get("bank_accounts")))  # fmt: skip
        if sims is None and accounts is None:
            return
        # Both feeds' holders numbered at once: the fixed cost of a call counts at every batch.
        owners = [t.column("owner_idno") for t in (sims, accounts) if t is not None]
        holder = self._holders(pa.chunked_array([c for o in owners for c in o.chunks], pa.string()))
        if sims is not None:
            sim_holder = holder[: sims.num_rows]
            self._by_number.set(sims.column("msisdn"), sim_holder)
            # Registrations, not events: a step a SIM card, as the cards come.
            numbers = sims.column("msisdn").to_pylist()
            holders = sims.column("owner_idno").to_pylist()
            for n, h in zip(numbers, holders, strict=True):
                first = self.phone_of.get(h)
                if first is None:
                    self.phone_of[h] = n
                    self.reserved_of.pop(h, None)
                elif n != first and n not in self.more_numbers.get(h, ()):
                    if n < first:
                        self.phone_of[h], n = n, first
                    self.more_numbers.setdefault(h, []).append(n)
        if accounts is not None:
            account_holder = holder[len(holder) - accounts.num_rows :]
            self._by_account.set(accounts.column("account"), account_holder)
            # Not a number registered to someone else: that would reach the wrong person.
            current = self._by_number.get(accounts.column("phone"), NOT_A_SIM)
            own = ((current == NOT_A_SIM) | (current == account_holder)).tolist()
            holders = accounts.column("owner_idno").to_pylist()
            for h, p, ok in zip(holders, accounts.column("phone").to_pylist(), own, strict=True):
                if p and h not in self.phone_of and ok:
                    self.reserved_of[h] = p
        # The number to reach them by may have changed for every holder of the batch.
        who = sorted_distinct(holder)
        who = who[who != NO_ID]
        self._reach[who] = [self.phone(i) for i in self._idno[who].tolist()]

    def phone(self, idno: str) -> str | None:
        """A number to reach the person by: their first SIM card, else a number reserved with
        their bank; None when they have neither."""
        return self.phone_of.get(idno) or self.reserved_of.get(idno)

    def numbers(self, who: IntArray) -> tuple[pa.Array, IntArray]:
        """Every number on record for the people `who` (holder ids), and whose it is: their SIM
        cards' numbers, some perhaps registered to someone else since (see `still_theirs`),
        or the number reserved with their bank."""
        if not len(who):
            return pa.array([], pa.string()), np.empty(0, np.int64)
        numbers, owner = [], []
        for h, i in zip(who.tolist(), self._idno[who].tolist(), strict=True):
            for n in (self.phone(i), *self.more_numbers.get(i, ())):
                if n:
                    numbers.append(n)
                    owner.append(h)
        return pa.array(numbers, pa.string()), np.array(owner, np.int64)

    def still_theirs(self, numbers: pa.Array, owner: IntArray) -> npt.NDArray[np.bool_]:
        """Whether each number is still held by `owner` (holder ids): no SIM card of it is
        registered to anyone else."""
        current = self._by_number.get(numbers, NOT_A_SIM)
        return (current == NOT_A_SIM) | (current == owner)

    def holders(self, evidence: pa.Table) -> IntArray:
        """Per evidence row, the person (a holder id, NO_ID for nobody known): the holder of
        its number, else of its paying account."""
        msisdn = evidence.column("msisdn")
        out = self._by_number.get(msisdn, NO_ID)
        if msisdn.null_count:
            by_account = np.asarray(pc.is_null(msisdn), bool)
            accounts = pc.fill_null(evidence.column("account").filter(pa.array(by_account)), "")
            out[by_account] = self._by_account.get(accounts, NO_ID)
        return out

    def idnos(self, who: IntArray) -> pa.Array:
        """The ID numbers of holder ids (null for NO_ID)."""
        out = np.full(len(who), None, object)
        known = who != NO_ID
        out[known] = self._idno[who[known]]
        return pa.array(out, pa.string())

    def idno_list(self, who: IntArray) -> list[str]:
        """The ID numbers of holder ids (none NO_ID), for the desk's work a person at a time."""
        return self._idno[who].tolist()

    def attach(self, evidence: pa.Table, who: IntArray | None = None) -> pa.Table:
        """Evidence rows with the person (`idno`: the holder ids `who` when given, else looked
        up) and a number to reach them (`phone`, null when none is on record); rows of nobody
        known go."""
        who = self.holders(evidence) if who is None else who
        known = who != NO_ID
        out = evidence.filter(pa.array(known)) if not known.all() else evidence
        who = who[known]
        phone = pc.coalesce(out.column("msisdn"), pa.array(self._reach[who], pa.string()))
        out = out.append_column("idno", pa.array(self._idno[who], pa.string()))
        return out.append_column("phone", phone).sort_by("at")

    def _holders(self, idnos: pa.ChunkedArray) -> IntArray:
        """Holder ids of a registration column, numbering the new ones in order of first sight.
        Registrations, not events: a dict probe a distinct ID number (an ID number ending in X
        has no digit key, so a `LatestValues` would probe a dict for it anyway)."""
        known = self._holder_id
        enc = pc.dictionary_encode(idnos.combine_chunks())
        names = enc.dictionary.to_pylist()
        before = len(known)
        distinct = np.array([known.setdefault(i, len(known)) for i in names], np.int64)
        if len(known) > before:
            self._idno = _grown(self._idno, len(known), None)
            self._reach = _grown(self._reach, len(known), None)
            new = distinct >= before
            self._idno[distinct[new]] = np.array(names, object)[new]
        at = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
        ids = distinct[at] if len(distinct) else np.full(len(at), NO_ID, np.int64)
        ids[at < 0] = NO_ID
        return ids

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


def _grown(a: np.ndarray, size: int, fill: object) -> np.ndarray:
    """`a` with room for ids below `size`, the new places `fill`: grown by half at least, so
    that growing batch by batch copies each entry a few times only."""
    if len(a) >= size:
        return a
    out = np.full(max(size, len(a) * 3 // 2), fill, a.dtype)
    out[: len(a)] = a
    return out


def among(ids: IntArray, sorted_ids: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each of the holder ids `ids` is one of `sorted_ids` (sorted, distinct)."""
    if not len(sorted_ids):
        return np.zeros(len(ids), bool)
    pos = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[pos] == ids
