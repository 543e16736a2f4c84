"""Card-trafficking rings and laundering groups: find, rank and package them for a strike.

`find_rings` builds the identity graph (`identity_graph`), cuts it into card rings and the
laundering groups inside them, adds the evidence the feeds hold by `as_of` (cards and numbers
already named bad, insider clerks, the cells the groups' SIM cards call from) and ranks the
groups: what a strike would seize, weighted up by harm already reported. `target_package` turns
one group into the JSON an operation is planned from. See docs/rings.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy.stats import binom, false_discovery_control

from fraudlink.detect.accounts_features import LABELS_SQL
from fraudlink.detect.identity_graph import (
    IdentityGraph,
    build_identity_graph,
    card_rings,
    laundering_groups,
)
from fraudlink.detect.sims import known_bad_phones_sql
from fraudlink.detect.sims_book import CellCalls
from fraudlink.store import Store

IntArray = npt.NDArray[np.int64]

INSIDER_Q = 0.01
"""A clerk is an insider of a ring when the Benjamini–Hochberg q-value is below this..."""

INSIDER_MIN_CARDS = 3
"""...and the clerk opened at least this many of the ring's cards."""

_BAD_SQL = f"""
with cut as (select $as_of::timestamptz as t)
select 'card:' || account as key from ({LABELS_SQL})
union select 'tel:' || msisdn from ({known_bad_phones_sql()})
"""

_OPENINGS_SQL = """
select staff_id, count(*) as opened from (
  select staff_id from bank_accounts where opened_at <= $as_of and staff_id is not null
  union all select staff_id from sim_cards where registered_at <= $as_of and staff_id is not null)
group by staff_id
"""

_STAFF_SQL = "select staff_id, outlet_id, idno from staff"


def known_bad(store: Store, g: IdentityGraph, as_of: datetime) -> npt.NDArray[np.bool_]:
    """Which nodes a report, case, seizure or member flag had named bad by `as_of`."""
    bad = store.con.sql(_BAD_SQL, params={"as_of": as_of}).to_arrow_table()["key"]
    prefix = pc.replace_substring(g.nodes["kind"], "account", "card")
    prefix = pc.replace_substring(prefix, "sim", "tel")
    keys = pc.binary_join_element_wise(prefix, g.nodes["value"], ":")
    return pc.is_in(keys, bad).to_numpy(zero_copy_only=False)


def insiders(store: Store, g: IdentityGraph, ring: IntArray, as_of: datetime) -> pa.Table:
    """(group, staff_id, outlet_id, idno, ring_cards, opened, q) of clerks opening a ring's cards
    far beyond the city-wide share (one-sided binomial test, BH across all clerks)."""
    e = g.edges.filter(pc.equal(g.edges["kind"], "opened_by"))
    s, d = e["src"].to_numpy(), e["dst"].to_numpy()
    ok = ring[s] >= 0
    key, k = np.unique(np.c_[ring[s[ok]], d[ok]], axis=0, return_counts=True)
    if not len(k):
        key = np.zeros((0, 2), np.int64)
    staff_id = pc.take(g.nodes["value"], pa.array(key[:, 1], pa.int64()))
    opened = store.con.sql(_OPENINGS_SQL, params={"as_of": as_of}).to_arrow_table()
    total = int(pc.sum(opened["opened"]).as_py() or 0)
    n = pc.take(opened["opened"], pc.index_in(staff_id, opened["staff_id"])).to_numpy(
        zero_copy_only=False
    )
    n = np.nan_to_num(n.astype(np.float64), nan=0.0)
    base = float(ok.sum()) / total if total else 0.0
    p = binom.sf(k - 1, np.maximum(n, k), base) if 0 < base < 1 else np.ones(len(k))
    # Every clerk of the city was implicitly tested; those with no ring card have p = 1.
    pad = np.r_[p, np.ones(max(opened.num_rows - len(p), 0))]
    q = false_discovery_control(pad)[: len(p)] if len(pad) else np.zeros(0)
    hit = (q < INSIDER_Q) & (k >= INSIDER_MIN_CARDS)
    staff = store.con.sql(_STAFF_SQL).to_arrow_table()
    at = pc.index_in(staff_id, staff["staff_id"])
    return pa.table(
        {
            "group": pa.array(key[:, 0][hit], pa.int64()),
            "staff_id": staff_id.filter(pa.array(hit)),
            "outlet_id": pc.take(staff["outlet_id"], at).filter(pa.array(hit)),
            "idno": pc.take(staff["idno"], at).filter(pa.array(hit)),
            "ring_cards": pa.array(k[hit], pa.int64()),
            "opened": pa.array(n[hit].astype(np.int64), pa.int64()),
            "q": pa.array(q[hit], pa.float64()),
        }
    )


