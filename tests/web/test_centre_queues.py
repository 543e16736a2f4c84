"""The queues: warnings loaded from an engine action log and moved through their lifecycle, and
orders with the seconds left on their timers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from fraudlink.model.actions import FREEZE, WARNING, Action, ActionLog
from fraudlink.store import Store
from fraudlink.trace.orders import update_order
from fraudlink.web.centre.warnings_queue import allowed_next, load_warnings

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
T0 = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)
GRADES = ("medium", "high", "low", "high")
CHANNEL = {"high": "visit", "medium": "call_96110", "low": "sms_12381"}


def con_of(client: TestClient) -> Any:
    """The test thread's cursor on the served store."""
    return client.app.state.ctx.cursor()  # type: ignore[attr-defined]


def action_log(con: Any) -> ActionLog:
    """Four warnings to residents, and one freeze the queue must ignore."""
    people = [r[0] for r in con.execute("select idno from persons order by idno limit 4")
              .fetchall()]  # fmt: skip
    log = ActionLog()
    log.extend([
        Action(kind=WARNING, decided_at=T0 + dt.timedelta(minutes=10 * i), target=p,
               target_kind="idno", msisdn=f"1380013800{i}", addressee="desk",
               basis="early warning (预警劝阻): contact with fraud",
               evidence=f"{i + 1} call(s)/SMS in 24 h from flagged number(s)", grade=g,
               channel=CHANNEL[g])
        for i, (p, g) in enumerate(zip(people, GRADES, strict=True))
    ])  # fmt: skip
    log.extend([Action(kind=FREEZE, decided_at=T0, target="6222020939431209955",
                       target_kind="account", addressee="ICBC", basis="b", evidence="e")])
    return log


@pytest.fixture
def warnings(client: TestClient) -> ActionLog:
    """The queue loaded from `action_log`."""
    log = action_log(con_of(client))
    assert load_warnings(con_of(client), log.table()) == 4
    return log


def test_load_warnings_is_idempotent_and_reads_the_arena_parquet(
    tmp_path: Path, web_db: Path
) -> None:
    with Store(web_db) as store:
        log = action_log(store.con)
        assert load_warnings(store.con, log.table()) == 4
        assert load_warnings(store.con, log.table()) == 0
        path = tmp_path / "actions-full.parquet"
        pq.write_table(log.table(), path)
        assert load_warnings(store.con, path) == 0
        rows = store.con.execute(
            "select q.warning_id, q.person_id, q.msisdn, q.grade, q.channel, q.state, "
            "q.evidence, e.seq, e.state, e.username from warning_queue q "
            "join warning_events e using (warning_id) order by q.decided_at").fetchall()
    wanted = [a for a in log.actions if a.kind == WARNING]
    assert [r[0] for r in rows] == [a.action_id for a in wanted]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (a.target, a.msisdn, a.grade, a.channel, "decided") for a in wanted]
    assert all((r[7], r[8], r[9]) == (1, "decided", "engine") for r in rows)
    assert '"summary":"1 call(s)/SMS' in rows[0][6]


def test_queue_lists_open_warnings_by_grade(client: TestClient, login: Login,
                                           warnings: ActionLog) -> None:  # fmt: skip
    who = login("analyst")
    out = client.get(f"{C}/queues/warnings", headers=who).json()
    assert [w["grade"] for w in out] == ["high", "high", "medium", "low"]
    assert [w["decided_at"] for w in out[:2]] == sorted(w["decided_at"] for w in out[:2])
    assert all(w["state"] == "decided" and w["next"] == ["dispatched"] for w in out)
    assert out[0]["evidence"]["summary"].endswith("from flagged number(s)")
    high = client.get(f"{C}/queues/warnings", params={"grade": "high"}, headers=who).json()
    assert len(high) == 2
    assert client.get(f"{C}/queues/warnings", params={"state": "closed"},
                      headers=who).json() == []  # fmt: skip
    bad = client.get(f"{C}/queues/warnings", params={"grade": "urgent"}, headers=who)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "grade"]
    audited = con_of(client).execute(
        "select username, outcome from audit_log where action = 'read.warnings'").fetchall()
    assert audited == [("analyst", "ok")] * 3


