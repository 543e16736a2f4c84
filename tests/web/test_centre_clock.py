"""The default analysis time: the latest time a feed carries, never a stamp the API puts on a
record when it arrives (the simulated city lives in the past; the wall clock does not)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from fraudlink.web.centre.clock import latest_event

Login = Callable[[str], dict[str, str]]


def as_of(client: TestClient, login: Login) -> dt.datetime:
    """The dashboard's default analysis time."""
    r = client.get("/api/v1/centre/dashboard", headers=login("analyst"))
    assert r.status_code == 200, r.text
    return dt.datetime.fromisoformat(r.json()["as_of"])


def test_posted_suspect_leaves_the_clock_fed_event_moves_it(client: TestClient,
                                                            login: Login) -> None:  # fmt: skip
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    end = latest_event(con)
    assert end < dt.datetime.now(dt.UTC) - dt.timedelta(days=1)  # the tiny world is in the past
    assert as_of(client, login) == end
    day_points = len(client.get("/api/v1/centre/dashboard",
                                headers=login("analyst")).json()["trends"]["day"])  # fmt: skip

    bank = login("bank_a")
    suspect = {"kind": "phone", "value": "13800138000", "confidence": 0.9, "reason": "r"}
    r = client.post("/api/v1/suspects", json=suspect, headers=bank)
    assert r.status_code == 200, r.text
    stamped = con.execute("select flagged_at from member_flags where flag_id = ?",
                          [r.json()["flag_id"]]).fetchall()[0][0]  # fmt: skip
    assert stamped > end  # stored, with the wall clock
    assert latest_event(con) == end and as_of(client, login) == end
    out = client.get("/api/v1/centre/dashboard", headers=login("analyst")).json()
    assert len(out["trends"]["day"]) == day_points

    # A flag the member's feed carries is an event: its own time counts.
    flag_at = end + dt.timedelta(minutes=5)
    flag = {**suspect, "flagged_at": flag_at.isoformat(), "value": "13800138001"}
    r = client.post("/api/v1/feeds/member_flags", json={"rows": [flag]}, headers=bank)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    assert as_of(client, login) == flag_at

    account = con.execute("select min(account) from bank_accounts").fetchall()[0][0]
    paid_at = end + dt.timedelta(hours=1)
    txn = {"txn_id": 9_100_001, "time": paid_at.isoformat(), "from_account": account,
           "to_account": None, "amount_fen": 50_000, "channel": "atm_cash_out"}  # fmt: skip
    r = client.post("/api/v1/feeds/transactions", json={"rows": [txn]}, headers=bank)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    assert latest_event(con) == paid_at and as_of(client, login) == paid_at
