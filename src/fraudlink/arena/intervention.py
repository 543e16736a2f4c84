"""The world's answer to the engine's actions: when each takes effect, and what it then removes
from the stream the engine sees next (the closed loop).

- A stop-payment or freeze takes effect after the institution's delay; from then the account
  pays nothing out (只进不出), so its outgoing transactions vanish from the stream.
- A warning goes through its lifecycle (dispatch, hand-off, the attempt to reach the person);
  a reached victim is dissuaded with the channel's probability, and their later payments, and
  the report of an episode that never cost anything, vanish. A warning that reaches a victim an
  earlier warning already dissuaded closes as already dissuaded, not already paid. One that
  reaches a gang's target whose first payment falls after the period closes as not a victim
  (nothing is paid yet), and the arena judges it `pending_target`.
- A number block takes effect after the operator's delay. The gang moves the line's traffic, its
  dialling and its victims' calls alike, to a spare line: another of its own numbers not blocked
  yet, else a SIM card from the kits its ring sold. With no spare left it calls over lines the
  alliance cannot see (overseas VoIP), so the calls vanish from the stream. A block alone
  therefore prevents no episode: it only makes the gang's calls harder to see.
- A re-verification demand blocks an abused card after the deadline (its holder cannot come
  in); an ordinary holder usually can.

Only first-order effects are modelled: the fraudsters do not switch numbers or accounts in
reaction, and payments downstream of a stopped account still appear in the stream (the money
accounting in `money` corrects their amounts). Random draws are seeded per action, so a run is
repeatable and the strategies see the same people react the same way to the same warning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.arena.truth import IntArray, Truth, lookup, us
from fraudlink.engine.replay import Batch
from fraudlink.model.actions import (
    FREEZE,
    NUMBER_BLOCK,
    REVERIFY,
    STOP_PAYMENT,
    WARNING,
    Action,
)
from fraudlink.warn.lifecycle import WarningCase, advance, open_case

NEVER = np.iinfo(np.int64).max


PENDING_TARGET = "pending_target"


@dataclass
class WarningRecord:
    """A warning, its life and the episodes it touched."""

    action: Action
    case: WarningCase
    reached_at: datetime | None
    episodes: list[int]
    # reached while a gang was grooming them for a payment after the period: the desk closes it
    # as not a victim (nothing paid yet), the arena knows better
    groomed: bool = False

    @property
    def outcome(self) -> str | None:
        """The outcome as the arena judges it: the case's, or `pending_target`."""
        return PENDING_TARGET if self.groomed else self.case.outcome


