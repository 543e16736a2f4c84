"""`fraudlink orders overdue`: the live orders an institution has not acted on by its deadline,
most overdue first, in China time, with the kinds named once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.store import Store
from fraudlink.trace.order_rules import FREEZE, STOP, STOP_BASIS, Order
from fraudlink.trace.order_store import save_orders, update_order

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)  # 20:00 China time
M = dt.timedelta(minutes=1)


def _order(oid: str, kind: str, inst: str, at: dt.datetime, amount: int = 50_000) -> Order:
    return Order(oid, kind, f"62220{oid[-1]}", inst, f"{inst} 总行", "张三", amount, ("R1",),
                 STOP_BASIS, {}, {}, at, 1.0)  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Orders at 12:00 UTC: a stop never acknowledged, a stop acknowledged at 12:20, a freeze to
    another bank, a stop executed in time, and a stop rejected."""
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        save_orders(s, [_order("SP-1", STOP, "ICBC", T0), _order("SP-2", STOP, "ICBC", T0),
                        _order("FZ-3", FREEZE, "CMB", T0), _order("SP-4", STOP, "ICBC", T0),
                        _order("SP-5", STOP, "ICBC", T0)])  # fmt: skip
        update_order(s, "SP-2", "acknowledged", T0 + 20 * M)
        for oid in ("SP-4", "SP-5"):
            update_order(s, oid, "acknowledged", T0 + 5 * M)
        update_order(s, "SP-4", "executed", T0 + 10 * M, 50_000)
        update_order(s, "SP-5", "rejected", T0 + 10 * M, note="name does not match")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_overdue_orders_worst_first_in_china_time(db: Path) -> None:
    # 15:00 UTC, 23:00 China time: SP-1 was due 20:30, FZ-3 22:00, SP-2 (acked 20:20) 22:00.
    code, out = run("orders", "overdue", "--db", str(db), "--now", "2026-03-01T23:00:00+08:00")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "3 overdue order(s) at 2026-03-01 23:00 (UTC+8), most overdue first"
    head = lines[1].split()
    assert head[:7] == ["order_id", "kind", "inst", "addressee", "account", "yuan", "awaiting"]
    assert "overdue" in head and "(UTC+8)" in lines[1]
    rows = [line.split() for line in lines[3:6]]
    assert [r[0] for r in rows] == ["SP-1", "FZ-3", "SP-2"]  # the last two equally late
    sp1, fz3, sp2 = (" ".join(r) for r in rows)
    assert "acknowledgement 2026-03-01 20:00 2026-03-01 20:30 2 h 30 min" in sp1
    # Acknowledged at 20:20, it waits for execution since then; due 2 h from the request.
    assert "execution 2026-03-01 20:20 2026-03-01 22:00 1 h" in sp2
    assert "CMB" in fz3 and "acknowledgement 2026-03-01 20:00 2026-03-01 22:00 1 h" in fz3
    assert "SP-4" not in out and "SP-5" not in out  # executed in time; rejected
    assert "500.00" in out and "50,000" not in out  # yuan, not fen
    assert "+00:00" not in out


def test_the_kinds_and_their_deadlines_are_named_once(db: Path) -> None:
    code, out = run("orders", "overdue", "--db", str(db), "--now", "2026-03-01T15:00Z")
    assert code == 0, out
    assert out.count("止付") == out.count("冻结") == 1
    legend = out.splitlines()[-1]
    assert legend.startswith(
        "kinds: stop_payment = stop-payment (止付), acknowledged within "
        "30 min and executed within 2 h of the request; freeze = "
    )
    assert "freeze (冻结), acknowledged within 2 h and executed within 24 h" in legend


def test_filters_json_and_nothing_overdue(db: Path) -> None:
    at = "--now", "2026-03-01T15:00Z"
    code, out = run("orders", "overdue", "--db", str(db), "--json", *at)
    assert code == 0, out
    got = json.loads(out)
    assert [o["order_id"] for o in got] == ["SP-1", "FZ-3", "SP-2"]
    assert got[0] == {
        "order_id": "SP-1", "kind": "stop_payment", "account": "622201", "inst_id": "ICBC",
        "addressee": "ICBC 总行", "amount_fen": 50_000, "state": "requested",
        "awaiting": "acknowledgement", "waiting_since": "2026-03-01T12:00:00+00:00",
        "due_at": "2026-03-01T12:30:00+00:00", "overdue_seconds": 9_000, "overdue_minutes": 150,
    }  # fmt: skip
    code, out = run("orders", "overdue", "--db", str(db), "--inst", "CMB", "--json", *at)
    assert [o["order_id"] for o in json.loads(out)] == ["FZ-3"]
    code, out = run("orders", "overdue", "--db", str(db), "--kind", "freeze", "--json", *at)
    assert [o["order_id"] for o in json.loads(out)] == ["FZ-3"]
    # At 12:30 UTC the first stop is due, not late: nothing to chase yet.
    code, out = run("orders", "overdue", "--db", str(db), "--now", "2026-03-01T12:30Z")
    assert code == 0 and out.strip() == "no overdue orders at 2026-03-01 20:30 (UTC+8)"
    code, out = run("orders", "overdue", "--db", str(db), "--kind", "lost")
    assert code == 2 and "--kind" in out


def test_days_overdue_are_counted_in_days(db: Path) -> None:
    code, out = run("orders", "overdue", "--db", str(db), "--now", "2026-03-04T15:00Z")
    assert code == 0, out
    row = next(line for line in out.splitlines() if line.startswith("SP-1"))
    assert row.endswith(" 3 d 2 h")  # 74 h 30 min: past two days, the minutes are dropped
