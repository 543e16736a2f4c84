"""Rarity weights: tills and shared addresses weigh nothing, a mule card weighs fully."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.match.clusters import LINK_THRESHOLD
from fraudlink.match.weights import COMMON_PAYERS, idf, node_weights, rarity
from fraudlink.store import Store


@pytest.fixture(scope="module")
def tiny_store(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("weights") / "s.duckdb")
    ingest_paths(store, [tiny_world / "feeds"])
    return store


def one(store: Store, sql: str) -> str:
    return str(store.con.execute(sql).fetchall()[0][0])


def nodes(*rows: tuple[str, str]) -> pa.Table:
    prefix = {"account": "card:", "ip": "ip:", "phone": "tel:"}
    return pa.table({
        "report_id": pa.array([None] * len(rows), pa.string()),
        "node_id": [prefix[k] + v for k, v in rows],
        "kind": [k for k, _ in rows],
        "value": [v for _, v in rows],
    })  # fmt: skip


def test_tills_and_nat_addresses_weigh_nothing_mule_cards_weigh_fully(tiny_store: Store) -> None:
    merchant = one(tiny_store, "select to_account from transactions where to_account is not null "
                   "group by 1 order by count(distinct from_account) desc limit 1")  # fmt: skip
    nat = one(tiny_store, "select ip from ip_addresses where kind = 'mobile_nat' limit 1")
    mule = one(tiny_store, "select to_account from report_payments limit 1")
    w = node_weights(tiny_store, nodes(("account", merchant), ("ip", nat), ("account", mule)),
                     total_reports=100)  # fmt: skip
    assert w["card:" + merchant].weight < 0.01
    assert "till" in w["card:" + merchant].reason
    assert w["ip:" + nat].weight == 0.0
    assert "mobile_nat" in w["ip:" + nat].reason
    assert w["card:" + mule].weight == 1.0 >= LINK_THRESHOLD


def test_rarity_and_idf_rules() -> None:
    assert rarity("account", COMMON_PAYERS, None, None)[0] == 1.0
    assert rarity("account", 4 * COMMON_PAYERS, None, None)[0] == pytest.approx(1 / 16)
    assert rarity("ip", None, "broadband", 2)[0] == 1.0
    assert rarity("ip", None, "datacenter", 1)[0] == 0.0
    # A SIM box calls hundreds: phones are judged by the reports naming them, not call volume.
    assert rarity("phone", None, None, None)[0] == 1.0
    assert idf(3, 1000)[0] == 1.0
    assert idf(500, 1000)[0] == pytest.approx(0.1)
    assert "common" in idf(500, 1000)[1]