@pytest.mark.client_clock  # steps at the simulated city's times
def test_a_warning_goes_from_dispatch_to_outcome(client: TestClient, login: Login,
                                                warnings: ActionLog) -> None:  # fmt: skip
    who = login("analyst")
    wid = warnings.actions[1].action_id
    url = f"{C}/queues/warnings/{wid}"
    at = T0 + dt.timedelta(hours=2)
    steps = [({"to": "dispatched", "note": "sent to the station"}, at),
             ({"to": "handed_off"}, at + dt.timedelta(minutes=20)),
             ({"to": "feedback", "note": "officer visited"}, at + dt.timedelta(hours=1)),
             ({"to": "closed", "outcome": "dissuaded"}, at + dt.timedelta(hours=2))]
    for body, when in steps:
        r = client.post(url, json=body, params={"now": when.isoformat()}, headers=who)
        assert r.status_code == 200, r.text
    out = r.json()
    assert (out["state"], out["outcome"], out["next"]) == ("closed", "dissuaded", [])
    assert [(e["seq"], e["state"], e["username"]) for e in out["events"]] == [
        (1, "decided", "engine"), (2, "dispatched", "analyst"), (3, "handed_off", "analyst"),
        (4, "feedback", "analyst"), (5, "closed", "analyst")]
    assert out["events"][1]["note"] == "sent to the station"
    assert [dt.datetime.fromisoformat(e["at"]) for e in out["events"][1:]] == [w for _, w in steps]
    assert client.get(url, headers=who).json() == out
    moved = con_of(client).execute(
        "select target, detail from audit_log where action = 'warning.move'").fetchall()
    assert [t for t, _ in moved] == [wid] * 4


