"""The simulated world's truth, as the arena needs it: episodes, their payments and contacts,
and who and what is innocent. Only the arena (and the evaluation) read these files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

IntArray = npt.NDArray[np.int64]
MULE_ROLES = ("mule_l1", "mule_l2", "mule_l3")
ABUSED_SIM_ROLES = ("fraud_caller", "sim_box", "mule_kit")
CALLER_ROLES = ("fraud_caller", "sim_box")


def us(column: pa.Array | pa.ChunkedArray) -> IntArray:
    """Timestamps as integer microseconds since the epoch (UTC)."""
    t = pc.cast(column, pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.asarray(t.to_numpy(zero_copy_only=False), dtype=np.int64)


def _read(world: Path, name: str) -> pa.Table:
    return pq.read_table(world / "truth" / f"{name}.parquet")


def pending_targets(world: Path) -> dict[str, int]:
    """Person -> first contact (UTC microseconds) of their earliest episode still in grooming
    when the period ends; empty for a world written before the simulator listed them."""
    path = world / "truth" / "pending_episodes.parquet"
    if not path.exists():
        return {}
    t = pq.read_table(path, columns=["target_idno", "first_contact_at"])
    out: dict[str, int] = {}
    for idno, at in zip(t.column("target_idno").to_pylist(),
                        us(t.column("first_contact_at")).tolist(), strict=True):  # fmt: skip
        out[idno] = min(at, out.get(idno, at))
    return out


@dataclass
class Truth:
    """Episodes (by position), their hop-1 payments and contacts, and the innocent."""

    episodes: pa.Table
    money_path: pa.Table
    victim: list[str]
    fraud_msisdn: list[str]
    report_id: list[str | None]
    first_contact: IntArray
    first_payment: IntArray
    last_payment: IntArray
    pay_txn: IntArray  # hop-1 transactions, sorted
    pay_episode: IntArray  # their episode positions
    pay_time: IntArray
    mule_accounts: set[str]
    abused_sims: set[str]
    gang_numbers: dict[int, list[str]]  # a gang's lines: its callers, then its ring's kit SIMs
    n_persons: int
    n_accounts: int
    world: Path
    # people contacted by a gang whose first payment falls after the period: neither victims in
    # it nor innocent (person -> first contact, UTC microseconds)
    pending: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, world: Path) -> Truth:
        """Read the truth tables of a simulated world."""
        ep = _read(world, "episodes").sort_by("episode_id")
        pos = {e: i for i, e in enumerate(ep.column("episode_id").to_pylist())}
        path = _read(world, "money_path")
        hop1 = path.filter(pc.equal(path.column("hop"), 1))
        txn = np.asarray(hop1.column("txn_id").to_numpy(), np.int64)
        order = np.argsort(txn, kind="stable")
        epos = np.array([pos[e] for e in hop1.column("episode_id").to_pylist()], np.int64)
        accounts = _read(world, "account_roles")
        sims = _read(world, "sim_roles")
        callers = sims.filter(pc.is_in(sims.column("role"), pa.array(CALLER_ROLES)))
        gang_numbers: dict[int, list[str]] = {}
        for m, g in sorted(zip(callers.column("msisdn").to_pylist(),
                               callers.column("gang_id").to_pylist(), strict=True)):  # fmt: skip
            if g is not None:
                gang_numbers.setdefault(g, []).append(m)
        # Then the SIM cards of the kits its ring sold: the spare lines a gang turns to.
        ring_of = dict(zip(*[_read(world, "gangs").column(c).to_pylist()
                             for c in ("gang_id", "ring_id")], strict=True))  # fmt: skip
        kits = sims.filter(pc.equal(sims.column("role"), "mule_kit"))
        by_ring: dict[int, list[str]] = {}
        for m, r in sorted(zip(kits.column("msisdn").to_pylist(),
                               kits.column("ring_id").to_pylist(), strict=True)):  # fmt: skip
            if r is not None:
                by_ring.setdefault(r, []).append(m)
        for g, r in ring_of.items():
            gang_numbers.setdefault(g, []).extend(by_ring.get(r, []))
        return cls(
            episodes=ep,
            money_path=path,
            victim=ep.column("victim_idno").to_pylist(),
            fraud_msisdn=ep.column("fraud_msisdn").to_pylist(),
            report_id=ep.column("report_id").to_pylist(),
            first_contact=us(ep.column("first_contact_at")),
            first_payment=us(ep.column("first_payment_at")),
            last_payment=us(ep.column("last_payment_at")),
            pay_txn=txn[order],
            pay_episode=epos[order],
            pay_time=us(hop1.column("time"))[order],
            mule_accounts=set(accounts.filter(pc.is_in(
                accounts.column("role"), pa.array(MULE_ROLES))).column("account").to_pylist()),
            abused_sims=set(sims.filter(pc.is_in(
                sims.column("role"), pa.array(ABUSED_SIM_ROLES))).column("msisdn").to_pylist()),
                    gang_numbers=gang_numbers,
            n_persons=pq.read_metadata(world / "truth" / "person_roles.parquet").num_rows,
            n_accounts=accounts.num_rows,
            world=world,
            pending=pending_targets(world),
        )  # fmt: skip

    @property
    def n_episodes(self) -> int:
        """How many fraud episodes the world holds."""
        return len(self.victim)

    def ordinary(self, idnos: set[str] | None = None) -> int:
        """How many people (of `idnos`, default everyone) are ordinary residents: not a victim
        in the period, not a gang's target still being groomed, and no part of any fraud."""
        roles = _read(self.world, "person_roles").select(["idno", "role"])
        if idnos is not None:
            wanted = pa.array(sorted(idnos), pa.string())
            roles = roles.filter(pc.is_in(roles.column("idno"), value_set=wanted))
        ordinary = pc.equal(roles.column("role"), "ordinary")
        if self.pending:
            groomed = pc.is_in(roles.column("idno"), value_set=pa.array(sorted(self.pending)))
            ordinary = pc.and_(ordinary, pc.invert(groomed))
        return int(pc.sum(ordinary).as_py() or 0)

    def episodes_of(self) -> dict[str, list[int]]:
        """Victim -> positions of their episodes."""
        out: dict[str, list[int]] = {}
        for i, v in enumerate(self.victim):
            out.setdefault(v, []).append(i)
        return out


def lookup(sorted_keys: IntArray, values: IntArray, keys: IntArray, missing: int = -1) -> IntArray:
    """values[k] for each key found in `sorted_keys`, `missing` elsewhere (vectorised)."""
    if len(sorted_keys) == 0:
        return np.full(len(keys), missing, np.int64)
    i = np.searchsorted(sorted_keys, keys)
    i = np.minimum(i, len(sorted_keys) - 1)
    found = sorted_keys[i] == keys
    return np.where(found, values[i], missing)
