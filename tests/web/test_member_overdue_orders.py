"""A member's own overdue orders: `GET /api/v1/orders?overdue=true` lists only the orders its
institution is late on, most overdue first, and never another institution's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from test_centre_overdue_orders import seeded

Login = Callable[[str], dict[str, str]]


def test_a_member_lists_only_the_orders_it_is_late_on_worst_first(
    client: TestClient, login: Login, web_world: Any
) -> None:
    now = dt.datetime.now(dt.UTC)  # the member API runs on the wall clock
    ids = seeded(client.app.state.ctx, web_world, now)  # type: ignore[attr-defined]
    late = client.get("/api/v1/orders", params={"overdue": "true"}, headers=login("bank_a"))
    assert late.status_code == 200, late.text
    # Never acknowledged (2 h 30 min late) before acknowledged and never executed (1 h late);
    # the stop executed in time is not listed.
    assert [o["order_id"] for o in late.json()] == [ids["late_ack"], ids["late_exec"]]
    assert all(o["overdue_seconds"] > 0 for o in late.json())
    # The other bank's freeze is on time: its own overdue list is empty, and it sees none of A's.
    assert client.get("/api/v1/orders", params={"overdue": "true"},
                      headers=login("bank_b")).json() == []  # fmt: skip
    everything = client.get("/api/v1/orders", headers=login("bank_a")).json()
    assert len(everything) == 3