@pytest.mark.client_clock  # steps at the simulated city's times
def test_lifecycle_refusals(client: TestClient, login: Login, warnings: ActionLog) -> None:
    who = login("supervisor")
    url = f"{C}/queues/warnings/{warnings.actions[0].action_id}"
    r = client.post(url, json={"to": "closed", "outcome": "dissuaded"}, headers=who)
    assert r.status_code == 409 and "cannot go from decided to closed" in r.json()["detail"]
    assert client.post(url, json={"to": "dispatched"}, headers=who).status_code == 200
    assert client.post(url, json={"to": "handed_off"}, headers=who).status_code == 200
    # Skipping feedback is for the unreachable only; closing needs an outcome.
    r = client.post(url, json={"to": "closed", "outcome": "dissuaded"}, headers=who)
    assert r.status_code == 409
    r = client.post(url, json={"to": "closed"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]
    r = client.post(url, json={"to": "closed", "outcome": "unreachable"}, headers=who)
    assert r.status_code == 200 and r.json()["outcome"] == "unreachable"
    # Time never runs backwards.
    other = f"{C}/queues/warnings/{warnings.actions[2].action_id}"
    r = client.post(other, json={"to": "dispatched"}, params={"now": "2026-03-01T00:00:00Z"},
                    headers=who)  # fmt: skip
    assert r.status_code == 409
    r = client.post(other, json={"to": "lost"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to"]
    r = client.post(other, json={"to": "closed", "outcome": "maybe"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]
    assert client.post(f"{C}/queues/warnings/W-none", json={"to": "dispatched"},
                       headers=who).status_code == 404  # fmt: skip
    assert client.get(f"{C}/queues/warnings/W-none", headers=who).status_code == 404
    steps = con_of(client).execute("select count(*) from warning_events").fetchall()[0][0]
    assert steps == 4 + 3  # the loaded decisions and the three allowed steps


def test_allowed_steps_follow_the_lifecycle() -> None:
    assert allowed_next("decided") == ["dispatched"]
    assert allowed_next("handed_off") == ["feedback", "closed"]
    assert allowed_next("closed") == []


def test_order_queue_shows_the_seconds_left(client: TestClient, login: Login) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    who = login("analyst")
    issued = client.post(f"{C}/orders", json={"report_id": "R2026030200001",
                                              "kind": "stop_payment"}, headers=who).json()
    assert len(issued) >= 2
    requested = dt.datetime.fromisoformat(issued[0]["requested_at"])
    with ctx.write_lock:
        for o in issued[:2]:
            update_order(ctx.store, o["order_id"], "acknowledged", requested)
            update_order(ctx.store, o["order_id"], "executed", requested)  # the 48 h start here
        update_order(ctx.store, issued[2]["order_id"], "acknowledged", requested)
    an_hour_on = (requested + dt.timedelta(hours=1)).isoformat()
    out = client.get(f"{C}/queues/orders", params={"now": an_hour_on}, headers=who).json()
    assert len(out) == len(issued)
    left = {o["order_id"]: o["seconds_left"] for o in out}
    assert left[issued[0]["order_id"]] == left[issued[1]["order_id"]] == 47 * 3600
    assert all(left[o["order_id"]] is None for o in issued[2:])  # not executed: no timer
    waits = {o["order_id"]: o["awaiting"] for o in out}
    assert waits[issued[2]["order_id"]] == "execution"
    done = client.get(f"{C}/queues/orders", params={"state": "executed"}, headers=who).json()
    assert {o["order_id"] for o in done} == {o["order_id"] for o in issued[:2]}
    mine = client.get(f"{C}/queues/orders", params={"inst": issued[0]["inst_id"]},
                      headers=who).json()  # fmt: skip
    assert mine and all(o["inst_id"] == issued[0]["inst_id"] for o in mine)
    bad = client.get(f"{C}/queues/orders", params={"state": "lost"}, headers=who)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "state"]
    # A `now` past the 48 h shows the timer run out, but expiry is stored on the server's clock
    # only (test_centre_order_clock.py): the stop is still executed for everyone.
    late = (requested + dt.timedelta(hours=50)).isoformat()
    out = client.get(f"{C}/queues/orders", params={"now": late}, headers=who).json()
    first = {o["order_id"]: o for o in out}[issued[0]["order_id"]]
    assert first["state"] == "executed" and first["seconds_left"] == 0


@pytest.mark.client_clock  # steps at the simulated city's times
def test_warning_refusals_are_plain_words_in_china_time(
    client: TestClient, login: Login, warnings: ActionLog
) -> None:
    who = login("analyst")
    url = f"{C}/queues/warnings/{warnings.actions[2].action_id}"  # decided 08:20 UTC
    r = client.post(url, json={"to": "dispatched"}, params={"now": "2000-01-01T00:00:00"},
                    headers=who)  # fmt: skip
    assert r.status_code == 409
    why = r.json()["detail"]
    assert "datetime" not in why and "ZoneInfo" not in why
    assert "2000-01-01 08:00 China time" in why and "decided at 2026-03-05 16:20 China time" in why
    # A missing outcome is invalid input on its field, and so is an outcome on another step.
    r = client.post(url, json={"to": "closed"}, headers=who)
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "outcome"] and "needs an outcome" in problem["msg"]
    r = client.post(url, json={"to": "dispatched", "outcome": "dissuaded"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]
    assert con_of(client).execute("select count(*) from warning_events").fetchall()[0][0] == 4


def test_the_queue_offers_every_outcome_the_lifecycle_knows() -> None:
    """The API's and the console's outcome lists are the lifecycle's, in its order."""
    from pathlib import Path
    from typing import get_args

    import fraudlink.web.console as console
    from fraudlink.warn.lifecycle import OUTCOMES
    from fraudlink.web.centre.warnings_queue import Outcome

    assert get_args(Outcome) == OUTCOMES
    js = (Path(console.__file__).parent / "static" / "queues.js").read_text("utf-8")
    assert all(f'"{o}"' in js.split("const OUTCOMES", 1)[1].split(";", 1)[0] for o in OUTCOMES)
