"""`fraudlink users`: roles that fit their institution, deactivation, and a store a server holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.store import Store

PASSWORD = "a long password"


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.con.execute("insert into institutions (inst_id, name, kind) values "
                      "('B01', 'Bank', 'bank'), ('CMCC', 'Operator', 'operator')")  # fmt: skip
    return db


def test_users_add_refuses_a_role_of_another_kind_of_institution(tmp_path: Path) -> None:
    db = _store(tmp_path)
    code, out = _run("users", "add", "--db", str(db), "--username", "bad4", "--role", "bank",
                     "--inst", "CMCC", "--password", PASSWORD)  # fmt: skip
    assert code == 1
    assert "a bank user acts for a bank or a payment firm, and CMCC is an operator" in out
    code, out = _run("users", "add", "--db", str(db), "--username", "op", "--role", "operator",
                     "--inst", "B01", "--password", PASSWORD)  # fmt: skip
    assert code == 1 and "acts for an operator, and B01 is a bank" in out
    code, out = _run("users", "list", "--db", str(db))
    assert "bad4" not in out and "op " not in out


def test_users_deactivate(tmp_path: Path) -> None:
    db = _store(tmp_path)
    _run("users", "add", "--db", str(db), "--username", "b1", "--role", "bank", "--inst", "B01",
         "--password", PASSWORD)  # fmt: skip
    code, out = _run("users", "deactivate", "b1", "--db", str(db))
    assert code == 0 and "deactivated b1 (bank, B01)" in out, out
    code, out = _run("users", "list", "--db", str(db))
    assert [line.split() for line in out.splitlines() if line.startswith("b1")] == [
        ["b1", "bank", "B01", "no"]]
    code, out = _run("users", "deactivate", "b1", "--db", str(db))
    assert code == 1 and "inactive already" in out
    code, out = _run("users", "deactivate", "nobody", "--db", str(db))
    assert code == 1 and "no user 'nobody'" in out


def test_a_store_held_by_a_server_is_refused_with_what_to_do(tmp_path: Path) -> None:
    db = _store(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, out = _run("users", "deactivate", "b1", "--db", str(db))
    finally:
        holder.communicate("", timeout=30)  # end of its stdin: it closes the store and exits
    assert code == 1
    assert "is `fraudlink serve` running" in out
    assert "POST /api/v1/centre/users/USERNAME/deactivate" in out