def den_cells(g: IdentityGraph, group: IntArray) -> pa.Table:
    """(group, cell node, calls, sims): the cells a group's SIM cards called from."""
    e = g.edges.filter(pc.equal(g.edges["kind"], "called_from"))
    s, d, n = e["src"].to_numpy(), e["dst"].to_numpy(), e["n"].to_numpy()
    ok = group[s] >= 0
    t = pa.table(
        {
            "group": pa.array(group[s[ok]], pa.int64()),
            "node": pa.array(d[ok], pa.int64()),
            "n": pa.array(n[ok], pa.int64()),
        }
    )
    agg = t.group_by(["group", "node"]).aggregate([("n", "sum"), ("n", "count")])
    return agg.rename_columns(["group", "node", "calls", "sims"]).sort_by(
        [("group", "ascending"), ("calls", "descending")]
    )


SCORE_WEIGHTS = {"known_bad": 5.0, "insiders": 5.0, "accounts": 1.0, "sims": 0.5, "persons": 0.25}
"""Score = what a strike would seize (cards, SIMs, holders) plus harm and complicity already on
record (cards and numbers named bad, insider clerks), weighted per item."""

DEN_CELLS = 5
"""How many of a group's busiest calling cells a package lists as likely den locations."""

_SHARED = ("login_device", "login_ip", "sim_device")


@dataclass(frozen=True)
class Rings:
    """Ranked groups (`rings`) and their members with evidence (`members`), as of `as_of`."""

    rings: pa.Table
    members: pa.Table
    as_of: datetime


def find_rings(store: Store, as_of: datetime, cells: CellCalls | None = None) -> Rings:
    """The card rings and laundering groups the feeds show by `as_of`, ranked for a strike
    (`cells`: the calls per cell, instead of the store's calls; see `build_identity_graph`)."""
    g = build_identity_graph(store, as_of, cells)
    ring = card_rings(g)
    gang = laundering_groups(g, ring)
    bad = known_bad(store, g, as_of)
    ins = insiders(store, g, ring, as_of)
    n_ring = int(ring.max()) + 1 if len(ring) else 0
    gang_id = np.where(gang >= 0, gang + n_ring, -1)
    parent = np.full(n_ring + (int(gang.max()) + 1 if len(gang) else 0), -1, np.int64)
    parent[gang_id[gang_id >= 0]] = ring[gang_id >= 0]
    members = pa.concat_tables(
        [
            _node_members(g, ring, bad, holders_too=False),
            _node_members(g, gang_id, bad, holders_too=True),
            _insider_members(ins),
            _cell_members(g, ring),
            _cell_members(g, gang_id),
        ]
    )
    table = _summary(members, len(parent), n_ring, parent)
    return _ranked(table, members, as_of)


def _node_members(
    g: IdentityGraph, lab: IntArray, bad: npt.NDArray[np.bool_], holders_too: bool
) -> pa.Table:
    """Holders, cards, SIMs, devices and addresses of each group, with why each is in it."""
    n = g.nodes.num_rows
    kind = g.nodes["kind"].to_numpy(zero_copy_only=False)
    ek = g.edges["kind"].to_numpy(zero_copy_only=False)
    s, d = g.edges["src"].to_numpy(), g.edges["dst"].to_numpy()
    holds = ek == "holds"
    if holders_too:
        # A laundering group's cards are held by the sellers who sold them: list those holders.
        lab = lab.copy()
        pick = holds & (lab[d] >= 0)
        lab[s[pick]] = lab[d[pick]]
    same = (lab[s] >= 0) & (lab[s] == lab[d])
    shared = np.isin(ek, _SHARED) & same
    holder = np.full(n, -1, np.int64)
    holder[d[holds]] = s[holds]
    held = np.bincount(s[holds & same], minlength=n)
    links = np.bincount(s[shared], minlength=n)
    cards_on = np.bincount(d[shared], minlength=n)
    pairs = np.unique(np.c_[d[shared], holder[s[shared]]], axis=0)
    holders_on = np.bincount(pairs[:, 0], minlength=n) if len(pairs) else np.zeros(n, np.int64)
    moves = np.bincount(np.r_[s[same & (ek == "transfer")], d[same & (ek == "transfer")]],
                        minlength=n)  # fmt: skip
    idx = np.flatnonzero(lab >= 0)
    values = g.nodes["value"].to_numpy(zero_copy_only=False)
    stats = np.c_[held, links, cards_on, holders_on, moves][idx].tolist()
    evidence = [_why(str(kind[i]), row, bool(bad[i])) for i, row in zip(idx, stats, strict=True)]
    weight = np.where(kind[idx] == "person", held[idx], np.maximum(links[idx], cards_on[idx]))
    return _rows(lab[idx], kind[idx], values[idx], evidence, weight)


