"""`fraudlink orders`: propose from a trace, list, update; every subcommand option documented."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import types
from pathlib import Path

import click
import pyarrow as pa
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.store import Store
from fraudlink.trace.schemas import POSITIONS

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        s.con.execute(
            "insert into institutions values ('ICBC', '中国工商银行', 'bank', null, null)"
        )
        for acc, name in [("A1", "张三"), ("A2", "李四")]:
            s.con.execute(
                "insert into bank_accounts (account, inst_id, account_class, holder_kind, "
                "owner_idno, owner_name, opened_at) values (?, 'ICBC', 2, 'personal', 'X', ?, ?)",
                [acc, name, T0 - dt.timedelta(days=9)],
            )
        for report in ("R1", "R2"):
            s.con.execute(
                "insert into victim_reports (report_id, reported_at, victim_idno, district, "
                "fraud_type, contact_channel, narrative, claimed_loss_fen) "
                "values (?, ?, 'X', '450102', 'investment', 'phone', '', 60000)",
                [report, T0 - dt.timedelta(hours=1)],
            )
    return path


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """A stand-in tracing engine: the real one is built separately."""
    calls: list[dict[str, object]] = []
    rows = [
        {"report_id": r, "account": a, "amount_fen": f, "method": "fifo", "hops": 1,
         "last_in_at": T0, "as_of": T0}
        for r, a, f in [("R1", "A1", 50_000), ("R2", "A2", 9_000), ("R2", "A1", 1_000)]
    ]  # fmt: skip

    def trace_all(store: Store, as_of: object = None, method: str = "fifo") -> object:
        calls.append({"as_of": as_of, "method": method})
        positions = pa.Table.from_pylist(rows, schema=POSITIONS)
        return types.SimpleNamespace(positions=positions, received=None)

    module = types.ModuleType("fraudlink.trace.engine")
    module.trace_all = trace_all  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fraudlink.trace.engine", module)
    return calls


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_propose_list_update(db: Path, fake_engine: list[dict[str, object]]) -> None:
    code, out = run("orders", "propose", "--db", str(db), "--now", "2026-03-01T12:30:00Z", "--json")
    assert code == 0, out
    proposed = json.loads(out)
    assert [(o["account"], o["amount_fen"]) for o in proposed] == [("A1", 51_000), ("A2", 9_000)]
    assert fake_engine == [{"as_of": T0 + dt.timedelta(minutes=30), "method": "fifo"}]
    oid = proposed[0]["order_id"]

    code, out = run("orders", "list", "--db", str(db), "--now", "2026-03-01T13:00:00+00:00")
    assert code == 0, out
    assert "2026-03-01 20:30" in out  # China time
    assert oid in out

    at = "--now", "2026-03-01T13:00:00Z"
    assert run("orders", "update", oid, "--db", str(db), "--to", "acknowledged", *at)[0] == 0
    code, out = run(
        "orders", "update", oid, "--db", str(db), "--to", "executed", "--amount-fen", "40000",
        "--note", "matched", "--json", *at,
    )  # fmt: skip
    assert code == 0, out
    history = json.loads(out)
    assert history["order"]["held_fen"] == 40_000
    assert [e["state"] for e in history["events"]] == ["requested", "acknowledged", "executed"]

    code, out = run("orders", "list", "--db", str(db), "--state", "executed", "--json", *at)
    assert [o["order_id"] for o in json.loads(out)] == [oid]
    code, out = run("orders", "list", "--db", str(db), "--inst", "CMB", *at)
    assert out.strip() == "no orders"

    # Past 48 h the stop expires on its own; a second propose skips live accounts only.
    later = "--now", "2026-03-04T13:00:00Z"
    code, out = run("orders", "list", "--db", str(db), "--state", "expired", "--json", *later)
    assert [o["order_id"] for o in json.loads(out)] == [oid]


def test_propose_one_report_only(db: Path, fake_engine: list[dict[str, object]]) -> None:
    code, out = run(
        "orders", "propose", "--db", str(db), "--report", "R2", "--json",
        "--now", "2026-03-01T12:30:00Z",
    )  # fmt: skip
    assert code == 0, out
    assert [(o["account"], o["amount_fen"]) for o in json.loads(out)] == [
        ("A2", 9_000), ("A1", 1_000)
    ]  # fmt: skip


def test_forbidden_update_is_a_clear_error(db: Path, fake_engine: list[dict[str, object]]) -> None:
    code, out = run("orders", "propose", "--db", str(db), "--json", "--now", "2026-03-01T12:30Z")
    oid = json.loads(out)[0]["order_id"]
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "executed")
    assert code == 1
    assert "cannot go from requested to executed" in out
    code, out = run("orders", "update", "NOPE", "--db", str(db), "--to", "acknowledged")
    assert code == 1
    assert "no order NOPE" in out


def test_propose_without_the_engine_says_why(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fraudlink.trace.engine", None)
    code, out = run("orders", "propose", "--db", str(db))
    assert code == 1
    assert "needs the tracing engine" in out


def test_propose_refuses_an_unknown_report(db: Path, fake_engine: list[dict[str, object]]) -> None:
    code, out = run("orders", "propose", "--db", str(db), "--report", "R9999",
                    "--now", "2026-03-01T12:30:00Z")  # fmt: skip
    assert code == 1 and "no report R9999" in out
    code, out = run("orders", "propose", "--db", str(db), "--report", "R1", "--report", "R8",
                    "--report", "R9", "--now", "2026-03-01T12:30:00Z")  # fmt: skip
    assert code == 1 and "no reports R8, R9" in out
    assert fake_engine == []  # nothing was traced
    assert run("orders", "list", "--db", str(db), "--json")[1].strip() == "[]"


def _proposed(db: Path) -> str:
    code, out = run("orders", "propose", "--db", str(db), "--json", "--now", "2026-03-01T12:30Z")
    assert code == 0, out
    return str(json.loads(out)[0]["order_id"])


def test_history_in_yuan_and_refusals_in_china_time(
    db: Path, fake_engine: list[dict[str, object]]
) -> None:
    oid = _proposed(db)
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "acknowledged",
                    "--now", "2026-03-01T21:00:00+08:00")  # fmt: skip
    assert code == 0, out
    head = out.splitlines()[1].split()
    assert "yuan" in head and "fen" not in head
    assert "510.00" in out and "51,000" not in out  # 51,000 fen asked
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "rejected",
                    "--now", "2026-03-01T16:00:00+08:00")  # fmt: skip
    assert code == 1
    assert "2026-03-01 16:00 (UTC+8) is before the request (2026-03-01 20:30 (UTC+8))" in out
    assert "+00:00" not in out
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "executed",
                    "--amount-fen", "40000", "--now", "2026-03-02T09:00:00+08:00")  # fmt: skip
    assert code == 0 and "400.00" in out
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "expired",
                    "--now", "2026-03-03T21:00:00+08:00")  # fmt: skip
    assert code == 1 and "the timer runs until 2026-03-04 09:00 (UTC+8)" in out


def test_an_amount_goes_only_with_executed(db: Path, fake_engine: list[dict[str, object]]) -> None:
    oid = _proposed(db)
    for to in ("acknowledged", "rejected", "renewed"):
        code, out = run("orders", "update", oid, "--db", str(db), "--to", to,
                        "--amount-fen", "5", "--now", "2026-03-01T13:00Z")  # fmt: skip
        assert code == 2 and "--amount-fen goes only with --to executed" in out
    code, out = run("orders", "list", "--db", str(db), "--json", "--now", "2026-03-01T13:00Z")
    assert [o["state"] for o in json.loads(out) if o["order_id"] == oid] == ["requested"]


def _events(out: str) -> dict[str, str]:
    """The lines of a printed history, by event."""
    return {line.split()[3]: line for line in out.splitlines()[3:] if len(line.split()) > 3}


def test_a_rejected_stop_shows_no_timer(db: Path, fake_engine: list[dict[str, object]]) -> None:
    oid = _proposed(db)
    at = "--now", "2026-03-01T13:00Z"
    assert run("orders", "update", oid, "--db", str(db), "--to", "acknowledged", *at)[0] == 0
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "rejected", *at)
    assert code == 0, out
    rows = _events(out)
    assert "2026-03-03" not in rows["acknowledge"]  # acknowledged: no timer ran
    assert "2026-03-03" not in rows["reject"]
    code, out = run("orders", "list", "--db", str(db), "--state", "rejected", *at)
    assert oid in out and "2026-03-03" not in out
    code, out = run("orders", "list", "--db", str(db), "--state", "rejected", "--json", *at)
    assert json.loads(out)[0]["expires_at"] is None


def test_the_48_hours_run_from_execution_not_acknowledgement(
    db: Path, fake_engine: list[dict[str, object]]
) -> None:
    oid = _proposed(db)
    acked = "--now", "2026-03-01T13:00Z"  # 21:00 China time
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "acknowledged", *acked)
    assert code == 0, out
    assert out.splitlines()[0] == (f"{oid}, stop-payment (止付): acknowledged, awaiting "
                                   "execution (its 48 h start then)")  # fmt: skip
    code, out = run("orders", "list", "--db", str(db), *acked)
    row = next(line for line in out.splitlines() if oid in line)
    assert "awaiting execution" in row and "2026-03-03" not in row
    # The centre cannot renew a stop the bank has not executed: no timer runs to extend.
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "renewed", *acked)
    assert code == 1 and "cannot go from acknowledged to renewed" in out
    assert "its 48 h run from execution" in out
    # A day later than 48 h from the acknowledgement, the stop is still live, then executed.
    executed = "--now", "2026-03-04T01:00Z"  # 09:00 China time
    code, out = run("orders", "list", "--db", str(db), "--state", "acknowledged", "--json",
                    *executed)  # fmt: skip
    assert [o["order_id"] for o in json.loads(out)] == [oid]
    code, out = run("orders", "update", oid, "--db", str(db), "--to", "executed", *executed)
    assert code == 0, out
    assert "2026-03-06 09:00" in _events(out)["execute"]  # 48 h after execution, China time
    code, out = run("orders", "list", "--db", str(db), "--json", *executed)
    got = {o["order_id"]: o for o in json.loads(out)}[oid]
    assert (got["takes_effect_at"], got["expires_at"]) == (
        "2026-03-04T01:00:00+00:00", "2026-03-06T01:00:00+00:00")  # fmt: skip
    code, out = run("orders", "list", "--db", str(db), "--state", "expired", "--json",
                    "--now", "2026-03-06T00:59Z")  # fmt: skip
    assert json.loads(out) == []
    code, out = run("orders", "list", "--db", str(db), "--state", "expired", "--json",
                    "--now", "2026-03-06T01:00Z")  # fmt: skip
    assert [o["order_id"] for o in json.loads(out)] == [oid]


def test_text_output_gives_the_chinese_terms_once(
    db: Path, fake_engine: list[dict[str, object]]
) -> None:
    code, out = run("orders", "propose", "--db", str(db), "--now", "2026-03-01T12:30Z")
    assert code == 0, out
    assert out.count("stop-payment (止付)") == out.count("freeze (冻结)") == 1
    assert out.count("止付") == out.count("冻结") == 1
    code, out = run("orders", "list", "--db", str(db), "--now", "2026-03-01T12:30Z")
    assert out.count("stop-payment (止付)") == out.count("freeze (冻结)") == 1
    assert out.splitlines()[-1].startswith("kinds: stop_payment = stop-payment (止付)")


def test_every_subcommand_option_is_documented() -> None:
    """The shared doc test reads top-level commands only; the group's rows are checked here."""
    text = DOC.read_text("utf-8")
    section = text.split("## `fraudlink orders`", 1)[1].split("\n## ", 1)[0]
    group = cli.commands["orders"]
    assert isinstance(group, click.Group)
    documented = set(re.findall(r"^\| `(\w+)` \| `(--[a-z-]+)", section, flags=re.M))
    want = set()
    for name, command in group.commands.items():
        assert f"### `fraudlink orders {name}" in section
        want |= {(name, o) for p in command.params if isinstance(p, click.Option) for o in p.opts}
    assert documented == want
