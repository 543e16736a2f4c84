"""How well the found rings and laundering groups match the simulator's truth (evaluation only).

Ring members are the persons the truth gives a `ring_id`: the dealer, the sellers and the insider
clerks (insiders count: they are in the ring's pay and a strike arrests them). A laundering group's
members are the persons with its `gang_id`. A truth group is found when one found group of the
same kind holds at least `MIN_COVERAGE` of its members and most of that found group's members
from any truth group are from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.accounts_model import average_precision
from fraudlink.detect.rings import Rings

MIN_COVERAGE = 0.5
"""Share of a truth group's members a found group must hold for the truth group to be found."""

INNOCENT_ROLES = ("ordinary", "victim", "second_hand_seller")
"""Truth roles of people who must never be in a strike package."""


def ring_recovery(rings: Rings, world_dir: Path) -> dict[str, Any]:
    """Recovery of truth rings and gangs by the found groups, person precision and PR-AUC."""
    truth = Path(world_dir) / "truth"
    con = duckdb.connect()
    con.register("members", rings.members)
    con.register("groups", rings.rings)
    q = {"pr": f"'{truth / 'person_roles.parquet'}'", "ar": f"'{truth / 'account_roles.parquet'}'"}
    out: dict[str, Any] = {}
    out["card_rings"] = _recovery(con, "card_ring", "person", q["pr"], "ring_id", "idno")
    out["laundering_groups"] = _recovery(con, "laundering_group", "person", q["pr"], "gang_id",
                                         "idno")  # fmt: skip
    out["laundering_groups_by_cards"] = _recovery(
        con, "laundering_group", "account", q["ar"], "gang_id", "account"
    )
    out["rings_found_share"] = out["card_rings"]["found_share"]
    kinds, counts = np.unique(rings.rings["kind"].to_numpy(False), return_counts=True)
    out["groups_found"] = {str(k): int(v) for k, v in zip(kinds, counts, strict=True)}
    out.update(_persons(con, q["pr"]))
    con.close()
    return out


def _recovery(
    con: duckdb.DuckDBPyConnection, kind: str, member: str, truth: str, key: str, ident: str
) -> dict[str, Any]:
    """Per truth group: size, best found group, its coverage and whether it is found."""
    rows = con.sql(
        f"""
        with t as (select {ident} as value, {key} as tid from {truth} where {key} is not null),
        f as (select distinct m.ring_id, m.value from members m join groups g using (ring_id)
              where g.kind = '{kind}' and m.kind = '{member}'),
        hit as (select f.ring_id, t.tid, count(*) as n from f join t using (value) group by all),
        own as (select ring_id, sum(n) as n_truth from hit group by ring_id),
        size as (select tid, count(*) as size from t group by tid),
        best as (select tid, arg_max(ring_id, n) as ring_id, max(n) as n from hit group by tid)
        select size.tid, size.size, best.ring_id, coalesce(best.n, 0) as n,
               coalesce(best.n, 0) / size.size as coverage,
               coalesce(best.n / own.n_truth > 0.5, false) as majority
        from size left join best using (tid) left join own using (ring_id) order by size.tid
        """
    ).to_arrow_table()
    cov = rows["coverage"].to_numpy(zero_copy_only=False).astype(float)
    found = (cov >= MIN_COVERAGE) & rows["majority"].to_numpy(zero_copy_only=False)
    return {
        "truth_groups": rows.num_rows,
        "found": int(found.sum()),
        "found_share": float(found.mean()) if rows.num_rows else float("nan"),
        "per_group": [
            {"truth_id": int(t), "size": int(s), "group": g, "coverage": round(float(c), 4),
             "found": bool(f)}
            for t, s, g, c, f in zip(rows["tid"].to_pylist(), rows["size"].to_pylist(),
                                     rows["ring_id"].to_pylist(), cov, found, strict=True)
        ],
    }  # fmt: skip


def _persons(con: duckdb.DuckDBPyConnection, pr: str) -> dict[str, Any]:
    """Person precision, innocents flagged and PR-AUC of persons scored by their group's score."""
    t = con.sql(
        f"""
        with s as (select m.value as idno, max(g.score) as score from members m
                   join groups g using (ring_id) where m.kind = 'person' group by m.value)
        select p.role, p.ring_id is not null or p.gang_id is not null as bad,
               coalesce(s.score, 0) as score, s.idno is not null as flagged
        from {pr} p left join s using (idno)
        """
    ).to_arrow_table()
    bad = t["bad"].to_numpy(zero_copy_only=False)
    flagged = t["flagged"].to_numpy(zero_copy_only=False)
    innocent = pc.is_in(t["role"], pa.array(INNOCENT_ROLES)).to_numpy(zero_copy_only=False)
    return {
        "persons_flagged": int(flagged.sum()),
        "person_precision": float(bad[flagged].mean()) if flagged.any() else float("nan"),
        "innocent_persons_flagged": int((flagged & innocent).sum()),
        "innocent_persons_flagged_share": float((flagged & innocent).sum())
        / max(int(innocent.sum()), 1),
        "pr_auc": average_precision(bad, t["score"].to_numpy(zero_copy_only=False)),
    }