def _why(kind: str, stats: list[int], bad: bool) -> str:
    """One line of evidence for one member from its (held, links, cards, holders, moves)."""
    held, links, cards, holders, moves = stats
    named = "; named bad by a report, case, seizure or member flag" if bad else ""
    if kind == "person":
        return f"holds {held} of the group's cards and SIM cards"
    if kind in ("device", "ip"):
        return f"{cards} of the group's cards used here, held by {holders} different people"
    if kind == "account":
        return f"used on {links} shared device(s) or address(es), {moves} transfer link(s){named}"
    return f"used on {links} shared device(s){named}" if links else f"reserved phone{named}"


def _insider_members(ins: pa.Table) -> pa.Table:
    """Insider clerks as staff, person and outlet members of their ring."""
    why = [
        f"opened {k} of the ring's cards among {n} openings (q={q:.1e})"
        for k, n, q in zip(
            ins["ring_cards"].to_pylist(),
            ins["opened"].to_pylist(),
            ins["q"].to_pylist(),
            strict=True,
        )
    ]
    grp = ins["group"].to_numpy()
    k = ins["ring_cards"].to_numpy()
    staff = ins["staff_id"].to_numpy(zero_copy_only=False)
    return pa.concat_tables(
        [
            _rows(grp, np.full(len(grp), "staff"), staff, why, k),
            _rows(grp, np.full(len(grp), "person"), ins["idno"].to_numpy(zero_copy_only=False),
                  [f"insider: clerk {x}, {w}" for x, w in zip(staff, why, strict=True)], k),
            _rows(grp, np.full(len(grp), "outlet"), ins["outlet_id"].to_numpy(zero_copy_only=False),
                  [f"outlet of insider clerk {x}" for x in staff], k),
        ]
    )  # fmt: skip


def _cell_members(g: IdentityGraph, lab: IntArray) -> pa.Table:
    """The busiest cells each group's SIM cards called from: where its den likely is."""
    cells = den_cells(g, lab)
    grp = cells["group"].to_numpy()
    first = np.r_[True, grp[1:] != grp[:-1]] if len(grp) else np.zeros(0, bool)
    pos = np.arange(len(grp)) - np.maximum.accumulate(np.where(first, np.arange(len(grp)), 0))
    keep = pos < DEN_CELLS
    calls, sims = cells["calls"].to_numpy()[keep], cells["sims"].to_numpy()[keep]
    values = pc.take(g.nodes["value"], cells["node"]).to_numpy(zero_copy_only=False)[keep]
    why = [f"{c} calls by {k} of the group's SIM cards" for c, k in zip(calls, sims, strict=True)]
    return _rows(grp[keep], np.full(int(keep.sum()), "cell"), values, why, calls)


def _rows(group: Any, kind: Any, value: Any, evidence: list[str], weight: Any) -> pa.Table:
    return pa.table(
        {
            "ring_id": pa.array(np.asarray(group, np.int64), pa.int64()),
            "kind": pa.array(np.asarray(kind, str), pa.string()),
            "value": pa.array(np.asarray(value, str), pa.string()),
            "evidence": pa.array(evidence, pa.string()),
            "weight": pa.array(np.asarray(weight, np.int64), pa.int64()),
        }
    )


