"""The dashboard's figures against hand counts over the store's rows, and its ratios."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fraudlink.model.actions import WARNING, Action, ActionLog
from fraudlink.model.clock import CHINA
from fraudlink.trace.orders import update_order
from fraudlink.warn import CHANNELS
from fraudlink.web.centre.dashboard import _next, _start, ratio
from fraudlink.web.centre.warnings_queue import load_warnings

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"


def reports(client: TestClient) -> list[dict[str, Any]]:
    """Every victim report as plain rows, for counting by hand."""
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    rows = con.execute("select report_id, reported_at, victim_idno, district, fraud_type, "
                       "claimed_loss_fen from victim_reports").fetchall()  # fmt: skip
    keys = ("report_id", "reported_at", "victim_idno", "district", "fraud_type", "loss")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def test_ratio_is_this_period_over_the_last() -> None:
    assert ratio(155, 100) == 1.55  # the source document's "1.55 times last year"
    assert ratio(1, 3) == 0.3333
    assert ratio(0, 4) == 0.0
    assert ratio(5, 0) is None


def test_calendar_periods() -> None:
    assert _start(dt.date(2026, 3, 5), "week") == dt.date(2026, 3, 2)  # a Monday
    assert _next(dt.date(2026, 12, 1), "month") == dt.date(2027, 1, 1)
    assert _next(dt.date(2026, 1, 1), "year") == dt.date(2027, 1, 1)
    assert _start(dt.date(2026, 7, 19), "month") == dt.date(2026, 7, 1)


def test_results_fraud_types_and_districts_match_hand_counts(client: TestClient,
                                                             login: Login) -> None:  # fmt: skip
    rows = reports(client)
    r = client.get(f"{C}/dashboard", headers=login("analyst"))
    assert r.status_code == 200, r.text
    out = r.json()
    res = out["results"]
    assert res["reports"] == len(rows) > 0
    assert res["victims"] == len({x["victim_idno"] for x in rows})
    assert res["loss_fen"] == sum(x["loss"] for x in rows)
    assert (res["stopped_fen"], res["frozen_fen"], res["returned_fen"], res["dissuaded"]) == (
        0, 0, 0, 0)
    assert res["orders"] == {"stop_payment": 0, "freeze": 0, "number_block": 0}
    assert res["warnings"] == {"high": 0, "medium": 0, "low": 0}
    by_type: dict[str, list[int]] = defaultdict(list)
    for x in rows:
        by_type[x["fraud_type"]].append(x["loss"])
    assert {f["fraud_type"]: (f["reports"], f["loss_fen"]) for f in out["fraud_types"]} == {
        t: (len(v), sum(v)) for t, v in by_type.items()}
    losses = [f["loss_fen"] for f in out["fraud_types"]]
    assert losses == sorted(losses, reverse=True)
    assert all(f["label"] for f in out["fraud_types"])
    victims: dict[str, set[str]] = defaultdict(set)
    loss: Counter[str] = Counter()
    for x in rows:
        victims[x["district"]].add(x["victim_idno"])
        loss[x["district"]] += x["loss"]
    assert {d["district"]: (d["victims"], d["loss_fen"]) for d in out["districts"]} == {
        d: (len(v), loss[d]) for d, v in victims.items()}


def test_trends_by_china_day_with_ratios(client: TestClient, login: Login) -> None:
    rows = reports(client)
    out = client.get(f"{C}/dashboard", headers=login("analyst")).json()
    day: Counter[dt.date] = Counter()
    day_loss: Counter[dt.date] = Counter()
    for x in rows:
        d = x["reported_at"].astimezone(CHINA).date()
        day[d] += 1
        day_loss[d] += x["loss"]
    points = out["trends"]["day"]
    first = min(day)
    as_of = dt.datetime.fromisoformat(out["as_of"]).astimezone(CHINA).date()
    assert [p["period"] for p in points] == [
        (first + dt.timedelta(days=i)).isoformat() for i in range((as_of - first).days + 1)]
    assert sum(p["reports"] for p in points) == len(rows)
    for prev, p in itertools.pairwise(points):
        d = dt.date.fromisoformat(p["period"])
        assert (p["reports"], p["loss_fen"]) == (day[d], day_loss[d])
        want = round(day[d] / prev["reports"], 4) if prev["reports"] else None
        assert p["ratio_reports"] == want
        want = round(day_loss[d] / prev["loss_fen"], 4) if prev["loss_fen"] else None
        assert p["ratio_loss"] == want
    assert points[0]["ratio_reports"] is None and points[0]["ratio_loss"] is None
    # The tiny world spans five days of one month: one month, one year, ratios unknown.
    for grain in ("month", "year"):
        (only,) = out["trends"][grain]
        assert only["reports"] == len(rows) and only["ratio_reports"] is None
    assert set(out["trends"]) == {"day", "week", "month", "year"}
    assert all(set(p) == {"period", "reports", "loss_fen", "ratio_reports", "ratio_loss"}
               for ps in out["trends"].values() for p in ps)  # fmt: skip
    weeks = out["trends"]["week"]
    assert all(dt.date.fromisoformat(w["period"]).weekday() == 0 for w in weeks)
    assert sum(w["reports"] for w in weeks) == len(rows)


def test_as_of_cuts_the_figures(client: TestClient, login: Login) -> None:
    rows = sorted(reports(client), key=lambda x: x["reported_at"])
    cut = rows[2]["reported_at"]
    out = client.get(f"{C}/dashboard", params={"as_of": cut.isoformat()},
                     headers=login("analyst")).json()  # fmt: skip
    assert out["results"]["reports"] == 3
    assert out["results"]["loss_fen"] == sum(x["loss"] for x in rows[:3])
    last = out["trends"]["day"][-1]["period"]
    assert last == cut.astimezone(CHINA).date().isoformat()
    r = client.get(f"{C}/dashboard", params={"as_of": "3000-01-01T00:00:00Z"},
                   headers=login("analyst"))  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "as_of"]


def test_money_held_orders_and_warnings_are_counted(client: TestClient, login: Login) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    con = ctx.cursor()
    who = login("supervisor")
    report = "R2026030200001"
    stops = client.post(f"{C}/orders", json={"report_id": report, "kind": "stop_payment"},
                        headers=who).json()  # fmt: skip
    freezes = client.post(f"{C}/orders", json={"report_id": report, "kind": "freeze"},
                          headers=who).json()  # fmt: skip
    assert stops and freezes
    at = dt.datetime.fromisoformat(stops[0]["requested_at"]) + dt.timedelta(minutes=5)
    with ctx.write_lock:
        for o in (stops[0], freezes[0]):
            update_order(ctx.store, o["order_id"], "acknowledged", at)
        update_order(ctx.store, stops[0]["order_id"], "executed", at, 1000)
        update_order(ctx.store, freezes[0]["order_id"], "executed", at)
    idno = con.execute("select min(idno) from persons").fetchall()[0][0]
    t0 = dt.datetime(2026, 3, 5, 8, tzinfo=dt.UTC)
    log = ActionLog()
    log.extend([Action(kind=WARNING, decided_at=t0 + dt.timedelta(minutes=i), target=idno,
                       target_kind="idno", addressee="96110 desk", basis="b", evidence="e",
                       grade=g, channel=CHANNELS[g])
                for i, g in enumerate(("high", "high", "low"))])  # fmt: skip
    load_warnings(con, log.table())
    wid = log.actions[0].action_id
    for step in ({"to": "dispatched"}, {"to": "handed_off"}, {"to": "feedback"},
                 {"to": "closed", "outcome": "dissuaded"}):  # fmt: skip
        assert client.post(f"{C}/queues/warnings/{wid}", json=step, headers=who).status_code == 200
    res = client.get(f"{C}/dashboard", params={"as_of": (at + dt.timedelta(hours=1)).isoformat()},
                     headers=who).json()["results"]  # fmt: skip
    assert res["stopped_fen"] == 1000
    assert res["frozen_fen"] == freezes[0]["amount_fen"]
    assert res["orders"] == {"stop_payment": len(stops), "freeze": len(freezes), "number_block": 0}
    assert res["warnings"] == {"high": 2, "medium": 0, "low": 1}
    assert res["dissuaded"] == 1
    # Before anything was ordered, nothing was.
    early = client.get(f"{C}/dashboard", params={"as_of": "2026-03-02T00:00:00Z"},
                       headers=who).json()["results"]  # fmt: skip
    assert early["orders"] == {"stop_payment": 0, "freeze": 0, "number_block": 0}
    assert early["stopped_fen"] == 0
