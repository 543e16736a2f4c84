"""The figures of one strategy on one world: money saved, people warned in time, harm done.

Money follows `money.follow_money` over the truth's money path with the prevented payments and
the stops as they took effect. Warned in time means the warning reached the victim before their
first payment (as it would have been made). Harm is counted on the innocent: accounts of
ordinary holders that an order named, people warned who were never defrauded, and numbers of
ordinary holders that were blocked. A gang's target whose first payment falls after the period
is no victim in it, but no innocent either: warnings to them are counted apart.

Only victims' money held on the gangs' own cards counts as intercepted, and only it is returned.
Victims' money that reached an ordinary holder (a seller paid for goods, a landlord) and sits
there under an order is that holder's money: a bank releases it on the holder's appeal, and
counting it as saved would score the harm of stopping an innocent account as a success. It is
counted apart, as harm (`held_on_innocent_fen`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.arena.intervention import PENDING_TARGET, ActedWorld
from fraudlink.arena.money import follow_hops, follow_money, return_to_victims
from fraudlink.arena.truth import IntArray, Truth
from fraudlink.model.actions import FREEZE, ORDER_KINDS, STOP_PAYMENT, WARNING, ActionLog
from fraudlink.warn import GRADES
from fraudlink.warn.lifecycle import OUTCOMES

PHONE_CHANNELS = ("call", "sms")
# The desk's outcomes, with the arena's own beside not a victim: the gang's targets not yet paid.
_NOT_A_VICTIM = OUTCOMES.index("not_a_victim") + 1
WARNING_OUTCOMES = (*OUTCOMES[:_NOT_A_VICTIM], PENDING_TARGET, *OUTCOMES[_NOT_A_VICTIM:])


def prevented_payments(world: ActedWorld) -> np.ndarray:
    """Hop-1 payments that never happened: the victim was dissuaded first."""
    tr = world.truth
    e = tr.pay_episode
    gone = world.dissuaded_at[e] <= tr.pay_time
    return tr.pay_txn[gone]


def stops_table(world: ActedWorld) -> pa.Table:
    """(account, effective_at) of every stop-payment and freeze, as it took effect."""
    return pa.table(
        {
            "account": pa.array(list(world.stops), pa.string()),
            "effective_at": pa.array(list(world.stops.values()), pa.timestamp("us", tz="UTC")),
        }
    )


REROUTED = "(re-routed to another card)"


def reroute(path: pa.Table, stops: pa.Table, after_minutes: float) -> pa.Table:
    """The money path with inflows into cards stopped more than `after_minutes` earlier sent
    to another, unstopped card: the gang has noticed the stop by then."""
    if stops.num_rows == 0:
        return path
    idx = pc.index_in(path.column("to_account"), value_set=stops.column("account"))
    eff = pc.take(stops.column("effective_at"), idx)
    late = pc.fill_null(
        pc.greater_equal(path.column("time"), pc.add(eff, pa.scalar(int(after_minutes * 60e6),
                                                                     pa.duration("us")))),
        False,
    )  # fmt: skip
    to = pc.if_else(late, pa.scalar(REROUTED), path.column("to_account"))
    return path.set_column(path.schema.get_field_index("to_account"), "to_account", to)


def _claims(log: ActionLog, truth: Truth) -> pa.Table:
    """The orders' claims, with each reported victim's episode (their largest claim per
    account: a re-trace repeats a claim, it does not add to it)."""
    c = log.claims()
    c = c.group_by(["account", "report_id"]).aggregate([("claim_fen", "max")])
    c = c.rename_columns(["account", "report_id", "claim_fen"])
    episode = dict(zip(truth.report_id, truth.episodes.column("episode_id").to_pylist(),
                       strict=True))  # fmt: skip
    eps = [episode.get(r) for r in c.column("report_id").to_pylist()]
    return pa.table({"account": c.column("account"), "episode_id": pa.array(eps, pa.int32()),
                     "claim_fen": c.column("claim_fen")}).filter(
        pc.is_valid(pa.array(eps, pa.int32())))  # fmt: skip


def _acted_path(world: ActedWorld) -> tuple[pa.Table, np.ndarray, pa.Table]:
    """The money path after the gangs re-route, the prevented payments, and the stops."""
    stops = stops_table(world)
    after = world.cfg["fraudsters"]["reroute_after_minutes"]
    return reroute(world.truth.money_path, stops, after), prevented_payments(world), stops


def _follow(world: ActedWorld) -> tuple[pa.Table, pa.Table]:
    return follow_money(*_acted_path(world))


def split_held(held: pa.Table, mule_accounts: set[str]) -> tuple[pa.Table, pa.Table]:
    """Victims' money held under orders, split: on the gangs' cards (intercepted), and on ordinary
    holders' accounts (not the victims' to take back: harm)."""
    mules = pa.array(sorted(mule_accounts), pa.string())
    on_mule = pc.is_in(held.column("account"), value_set=mules)
    return held.filter(on_mule), held.filter(pc.invert(on_mule))


def first_order_minutes(
    log: ActionLog, report_ids: list[str | None], first_payment: IntArray
) -> list[float]:
    """Per reported episode whose money an order held, minutes from its first payment to the
    first such order: a new order naming its report, or the report's claim found on an order
    already standing (the money reached an account stopped for someone else)."""
    first: dict[str, datetime] = {}

    def held(report_id: str, at: datetime) -> None:
        if report_id not in first or at < first[report_id]:
            first[report_id] = at

    for a in log.actions:
        if a.kind in (STOP_PAYMENT, FREEZE):
            for r in a.report_ids:
                held(r, a.decided_at)
    for c in log.standing_claims:
        if c.claim_fen > 0:
            held(c.report_id, c.found_at)
    out = []
    for i, rid in enumerate(report_ids):
        if rid is not None and rid in first:
            out.append((first[rid].timestamp() * 1e6 - first_payment[i]) / 60e6)
    return out


def warned_in_time(world: ActedWorld, in_period: np.ndarray) -> tuple[int, int, int]:
    """(victims reached before their first payment, phone/SMS victims, of whom reached)."""
    tr = world.truth
    reached = np.full(tr.n_episodes, np.iinfo(np.int64).max, np.int64)
    for w in world.warnings:
        if w.reached_at is None:
            continue
        t = int(w.reached_at.timestamp() * 1e6)
        for i in w.episodes:
            reached[i] = min(reached[i], t)
    in_time = (reached < tr.first_payment) & in_period
    phone = np.isin(np.array(tr.episodes.column("contact_channel").to_pylist()), PHONE_CHANNELS)
    phone &= in_period
    return int(in_time.sum()), int(phone.sum()), int((in_time & phone).sum())


def strategy_outcome(
    world: ActedWorld, log: ActionLog, start: datetime, end: datetime
) -> tuple[dict[str, Any], list[float]]:
    """The outcome figures of one strategy, and its order timeliness in minutes."""
    tr = world.truth
    per_episode, held = _follow(world)
    on_mules, on_innocent = split_held(held, tr.mule_accounts)
    returns = return_to_victims(on_mules, _claims(log, tr))
    total = {c: int(pc.sum(per_episode.column(c)).as_py() or 0) for c in
             ("loss_fen", "prevented_fen")}  # fmt: skip
    total["intercepted_fen"] = int(pc.sum(on_mules.column("amount_fen")).as_py() or 0)
    s, e = start.timestamp() * 1e6, end.timestamp() * 1e6
    in_period = (tr.first_payment >= s) & (tr.first_payment <= e)
    warned, phone, phone_warned = warned_in_time(world, in_period)
    minutes = first_order_minutes(log, tr.report_id, tr.first_payment)
    victims = set(tr.victim)
    warned_people = {w.action.target for w in world.warnings}
    # A person a gang targets in the period is no innocent, like a victim warned before the
    # first contact (`pending_target` marks only warnings after it, as outcomes do for victims).
    groomed = (warned_people & tr.pending.keys()) - victims
    ordered = {a.target for a in log.actions if a.kind in (STOP_PAYMENT, FREEZE)}
    kinds = Counter(a.kind for a in log.actions)
    grades = Counter(a.grade for a in log.actions if a.kind == WARNING)
    outcomes = Counter(w.outcome for w in world.warnings)
    saved = total["prevented_fen"] + total["intercepted_fen"]
    out = {
        "fraud_loss_fen": total["loss_fen"],
        "prevented_fen": total["prevented_fen"],
        "intercepted_fen": total["intercepted_fen"],
        "held_on_innocent_fen": int(pc.sum(on_innocent.column("amount_fen")).as_py() or 0),
        "prevented_or_intercepted_share": saved / total["loss_fen"] if total["loss_fen"] else 0.0,
        "loss_fen": total["loss_fen"] - saved,
        "returned_fen": int(pc.sum(returns.column("returned_fen")).as_py() or 0),
        "returned_to_right_victim_fen": int(pc.sum(returns.column("right_fen")).as_py() or 0),
        "victims_warned_before_first_payment": warned,
        "phone_sms_victims": phone,
        "phone_sms_victims_warned_before_first_payment": phone_warned,
        "innocent_accounts_stopped": len(ordered - tr.mule_accounts),
        "innocent_persons_warned": tr.ordinary(warned_people - victims - groomed),
        "targets_not_yet_paid_warned": len(groomed),
        "innocent_sims_blocked": len(set(world.blocks) - tr.abused_sims),
        "median_minutes_first_payment_to_first_order": (
            round(statistics.median(minutes), 1) if minutes else None
        ),
        "reported_victims_held_by_an_order": len(minutes),
        "warnings": {g: grades.get(g, 0) for g in reversed(GRADES)},
        "warning_outcomes": {o: outcomes.get(o, 0) for o in WARNING_OUTCOMES},
        "orders": {k: kinds.get(k, 0) for k in ORDER_KINDS},
        "accounts_stopped": len(ordered),
        "persons_warned": len(warned_people),
    }
    return out, minutes


def money_trail(world: ActedWorld, strategy: str) -> dict[str, Any]:
    """One victim's money trail as it happened once the actions applied (re-routing, prevented
    payments, stops), with the stops on it and the money they hold: the reported episode with
    the most intercepted (held on mule cards), else the largest loss."""
    tr = world.truth
    path, prevented, stops = _acted_path(world)
    _, held_all = follow_money(path, prevented, stops)
    on_mules, _ = split_held(held_all, tr.mule_accounts)
    by_episode = on_mules.group_by("episode_id").aggregate([("amount_fen", "sum")])
    reported = np.array([r is not None for r in tr.report_id])
    ids = tr.episodes.column("episode_id").to_numpy()
    inter = dict(zip(by_episode.column("episode_id").to_pylist(),
                     by_episode.column("amount_fen_sum").to_pylist(), strict=True))  # fmt: skip
    loss = tr.episodes.column("loss_fen").to_numpy()
    score = [(inter.get(int(ids[i]), 0), int(loss[i]), -int(ids[i]))
             for i in np.flatnonzero(reported)]  # fmt: skip
    if not score:
        return {}
    best = max(score)
    ep = -best[2]
    i = int(np.flatnonzero(ids == ep)[0])
    path = path.filter(pc.equal(path.column("episode_id"), ep))
    # The same replay as the figures: only the money that moved, never out of an account after
    # its stop took effect (只进不出), and what the stopped accounts hold at the end.
    moved, held = follow_hops(path, prevented, stops)
    hops = []
    for r in moved.to_pylist():
        if r["actual_fen"] <= 0:
            continue
        stop = world.stops.get(r["to_account"]) if r["to_account"] else None
        hops.append({"hop": r["hop"], "time": r["time"].isoformat(), "from": r["from_account"],
                     "to": r["to_account"], "amount_fen": r["actual_fen"],
                     "planned_fen": r["amount_fen"], "channel": r["channel"],
                     "stopped_at": stop.isoformat() if stop else None})  # fmt: skip
    mules, innocent = split_held(held, tr.mule_accounts)

    def rows(t: pa.Table) -> list[dict[str, Any]]:
        return [{"account": a, "amount_fen": f} for a, f in
                zip(t.column("account").to_pylist(), t.column("amount_fen").to_pylist(),
                    strict=True)]  # fmt: skip

    kept = rows(mules)
    fraud_type = tr.episodes.column("fraud_type")[i].as_py()
    return {"strategy": strategy, "episode_id": ep, "victim": f"the victim of episode {ep}",
            "fraud_type": fraud_type, "hops": hops, "held": kept,
            "held_on_innocent": rows(innocent),
            "intercepted_fen": sum(h["amount_fen"] for h in kept)}  # fmt: skip
