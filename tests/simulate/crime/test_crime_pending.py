"""Episodes still in grooming when the period ends: listed in the truth, apart from the episodes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
from crime_helpers import columns, state

from fraudlink.model.enums import CONTACT_CHANNELS, PERSON_ROLES
from fraudlink.simulate.crime.common import TYPE_NAMES
from fraudlink.simulate.world import World


def test_pending_episodes_are_the_planned_episodes_with_no_payment_in_the_period(
    wide: World,
) -> None:
    ep = state(wide).episodes
    pending = columns(wide.truth_table("pending_episodes"))
    planned = np.flatnonzero(ep.episode_id < 0)
    assert len(planned) > 0
    assert pending["pending_id"].tolist() == list(range(len(planned)))
    p = wide.entity("persons")
    assert (pending["target_idno"] == p["idno"][ep.victim[planned]]).all()
    assert (pending["gang_id"] == ep.gang[planned]).all()
    assert (pending["first_contact_at"] == ep.first_contact_us[planned]).all()
    assert pending["fraud_type"].tolist() == [TYPE_NAMES[t] for t in ep.fraud_type[planned]]
    assert pending["contact_channel"].tolist() == [CONTACT_CHANNELS[c] for c in ep.channel[planned]]
    assert (pending["fraud_msisdn"] == wide.entity("sims")["msisdn"][ep.number[planned]]).all()
    # Contacted before the end, first payment planned after it: nobody paid in the period.
    assert (pending["first_contact_at"] < wide.end_us).all()
    assert (pending["planned_first_payment_at"] >= wide.end_us).all()
    assert (pending["first_contact_at"] <= pending["planned_first_payment_at"]).all()
    paid = set(columns(wide.truth_table("episodes"))["victim_idno"].tolist())
    groomed = set(pending["target_idno"].tolist())
    assert not groomed & paid
    targets = np.flatnonzero(np.isin(p["idno"], list(groomed)))
    assert (p["role"][targets] == PERSON_ROLES.index("ordinary")).all()


def test_long_fraud_calls_outside_every_episode_reach_only_pending_targets(
    tiny_world: Path,
) -> None:
    """A conversation of five minutes or more from a gang line is grooming, never dialling: the
    people it reaches are victims of an episode or listed as pending targets."""
    t = tiny_world / "truth"
    f = tiny_world / "feeds"
    rows = duckdb.sql(f"""
        with gang_line as (select msisdn from '{t}/sim_roles.parquet'
                           where role in ('fraud_caller', 'sim_box')),
             no_episode as (select record_id from '{t}/fraud_contacts.parquet'
                            where "table" = 'calls' and episode_id is null)
        select s.owner_idno,
               s.owner_idno in (select target_idno from '{t}/pending_episodes.parquet') as pending
        from '{f}/calls.parquet' c
        join no_episode n on n.record_id = c.call_id
        join '{f}/sim_cards.parquet' s on s.msisdn = c.callee
        where c.caller in (select msisdn from gang_line) and c.duration_s >= 300
    """).fetchall()  # fmt: skip
    assert len(rows) > 0
    assert all(pending for _, pending in rows), [who for who, pending in rows if not pending]
