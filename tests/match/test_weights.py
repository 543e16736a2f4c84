"""Rarity weights: tills, shared addresses and busy sites weigh little, a mule card fully."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudlink.ingest import ingest_paths
from fraudlink.match.clusters import LINK_THRESHOLD
from fraudlink.match.weights import (
    BASE_WEIGHTS,
    COMMON_PAYERS,
    ORDINARY_USE,
    SHARED_IP_KINDS,
    idf,
    node_weights,
    rarity,
)
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
    assert rarity("account", COMMON_PAYERS)[0] == 1.0
    assert rarity("account", 4 * COMMON_PAYERS)[0] == pytest.approx(1 / 16)
    assert rarity("ip", 2, "broadband")[0] == 1.0
    assert rarity("ip", 1, "datacenter")[0] == 0.0
    # A SIM box calls hundreds: phones are judged by the reports naming them, not call volume.
    assert rarity("phone", None)[0] == 1.0
    assert rarity("domain", 2)[0] == 1.0
    assert rarity("domain", 2)[1] == "2 distinct visitors"
    assert rarity("domain", 1000)[0] == pytest.approx(0.05)
    assert "ordinary life" in rarity("app", 1000)[1]
    assert "shared handset" in rarity("imei", 1000)[1]
    assert idf(3, 1000)[0] == 1.0
    assert idf(500, 1000)[0] == pytest.approx(0.1)
    assert "common" in idf(500, 1000)[1]


KINDS = st.sampled_from([*sorted(BASE_WEIGHTS), "unknown"])
IP_KINDS = st.sampled_from([None, "broadband", "overseas_proxy", *SHARED_IP_KINDS])
COUNTS = st.integers(min_value=0, max_value=10**7)


@given(KINDS, COUNTS, COUNTS, IP_KINDS)
def test_rarity_is_a_factor_that_never_grows_with_use(kind: str, a: int, b: int,
                                                      ip_kind: str | None) -> None:  # fmt: skip
    few, many = sorted((a, b))
    r_few, r_many = rarity(kind, few, ip_kind)[0], rarity(kind, many, ip_kind)[0]
    assert 0.0 <= r_many <= r_few <= 1.0


@given(st.sampled_from(sorted(ORDINARY_USE)), st.integers(min_value=0, max_value=10**7))
def test_a_site_app_or_handset_is_rare_until_ordinary_life_uses_it(kind: str, n: int) -> None:
    common, counted, _ = ORDINARY_USE[kind]
    factor, why = rarity(kind, n)
    assert (factor == 1.0) == (n <= common)
    assert f"{n} {counted}" in why
    # Once used by twice the ordinary count, it can no longer link two reports on its own.
    if n > 2 * common:
        assert BASE_WEIGHTS[kind] * factor < LINK_THRESHOLD
