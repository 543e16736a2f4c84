"""The identity graph of the card market: holders, cards, SIMs, devices, addresses, staff, cells.

Nodes are typed identifiers (`idno:`, `card:`, `tel:`, `imei:`, `ip:`, `staff:`, `outlet:`,
`cell:`) numbered 0..n-1; edges carry a kind and how often the feeds saw the link.

Only *linking* evidence enters the graph. An ordinary handset is used by one holder, so a device
that logged into, opened or carries cards of `MIN_DEVICE_HOLDERS` or more distinct holders is
the kind of device a dealer tests kits on, a gang launders from, or a SIM box. Carrier NAT and
home broadband addresses are shared by whole neighbourhoods, so only datacenter and overseas-proxy
addresses link cards. Every card that touches such a device or address joins, with its holder,
its reserved phone, the staff and outlet that opened it, the cells its calls came from, and the
transfers between cards already in the graph. Staff, outlets and cells hang off the graph as
evidence; they never join groups, since one clerk opens cards for thousands of honest customers.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fraudlink.detect.sims_book import CellCalls
from fraudlink.store import Store
from fraudlink.store.compute import registered

IntArray = npt.NDArray[np.int64]

MIN_DEVICE_HOLDERS = 3
"""A device links cards when cards of at least this many distinct holders were used on it."""

LINKING_IP_KINDS = ("datacenter", "overseas_proxy")
"""Address kinds that link the cards logged in from them; residential kinds never do."""

JOINING_EDGES = ("holds", "login_device", "login_ip", "sim_device", "reserved_phone", "transfer")
"""Edge kinds along which a group grows; the rest (staff, outlet, cell) are evidence only."""

_EDGES_SQL = """
with
acc as (select account, owner_idno, phone, staff_id, outlet_id, device_imei
        from bank_accounts where opened_at <= $as_of),
sim as (select msisdn, owner_idno, staff_id, outlet_id, device_imei
        from sim_cards where registered_at <= $as_of),
odd_ip as (select ip from ip_addresses where kind in (select unnest($ip_kinds::varchar[]))),
-- Logins by (card, handset), and by (card, address) for the few linking addresses only: one
-- count by (card, handset, address) made millions of groups for home and carrier addresses
-- that never link (city, 03-29, two runs: the whole query 6.7 and 7.1 s, against 10.0 and 8.8 s).
bl as (select account, device_imei, count(*) as n from logins
       where account_kind = 'bank' and time <= $as_of group by all),
bl_ip as (select account, ip, count(*) as n from logins
          where account_kind = 'bank' and time <= $as_of and ip in (select ip from odd_ip)
          group by all),
uses as (
  select 'card:' || bl.account as card, acc.owner_idno as holder, bl.device_imei as dev,
         'login_device' as kind, bl.n from bl join acc using (account)
  union all select 'card:' || account, owner_idno, device_imei, 'login_device', 1 from acc
    where device_imei is not null
  union all select 'tel:' || msisdn, owner_idno, device_imei, 'sim_device', 1 from sim
    where device_imei is not null),
shared as (select dev from uses group by dev having count(distinct holder) >= $min_holders),
link as (
  select card, 'imei:' || dev as node, kind, sum(n) as n from uses
    where dev in (select dev from shared) group by all
  union all select 'card:' || account, 'ip:' || ip, 'login_ip', sum(n) from bl_ip
    group by all),
cards as (select distinct card from link),
acc_in as (select acc.* from acc where 'card:' || account in (select card from cards)),
sim_in as (select msisdn from sim where 'tel:' || msisdn in (select card from cards)
           union select phone from acc_in where phone is not null),
sim_all as (select sim.* from sim where msisdn in (select msisdn from sim_in))
select card as src, node as dst, kind, n from link
union all select 'idno:' || owner_idno, 'card:' || account, 'holds', 1 from acc_in
union all select 'idno:' || owner_idno, 'tel:' || msisdn, 'holds', 1 from sim_all
union all select 'card:' || account, 'tel:' || phone, 'reserved_phone', 1 from acc_in
  where phone in (select msisdn from sim_all)
union all select 'card:' || account, 'staff:' || staff_id, 'opened_by', 1 from acc_in
  where staff_id is not null
union all select 'tel:' || msisdn, 'staff:' || staff_id, 'opened_by', 1 from sim_all
  where staff_id is not null