def _summary(members: pa.Table, n: int, n_ring: int, parent: IntArray) -> pa.Table:
    """Counts and score per group."""
    grp = members["ring_id"].to_numpy()
    kind = members["kind"].to_numpy(zero_copy_only=False)
    named = pc.match_substring(members["evidence"], "named bad").to_numpy(zero_copy_only=False)

    def count(mask: npt.NDArray[np.bool_]) -> IntArray:
        return np.bincount(grp[mask], minlength=n).astype(np.int64)

    people = members.filter(pc.equal(members["kind"], "person"))
    per = people.group_by("ring_id").aggregate([("value", "count_distinct")])
    persons = np.zeros(n, np.int64)
    persons[per["ring_id"].to_numpy()] = per["value_count_distinct"].to_numpy()
    cols = {
        "persons": persons,
        "accounts": count(kind == "account"),
        "sims": count(kind == "sim"),
        "devices": count(kind == "device"),
        "known_bad": count(named),
        "insiders": count(kind == "staff"),
    }
    w = SCORE_WEIGHTS
    score = sum(cols[k] * w[k] for k in w)
    return pa.table(
        {
            "group": pa.array(np.arange(n), pa.int64()),
            "score": pa.array(np.asarray(score, np.float64), pa.float64()),
            "kind": pa.array(np.where(np.arange(n) < n_ring, "card_ring", "laundering_group")),
            **{k: pa.array(v, pa.int64()) for k, v in cols.items()},
            "parent": pa.array(parent, pa.int64()),
        }
    )


def _ranked(table: pa.Table, members: pa.Table, as_of: datetime) -> Rings:
    """Number the groups by rank (1 = strike first) and relabel their members."""
    order = table.sort_by([("score", "descending"), ("kind", "ascending"), ("group", "ascending")])
    old = order["group"].to_numpy()
    new = np.empty(len(old), np.int64)
    new[old] = np.arange(1, len(old) + 1)
    parent = order["parent"].to_numpy()
    rings = order.drop_columns(["group", "parent"])
    rings = rings.add_column(0, "ring_id", pa.array(new[old], pa.int64()))
    rings = rings.add_column(1, "rank", pa.array(new[old], pa.int64()))
    rings = rings.append_column(
        "parent_ring", pa.array(np.where(parent >= 0, new[np.maximum(parent, 0)], 0), pa.int64())
    )
    relabelled = members.set_column(0, "ring_id", pa.array(new[members["ring_id"].to_numpy()]))
    relabelled = relabelled.sort_by([("ring_id", "ascending"), ("kind", "ascending"),
                                     ("weight", "descending"), ("value", "ascending")])  # fmt: skip
    return Rings(rings=rings, members=relabelled, as_of=as_of)


def target_package(rings: Rings, ring_id: int) -> dict[str, Any]:
    """The strike package for one group: who, which cards, SIMs and devices, where, and why."""
    row = rings.rings.filter(pc.equal(rings.rings["ring_id"], ring_id)).to_pylist()
    if not row:
        raise KeyError(f"no ring {ring_id}")
    r = row[0]
    m = rings.members.filter(pc.equal(rings.members["ring_id"], ring_id))

    def of(kind: str) -> list[dict[str, Any]]:
        part = m.filter(pc.equal(m["kind"], kind)).select(["value", "evidence", "weight"])
        return list(part.to_pylist())

    dens = [
        {"cell_id": c["value"], "calls": c["weight"], "evidence": c["evidence"]} for c in of("cell")
    ]
    return {
        "ring_id": ring_id,
        "rank": r["rank"],
        "kind": r["kind"],
        "score": r["score"],
        "as_of": rings.as_of.isoformat(),
        "part_of_ring": r["parent_ring"] or None,
        "counts": {k: r[k] for k in ("persons", "accounts", "sims", "devices", "known_bad")},
        "members": of("person"),
        "cards": of("account"),
        "sims": of("sim"),
        "devices": of("device"),
        "addresses": of("ip"),
        "insider_staff": of("staff"),
        "outlets": of("outlet"),
        "likely_dens": dens,
        "evidence": _lines(r, dens),
    }


def _lines(r: dict[str, Any], dens: list[dict[str, Any]]) -> list[str]:
    """The package's evidence in a few sentences."""
    out = [
        f"{r['accounts']} bank cards and {r['sims']} SIM cards held by {r['persons']} people were "
        f"used on {r['devices']} shared devices or linking addresses",
    ]
    if r["known_bad"]:
        out.append(f"{r['known_bad']} of them already named bad by reports, cases, seizures "
                   "or member flags")  # fmt: skip
    if r["insiders"]:
        out.append(f"{r['insiders']} insider clerk(s) opened the ring's cards far beyond chance")
    if dens:
        out.append(f"its SIM cards called most from cell {dens[0]['cell_id']} "
                   f"({dens[0]['calls']} calls)")  # fmt: skip
    return out
