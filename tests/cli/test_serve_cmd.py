"""`fraudlink users`, `fraudlink audit verify` and `fraudlink serve` from the command line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.store import Store


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args), input=input)
    return r.exit_code, r.output


def _store_with_bank(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.con.execute(
            "insert into institutions (inst_id, name, kind) values ('B01', 'Bank', 'bank')"
        )
    return db


def test_users_add_asks_for_the_password_and_lists(tmp_path: Path) -> None:
    db = _store_with_bank(tmp_path)
    code, out = _run("users", "add", "--db", str(db), "--username", "chief", "--role",
                     "supervisor", input="a long password\na long password\n")  # fmt: skip
    assert code == 0, out
    code, out = _run("users", "add", "--db", str(db), "--username", "b1", "--role", "bank",
                     "--inst", "B01", "--password", "a long password")  # fmt: skip
    assert code == 0, out
    code, out = _run("users", "list", "--db", str(db))
    assert "chief" in out and "supervisor" in out and "B01" in out


def test_users_add_refuses_an_unknown_institution_and_a_short_password(tmp_path: Path) -> None:
    db = _store_with_bank(tmp_path)
    code, out = _run("users", "add", "--db", str(db), "--username", "b1", "--role", "bank",
                     "--inst", "B99", "--password", "a long password")  # fmt: skip
    assert code == 1 and "institution 'B99' is not in the store" in out
    code, out = _run("users", "add", "--db", str(db), "--username", "b1", "--role", "bank",
                     "--inst", "B01", "--password", "short")  # fmt: skip
    assert code == 1 and "at least 10 characters" in out


def test_audit_verify_passes_then_names_the_edited_entry(tmp_path: Path) -> None:
    from fraudlink.web.audit import AuditLog
    from fraudlink.web.users import Principal

    db = tmp_path / "a.duckdb"
    with Store(db) as s:
        log = AuditLog(s.con)
        for i in range(3):
            log.append(Principal("ana", "analyst", None), "read.case", f"R{i}")
    code, out = _run("audit", "verify", "--db", str(db))
    assert code == 0 and "3 entries" in out
    with Store(db) as s:
        s.con.execute("update audit_log set target = 'R9' where seq = 2")
    code, out = _run("audit", "verify", "--db", str(db))
    assert code == 1 and "broken at entry 2 of 3" in out


def test_serve_refuses_a_store_without_users(tmp_path: Path) -> None:
    db = _store_with_bank(tmp_path)
    code, out = _run("serve", "--db", str(db))
    assert code == 1 and "no users yet" in out


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, port: str) -> None:
    db = _store_with_bank(tmp_path)
    code, out = _run("serve", "--db", str(db), "--port", port)
    assert code == 2 and f"'--port': {port} is not in the range 1<=x<=65535" in out


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    db = _store_with_bank(tmp_path)
    _run("users", "add", "--db", str(db), "--username", "chief", "--role", "supervisor",
         "--password", "a long password")  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("fraudlink"))
    cmd = [exe, "serve", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                r = httpx.get(f"{url}/api/v1/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 401
        creds = {"username": "chief", "password": "a long password"}
        tok = httpx.post(f"{url}/api/v1/token", json=creds).json()
        auth = {"Authorization": f"Bearer {tok['access_token']}"}
        me = httpx.get(f"{url}/api/v1/me", headers=auth).json()
        assert me == {"username": "chief", "role": "supervisor", "inst_id": None}
    finally:
        proc.terminate()
        proc.wait(10)


def test_warnings_load_queues_an_engine_runs_warnings_once(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import pyarrow.parquet as pq

    from fraudlink.model.actions import STOP_PAYMENT, WARNING, Action, ActionLog

    t = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    log = ActionLog()
    log.extend([
        Action(WARNING, t, "P1", "person", "96110", "long call from a flagged number", "{}",
               grade="medium", channel="call_96110", msisdn="13800000001"),
        Action(WARNING, t, "P2", "person", "police", "paid a flagged account", "{}",
               grade="high", channel="visit", msisdn="13800000002"),
        Action(STOP_PAYMENT, t, "6222000000000001", "account", "B01", "trace", "{}",
               amount_fen=100),
    ])  # fmt: skip
    actions = tmp_path / "actions-full.parquet"
    pq.write_table(log.table(), actions)
    db = tmp_path / "q.duckdb"
    Store(db).close()
    code, out = _run("warnings", "load", "--db", str(db), "--actions", str(actions))
    assert code == 0 and "queued 2 new warnings" in out, out
    code, out = _run("warnings", "load", "--db", str(db), "--actions", str(actions))
    assert code == 0 and "queued 0 new warnings" in out and "(2 in the queue)" in out
    with Store(db) as s:
        rows = s.con.execute(
            "select person_id, grade, channel, state from warning_queue order by person_id"
        ).fetchall()
    assert rows == [("P1", "medium", "call_96110", "decided"), ("P2", "high", "visit", "decided")]
    bad = tmp_path / "bad.parquet"
    pq.write_table(log.table().drop_columns(["grade"]), bad)
    code, out = _run("warnings", "load", "--db", str(db), "--actions", str(bad))
    assert code == 1 and "not an engine action log (no column grade)" in out


@pytest.mark.parametrize(("flag", "trusted"), [([], False), (["--client-clock"], True)])
def test_serve_passes_client_clock_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              flag: list[str], trusted: bool) -> None:  # fmt: skip
    """The app `serve` runs stamps the centre's actions with the server's clock unless told to
    take a client's `now` (replaying a simulated city), and says which on start."""
    import uvicorn

    db = _store_with_bank(tmp_path)
    _run("users", "add", "--db", str(db), "--username", "chief", "--role", "supervisor",
         "--password", "a long password")  # fmt: skip
    served: list[bool] = []

    def run(app: Any, **_: Any) -> None:  # instead of listening: look at the app, and close it
        served.append(app.state.ctx.client_clock)
        app.state.ctx.close()

    monkeypatch.setattr(uvicorn, "run", run)
    code, out = _run("serve", "--db", str(db), *flag)
    assert code == 0, out
    assert served == [trusted]
    assert ("a client's `now`" if trusted else "the server's clock") in out


def test_serve_help_says_what_client_clock_is_for() -> None:
    code, out = _run("serve", "--help")
    assert code == 0 and "--client-clock" in out and "replaying a simulated city" in out