union all select 'card:' || account, 'outlet:' || outlet_id, 'opened_at', 1 from acc_in
  where outlet_id is not null
union all select 'tel:' || msisdn, 'outlet:' || outlet_id, 'opened_at', 1 from sim_all
  where outlet_id is not null
union all {called_from}
union all select 'card:' || from_account, 'card:' || to_account, 'transfer', count(*)
  from transactions
  where time <= $as_of and from_account in (select account from acc_in)
    and to_account in (select account from acc_in) and from_account <> to_account
  group by all
"""

CALLED_FROM_SQL = """select 'tel:' || caller, 'cell:' || cell_id, 'called_from', count(*) from calls
  where time <= $as_of and caller in (select msisdn from sim_all) group by all"""
"""The graph's cell edges from a store's `calls`: the cells each SIM in the graph called from."""

# The same from a SIM book's counts: the graph's SIMs picked out of the numbers first, so only
# their pairs are joined to strings.
_BOOK_CALLED_FROM_SQL = """select 'tel:' || n.value, 'cell:' || c.value, 'called_from', p.n
  from {pairs} p join (select * from {numbers} where value in (select msisdn from sim_all)) n
    on p.caller = n.id
  join {cells} c on p.cell = c.id"""

KIND_OF_PREFIX = {
    "idno": "person",
    "card": "account",
    "tel": "sim",
    "imei": "device",
    "ip": "ip",
    "staff": "staff",
    "outlet": "outlet",
    "cell": "cell",
}
"""Node kind of each typed-identifier prefix."""


@dataclass(frozen=True)
class IdentityGraph:
    """Typed nodes (node, kind, value) and edges (src, dst, kind, n) on integer node ids."""

    nodes: pa.Table
    edges: pa.Table

    def joining(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and destination ids of the edges along which groups grow."""
        keep = pc.is_in(self.edges["kind"], pa.array(JOINING_EDGES))
        e = self.edges.filter(keep)
        return e["src"].to_numpy(), e["dst"].to_numpy()


def build_identity_graph(
    store: Store, as_of: datetime, cells: CellCalls | None = None
) -> IdentityGraph:
    """The card market's identity graph as the feeds showed it at `as_of`.

    `cells` may pass in the calls per (caller, cell) up to then (`SimScoreBook.cells_called_from`);
    the store's `calls` is then not read."""
    params = {
        "as_of": as_of,
        "min_holders": MIN_DEVICE_HOLDERS,
        "ip_kinds": list(LINKING_IP_KINDS),
    }
    con = store.con
    with ExitStack() as held:
        called_from = CALLED_FROM_SQL
        if cells is not None:
            names = {k: held.enter_context(registered(con, getattr(cells, k), k))
                     for k in ("pairs", "numbers", "cells")}  # fmt: skip
            called_from = _BOOK_CALLED_FROM_SQL.format(**names)
        raw = con.sql(_EDGES_SQL.format(called_from=called_from), params=params).to_arrow_table()
    return _number(raw)


def _number(raw: pa.Table) -> IdentityGraph:
    """Give every typed identifier an integer id."""
    ends = pa.chunked_array(raw["src"].chunks + raw["dst"].chunks, pa.string())
    keys = pc.unique(ends).sort()
    src = pc.index_in(raw["src"], keys).cast(pa.int64())
    dst = pc.index_in(raw["dst"], keys).cast(pa.int64())
    split = pc.split_pattern(keys, ":", max_splits=1)
    prefix = pc.list_element(split, 0)
    value = pc.list_element(split, 1)
    kinds = pa.array(list(KIND_OF_PREFIX.values()))
    kind = pc.take(kinds, pc.index_in(prefix, pa.array(list(KIND_OF_PREFIX))))
    nodes = pa.table(
        {"node": pa.array(np.arange(len(keys), dtype=np.int64)), "kind": kind, "value": value}
    )
    edges = pa.table({"src": src, "dst": dst, "kind": raw["kind"], "n": raw["n"].cast(pa.int64())})
    # Edges in a fixed order, as the nodes are: the groups' numbering, and so the ties between
    # rings of equal rank, must not follow the row order of whichever query found the edges.
    edges = edges.sort_by([(c, "ascending") for c in ("src", "dst", "kind", "n")])
    return IdentityGraph(nodes=nodes, edges=edges)


