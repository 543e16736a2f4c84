"""Rings for the console: the ranked list, one ring's graph, its target package for a strike."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from fraudlink.detect.rings import find_rings, target_package
from fraudlink.web.centre.clock import latest_event
from fraudlink.web.centre.rings_view import PREFIX_OF_KIND

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"


def test_rings_list_graph_and_package(client: TestClient, login: Login) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    who = login("analyst")
    r = client.get(f"{C}/rings", headers=who)
    assert r.status_code == 200, r.text
    rings = r.json()
    with ctx.write_lock:
        found = find_rings(ctx.store, latest_event(ctx.store.con))
    want = found.rings.to_pylist()
    assert rings and len(rings) == len(want)
    assert [x["ring_id"] for x in rings] == [w["ring_id"] for w in want]
    assert [x["rank"] for x in rings] == list(range(1, len(rings) + 1))
    for x, w in zip(rings, want, strict=True):
        assert (x["holders"], x["cards"], x["sims"], x["score"]) == (
            w["persons"], w["accounts"], w["sims"], w["score"])
    group = next(x for x in rings if x["kind"] == "laundering_group")
    assert group["parent_ring"] in {x["ring_id"] for x in rings if x["kind"] == "card_ring"}

    top = rings[0]["ring_id"]
    page = client.get(f"{C}/rings/{top}", headers=who).json()
    assert page["ring"] == rings[0]
    nodes = {n["id"]: n for n in page["graph"]["nodes"]}
    members = found.members.filter(found.members["ring_id"].to_numpy() == top).to_pylist()
    assert set(nodes) == {f"{PREFIX_OF_KIND[m['kind']]}:{m['value']}" for m in members}
    assert all(n["evidence"] for n in nodes.values())
    edges = page["graph"]["edges"]
    assert edges and all(e["source"] in nodes and e["target"] in nodes for e in edges)
    kinds = {e["kind"] for e in edges}
    assert "holds" in kinds and kinds & {"login_device", "login_ip", "sim_device"}
    # Every card of the ring has its holder in the graph.
    held = {e["target"] for e in edges if e["kind"] == "holds"}
    assert {n for n, x in nodes.items() if x["kind"] == "account"} <= held

    r = client.get(f"{C}/rings/{top}/package", headers=who)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="ring-{top}.json"'
    assert r.json() == json.loads(json.dumps(target_package(found, top), default=str))
    assert {"members", "cards", "sims", "likely_dens", "evidence"} <= set(r.json())

    assert client.get(f"{C}/rings/99999", headers=who).status_code == 404
    assert client.get(f"{C}/rings/99999/package", headers=who).status_code == 404
    assert client.get(f"{C}/rings/-1", headers=who).status_code == 422
    audited = ctx.cursor().execute(
        "select action, target from audit_log where action in ('read.ring', "
        "'export.ring_package') order by seq").fetchall()  # fmt: skip
    assert audited == [("read.ring", str(top)), ("export.ring_package", str(top))]


def test_rings_as_of_an_earlier_instant(client: TestClient, login: Login) -> None:
    who = login("supervisor")
    now = client.get(f"{C}/rings", headers=who).json()
    early = client.get(f"{C}/rings", params={"as_of": "2026-03-01T00:00:00Z"}, headers=who)
    assert early.status_code == 200
    # Fewer cards had been used on shared devices at the start of the period.
    assert sum(x["cards"] for x in early.json()) <= sum(x["cards"] for x in now)