def _draw(seed: int, key: str) -> float:
    """A repeatable uniform draw for one action."""
    h = hashlib.sha256(f"{seed}|{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=float(m))


class ActedWorld:
    """The effects of the actions so far, applied to the batches still to come."""

    def __init__(self, truth: Truth, cfg: dict[str, Any], seed: int) -> None:
        self.truth = truth
        self.cfg = cfg
        self.seed = seed
        self.dissuaded_at = np.full(truth.n_episodes, NEVER, np.int64)
        self.stops: dict[str, datetime] = {}
        self.blocks: dict[str, datetime] = {}
        self.orders: list[tuple[Action, datetime]] = []  # (order, takes effect at)
        self.warnings: list[WarningRecord] = []
        self.packages: list[Action] = []
        self._by_victim = truth.episodes_of()
        self.gang_of = {n: g for g, ns in truth.gang_numbers.items() for n in ns}
        self.spare_for: dict[str, str | None] = {}  # blocked line -> the line its traffic moved to
        self._taken: set[str] = set()
        self._keys: dict[str, tuple[pa.Array, IntArray]] = {}
        # (blocked lines, their spares) as Arrow arrays, rebuilt when a block changes them
        self._spare_index: tuple[pa.Array, pa.Array] | None = None

    # -- the actions ------------------------------------------------------------------------

    def on_actions(self, actions: list[Action], now: datetime) -> None:
        """Work out when and how each new action takes effect."""
        for a in actions:
            if a.kind == WARNING:
                self._warn(a)
            elif a.kind in (STOP_PAYMENT, FREEZE):
                self._stop(a)
            elif a.kind == NUMBER_BLOCK:
                mins = self.cfg["numbers"]["operator_minutes"].get(
                    a.addressee, self.cfg["numbers"]["block_minutes"])  # fmt: skip
                self._block(a.target, a.decided_at + _minutes(mins))
            elif a.kind == REVERIFY:
                self._reverify(a)
            else:
                self.packages.append(a)

    def _stop(self, a: Action) -> None:
        o = self.cfg["orders"]
        mins = o["institution_minutes"].get(a.addressee, o["delay_minutes"][a.kind])
        eff = a.decided_at + _minutes(mins)
        self.orders.append((a, eff))
        if a.target not in self.stops or eff < self.stops[a.target]:
            self.stops[a.target] = eff
            self._keys.pop("stops", None)

    def _block(self, number: str, eff: datetime) -> None:
        if number in self.blocks and self.blocks[number] <= eff:
            return
        self.blocks[number] = eff
        self._keys.pop("blocks", None)
        g = self.gang_of.get(number)
        if g is None or number in self.spare_for:
            return
        lines = self.truth.gang_numbers.get(g, [])
        spare = next((n for n in lines if n not in self.blocks and n not in self._taken), None)
        self.spare_for[number] = spare
        self._spare_index = None
        if spare is not None:
            self._taken.add(spare)

    def _reverify(self, a: Action) -> None:
        n = self.cfg["numbers"]
        innocent = a.target not in self.truth.abused_sims
        if innocent and _draw(self.seed, a.action_id) < n["innocent_reverify"]:
            return
        self._block(a.target, a.decided_at + timedelta(hours=n["reverify_hours"]))

    def _warn(self, a: Action) -> None:
        w = self.cfg["warning"]
        ch = a.channel or "sms_12381"
        case = open_case(a.action_id, a.decided_at)
        dispatched = a.decided_at + _minutes(w["dispatch_minutes"])
        case = advance(advance(case, "dispatched", dispatched), "handed_off", dispatched)
        attempt = a.decided_at + _minutes(w["delay_minutes"][ch])
        eps = self._by_victim.get(a.target, [])
        # A call or SMS to someone with no phone on record reaches nobody (the desk visits them
        # instead; an action log from elsewhere may not).
        no_phone = ch != "visit" and not a.msisdn
        if no_phone or _draw(self.seed, "reach|" + a.action_id) >= w["reach"][ch]:
            case = advance(case, "closed", attempt, "unreachable")
            self.warnings.append(WarningRecord(a, case, None, eps))
            return
        t = int(attempt.timestamp() * 1e6)
        tr = self.truth
        live = [i for i in eps if tr.first_contact[i] <= t <= tr.last_payment[i]
                and self.dissuaded_at[i] > t]  # fmt: skip
        groomed = False
        started = [i for i in eps if tr.first_contact[i] <= t]
        if live:
            if _draw(self.seed, "dissuade|" + a.action_id) < w["dissuade"][ch]:
                outcome = "dissuaded"
                for i in live:
                    self.dissuaded_at[i] = min(self.dissuaded_at[i], t)
            else:
                outcome = "not_dissuaded"
        elif not started:
            outcome = "not_a_victim"
            groomed = tr.pending.get(a.target, NEVER) <= t
        elif all(self.dissuaded_at[i] <= t for i in started):
            outcome = "already_dissuaded"  # an earlier warning had already stopped them
        else:
            outcome = "already_paid"
        case = advance(advance(case, "feedback", attempt), "closed", attempt, outcome)
        self.warnings.append(WarningRecord(a, case, attempt, eps, groomed))

    # -- the stream -------------------------------------------------------------------------

    def _effect_times(self, name: str, column: pa.ChunkedArray | pa.Array) -> IntArray:
        """Per row, the effect time of the stop or block on that row's account or number."""
        if name not in self._keys:
            d = self.stops if name == "stops" else self.blocks
            self._keys[name] = (
                pa.array(list(d), pa.string()),
                np.array([int(t.timestamp() * 1e6) for t in d.values()], np.int64),
            )
        keys, times = self._keys[name]
        if len(keys) == 0:
            return np.full(len(column), NEVER, np.int64)
        idx = pc.index_in(column, value_set=keys)
        pos = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), np.int64)
        return np.where(pos >= 0, times[np.maximum(pos, 0)], NEVER)

    def _spares(self, column: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Per row, the spare line the number's traffic moved to (null: none left)."""
        if self._spare_index is None:
            self._spare_index = (pa.array(list(self.spare_for), pa.string()),
                                 pa.array(list(self.spare_for.values()), pa.string()))  # fmt: skip
        blocked, spare = self._spare_index
        return pc.take(spare, pc.index_in(column, value_set=blocked))

    def filter(self, batch: Batch) -> Batch:
        """The batch as it happens in the world the actions changed."""
        ev = dict(batch.events)
        tr = self.truth
        if (t := ev.get("transactions")) is not None:
            time = us(t.column("time"))
            keep = self._effect_times("stops", t.column("from_account")) > time
            ep = lookup(tr.pay_txn, tr.pay_episode, np.asarray(t.column("txn_id").to_numpy()))
            hit = ep >= 0
            e = np.maximum(ep, 0)
            keep &= ~(hit & (self.dissuaded_at[e] <= time))
            ev["transactions"] = t.filter(pa.array(keep))
        if (t := ev.get("calls")) is not None:
            ev["calls"] = self._calls(t)
        self._filter_reports(ev)
        return Batch(batch.start, batch.end, ev)

    def _calls(self, t: pa.Table) -> pa.Table:
        """Calls after the blocks: a blocked line's calls come from its spare line (following
        the chain when the spare is blocked too), or vanish when the gang has none left."""
        time = us(t.column("time"))
        caller = t.column("caller").combine_chunks()
        blocked = self._effect_times("blocks", caller) <= time
        for _ in range(64):  # a chain is never longer than a gang's lines
            if not blocked.any():
                break
            moved = self._spares(caller)
            caller = pc.if_else(pa.array(blocked), moved, caller)
            gone = np.asarray(pc.is_null(caller).to_numpy(zero_copy_only=False), bool)
            blocked = ~gone & (self._effect_times("blocks", pc.fill_null(caller, "")) <= time)
        keep = np.asarray(pc.is_valid(caller).to_numpy(zero_copy_only=False), bool)
        t = t.set_column(t.schema.get_field_index("caller"), "caller", caller)
        return t.filter(pa.array(keep))

    def _filter_reports(self, ev: dict[str, pa.Table]) -> None:
        """Reports of episodes that never cost anything are never made; payments a dissuaded
        victim did not make are not in their report."""
        feeds = [f for f in ("victim_reports", "report_indicators", "report_payments") if f in ev]
        if not feeds:
            return
        tr = self.truth
        never_paid = np.flatnonzero(self.dissuaded_at <= tr.first_payment)
        gone = {r for i in never_paid if (r := tr.report_id[i])}
        stop_at = {
            r: int(self.dissuaded_at[i])
            for i in np.flatnonzero(self.dissuaded_at < NEVER)
            if (r := tr.report_id[i])
        }
        if not gone and not stop_at:
            return
        gone_arr = pa.array(sorted(gone), pa.string())
        for feed in feeds:
            t = ev[feed]
            keep = pc.invert(pc.is_in(t.column("report_id"), value_set=gone_arr))
            if feed == "report_payments" and stop_at:
                cut = np.array([stop_at.get(r, NEVER) for r in t.column("report_id").to_pylist()])
                keep = pc.and_(keep, pa.array(us(t.column("paid_at")) < cut))
            ev[feed] = t.filter(keep)