# ----- groups --------------------------------------------------------------------------------
# A card ring is a connected component of the joining edges with at least `MIN_RING_PERSONS`
# holders. A gang moves money only between its own cards, so transfers cut a ring into one large
# core per gang; a device or address whose cards sit (almost) all in one core belongs to that
# gang and pulls its other cards in, while one whose cards spread over several cores is the
# dealer's and stays with the ring only.

MIN_RING_PERSONS = 3
"""A component needs cards of at least this many holders to be a ring (not one family)."""

MIN_GROUP_ACCOUNTS = 3
"""A laundering group needs at least this many cards moving money among themselves."""

GANG_SHARE = 0.8
"""A device or address is one gang's when this share of its cores' cards are in one core."""


def components(n: int, src: IntArray, dst: IntArray) -> IntArray:
    """Component label of every node along the given edges."""
    m = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n))
    return connected_components(m, directed=False)[1].astype(np.int64)


def card_rings(g: IdentityGraph) -> IntArray:
    """Ring label per node (-1 outside any ring), numbered 0.. by component."""
    n = g.nodes.num_rows
    src, dst = g.joining()
    lab = components(n, src, dst)
    person = pc.equal(g.nodes["kind"], "person").to_numpy(zero_copy_only=False)
    holders = np.bincount(lab[person], minlength=n)
    keep = holders >= MIN_RING_PERSONS
    # Staff, outlets and cells have no joining edges: they are singletons and drop out here.
    return _renumber(np.where(keep[lab], lab, -1))


def laundering_groups(g: IdentityGraph, ring: IntArray) -> IntArray:
    """Laundering-group label per node (-1 outside any), numbered 0.. by component."""
    n = g.nodes.num_rows
    kind = g.nodes["kind"].to_numpy(zero_copy_only=False)
    e = g.edges
    ek = e["kind"].to_numpy(zero_copy_only=False)
    s, d = e["src"].to_numpy(), e["dst"].to_numpy()
    in_ring = (ring[s] >= 0) & (ring[d] >= 0)
    tr = (ek == "transfer") & in_ring
    core = components(n, s[tr], d[tr])
    big_core = np.where(np.bincount(core, minlength=n)[core] >= 2, core, -1)
    login = np.isin(ek, ["login_device", "login_ip"]) & in_ring
    # One vote per (card, device): a card logged in a hundred times counts once.
    pairs = np.unique(np.c_[s[login], d[login]], axis=0)
    ls, ld = pairs[:, 0], pairs[:, 1]
    gang_node = _gang_level(n, ld, big_core[ls])
    join = gang_node[ld]
    # Virtual numbers registered on a gang's handsets belong to that gang too.
    sd = (ek == "sim_device") & in_ring & gang_node[d]
    rp = (ek == "reserved_phone") & in_ring
    src = np.r_[s[tr], ls[join], s[sd], s[rp]]
    dst = np.r_[d[tr], ld[join], d[sd], d[rp]]
    lab = components(n, src, dst)
    accounts = np.bincount(lab[kind == "account"], minlength=n)
    keep = (accounts[lab] >= MIN_GROUP_ACCOUNTS) & (ring >= 0) & (kind != "person")
    return _renumber(np.where(keep, lab, -1))


def _gang_level(n: int, node: IntArray, core: IntArray) -> npt.NDArray[np.bool_]:
    """Which linking nodes log into cards of (almost) only one transfer core."""
    ok = core >= 0
    out = np.zeros(n, bool)
    if not ok.any():
        return out
    key, counts = np.unique(node[ok] * n + core[ok], return_counts=True)
    who = key // n
    total = np.bincount(who, weights=counts, minlength=n)
    top = np.zeros(n)
    np.maximum.at(top, who, counts)
    share = top / np.maximum(total, 1)
    out[(share >= GANG_SHARE) & (top >= 2)] = True
    return out


def _renumber(lab: IntArray) -> IntArray:
    """Labels 0..k-1 in order of first appearance of the kept components; -1 stays -1."""
    out = np.full(len(lab), -1, np.int64)
    keep = lab >= 0
    if keep.any():
        _, first, inv = np.unique(lab[keep], return_index=True, return_inverse=True)
        rank = np.argsort(np.argsort(first))
        out[keep] = rank[inv]
    return out
