"""Case linking damps what ordinary life shares: a popular site, a popular app, a shared handset,
a spoofed service line.

A hand-made store: pairs of unrelated reports that share one identifier each, and a crowd of
ordinary people visiting the site, installing the app and logging in from the handset. A fraud
site seen only by its victims still links the reports naming it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from fraudlink.match.clusters import LINK_THRESHOLD, CaseClusters
from fraudlink.match.linking import link_reports
from fraudlink.match.weights import (
    COMMON_APP_USERS,
    COMMON_DEVICE_ACCOUNTS,
    COMMON_VISITORS,
    node_weights,
)
from fraudlink.store import Store

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
POPULAR_SITE = "mp.weixin.qq.com"  # public-account pages: anyone, gangs included, posts there
RARE_SITE = "daikuanxkq01.xyz"  # a gang's own site, seen by its victims only
POPULAR_APP = "com.tencent.mm"
SHARED_HANDSET = "490154203237518"
SPOOFED_LINE = "95588"  # a bank's service line, shown on gangs' spoofed calls
GANG_MOBILE = "17012345678"
CROWD = 300  # ordinary people on the popular site and app, accounts on the shared handset
VICTIMS = 3  # people who opened the fraud site's pages
assert 2 * max(COMMON_VISITORS, COMMON_APP_USERS, COMMON_DEVICE_ACCOUNTS) < CROWD
assert VICTIMS <= COMMON_VISITORS

# Report -> what it names (kind, value). Each pair shares exactly one identifier.
REPORTS: dict[str, list[tuple[str, str]]] = {
    "R-SITE-1": [("url", f"https://{POPULAR_SITE}/s/loan-offer-aaa")],
    "R-SITE-2": [("url", f"https://{POPULAR_SITE}/s/refund-notice-bbb")],
    "R-APP-1": [("app", POPULAR_APP)],
    "R-APP-2": [("app", POPULAR_APP)],
    "R-HANDSET-1": [("imei", SHARED_HANDSET)],
    "R-HANDSET-2": [("imei", SHARED_HANDSET)],
    "R-RARE-1": [("url", f"https://{RARE_SITE}/apply?code=k1")],
    "R-RARE-2": [("url", f"https://{RARE_SITE}/login")],
    "R-SPOOF-1": [("phone", SPOOFED_LINE)],
    "R-SPOOF-2": [("phone", SPOOFED_LINE)],
    "R-MOBILE-1": [("phone", GANG_MOBILE)],
    "R-MOBILE-2": [("phone", GANG_MOBILE)],
}


def make_store(path: Path) -> Path:
    """The reports above, the crowd's visits, installs and logins, and the victims' visits."""
    with Store(path) as store:
        con = store.con
        con.executemany(
            "insert into victim_reports (report_id, reported_at, victim_idno, district,"
            " fraud_type, contact_channel, narrative, claimed_loss_fen)"
            " values (?, ?, 'x', '450102', 'x', 'call', 'x', 100000)",
            [(r, T0.replace(hour=2 + i)) for i, r in enumerate(REPORTS)],
        )
        con.executemany(
            "insert into report_indicators (report_id, kind, value) values (?, ?, ?)",
            [(r, k, v) for r, named in REPORTS.items() for k, v in named],
        )
        pages = [f"https://{POPULAR_SITE}/s/article-{i}" for i in range(7)]
        con.executemany(
            "insert into urls (url, domain, domain_registered_at) values (?, 'qq.com', ?)",
            [(p, datetime(1998, 11, 1, tzinfo=UTC)) for p in pages],
        )
        # The crowd: person i visits an article page, installs the app, and one account each
        # logs in from the shared handset.
        crowd = pa.table({
            "i": pa.array(range(CROWD), pa.int64()),
            "msisdn": [f"1380000{i:04d}" for i in range(CROWD)],
            "page": [pages[i % len(pages)] for i in range(CROWD)],
        })  # fmt: skip
        con.register("crowd", crowd)
        con.execute(
            "insert into web_events (event_id, time, msisdn, kind, url, app_id)"
            " select i, ?, msisdn, 'visit', page, null from crowd"
            " union all select 1000 + i, ?, msisdn, 'install', null, ? from crowd",
            [T0, T0, POPULAR_APP],
        )
        con.execute(
            "insert into logins (login_id, time, account, account_kind, device_imei, ip)"
            " select i, ?, '62220000' || lpad(i::varchar, 8, '0'), 'bank', ?, '113.1.1.1'"
            " from crowd",
            [T0, SHARED_HANDSET],
        )
        con.unregister("crowd")
        con.executemany(
            "insert into web_events (event_id, time, msisdn, kind, url, app_id)"
            " values (?, ?, ?, 'visit', ?, null)",
            [(5000 + i, T0, f"1590000{i:04d}", f"https://{RARE_SITE}/apply?code=k{i}")
             for i in range(VICTIMS)],
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("common-ids") / "s.duckdb")


@pytest.fixture(scope="module")
def clusters(store_path: Path) -> CaseClusters:
    with Store(store_path) as store:
        return link_reports(store)


def linked(clusters: CaseClusters, a: str, b: str) -> bool:
    return clusters.cluster_of(a) == clusters.cluster_of(b) is not None


def test_a_page_each_on_a_popular_site_does_not_link(clusters: CaseClusters) -> None:
    assert not linked(clusters, "R-SITE-1", "R-SITE-2")


def test_a_popular_app_does_not_link(clusters: CaseClusters) -> None:
    assert not linked(clusters, "R-APP-1", "R-APP-2")


def test_a_handset_many_accounts_log_in_from_does_not_link(clusters: CaseClusters) -> None:
    assert not linked(clusters, "R-HANDSET-1", "R-HANDSET-2")


def test_a_site_seen_only_by_its_victims_links(clusters: CaseClusters) -> None:
    assert linked(clusters, "R-RARE-1", "R-RARE-2")
    (edge,) = clusters.explain(clusters.cluster_of("R-RARE-1"))  # type: ignore[arg-type]
    assert edge.node_id == f"domain:{RARE_SITE}"
    assert edge.weight >= LINK_THRESHOLD
    assert f"{VICTIMS} distinct visitors" in edge.reason


def test_reasons_name_the_ordinary_counts(store_path: Path) -> None:
    rows = [("domain", POPULAR_SITE), ("app", POPULAR_APP), ("imei", SHARED_HANDSET),
            ("domain", "qq.com")]  # fmt: skip
    nodes = pa.table({
        "report_id": pa.array([None] * len(rows), pa.string()),
        "node_id": [f"{k}:{v}" for k, v in rows],
        "kind": [k for k, _ in rows],
        "value": [v for _, v in rows],
    })  # fmt: skip
    with Store(store_path) as store:
        w = node_weights(store, nodes, total_reports=len(REPORTS))
    assert (
        f"{CROWD} distinct visitors: a site of ordinary life" in w[f"domain:{POPULAR_SITE}"].reason
    )
    assert f"{CROWD} distinct installers" in w[f"app:{POPULAR_APP}"].reason
    assert f"{CROWD} accounts log in from it" in w[f"imei:{SHARED_HANDSET}"].reason
    # A registered domain counts the visitors of every host under it (the `urls` feed says which).
    assert f"{CROWD} distinct visitors" in w["domain:qq.com"].reason
    assert all(x.weight < LINK_THRESHOLD for x in w.values())


def test_a_spoofed_service_line_does_not_link(clusters: CaseClusters) -> None:
    assert not linked(clusters, "R-SPOOF-1", "R-SPOOF-2")
    assert linked(clusters, "R-MOBILE-1", "R-MOBILE-2")


def test_the_reason_says_a_service_line_is_spoofed(store_path: Path) -> None:
    nodes = pa.table({"report_id": pa.array([None], pa.string()), "node_id": ["tel:95588"],
                      "kind": ["phone"], "value": [SPOOFED_LINE]})  # fmt: skip
    with Store(store_path) as store:
        w = node_weights(store, nodes, total_reports=len(REPORTS))["tel:95588"]
    assert "a public service line, spoofed by many" in w.reason
    assert w.weight < LINK_THRESHOLD


def test_a_phone_value_kept_unread_weighs_as_a_phone(store_path: Path) -> None:
    """Migration 6 keeps what it cannot read (`110`): weighing it must not fail the linking."""
    nodes = pa.table({"report_id": pa.array([None], pa.string()), "node_id": ["tel:+86110"],
                      "kind": ["phone"], "value": ["110"]})  # fmt: skip
    with Store(store_path) as store:
        w = node_weights(store, nodes, total_reports=len(REPORTS))["tel:+86110"]
    assert w.weight == 1.0 and "spoofed" not in w.reason
