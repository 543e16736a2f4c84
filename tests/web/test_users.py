"""Users: roles, argon2 hashes, tokens that expire and can be revoked."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fraudlink.store import Store
from fraudlink.web.deps import TOKEN_CACHE_S
from fraudlink.web.users import (
    TOKEN_TTL,
    NoSuchUser,
    Principal,
    UserError,
    add_user,
    authenticate,
    deactivate_user,
    issue_token,
    list_users,
    principal_for_token,
    revoke_token,
)

PASSWORD = "correct horse battery"  # the web fixtures' password for every user


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "users.duckdb") as s:
        s.con.execute("insert into institutions (inst_id, name, kind) values ('B01', 'Bank', "
                      "'bank'), ('B02', 'Bank two', 'bank'), ('PAY', 'Pay', 'payment'), "
                      "('OP1', 'Operator', 'operator'), ('PL1', 'Platform', 'platform')")
        yield s


def test_password_is_stored_as_argon2_and_checked(store: Store) -> None:
    add_user(store.con, "ana", "analyst", "a long password")
    stored = store.con.execute("select password_hash from web_users").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    assert authenticate(store.con, "ana", "a long password") == Principal("ana", "analyst", None)
    with pytest.raises(UserError, match="wrong username or password"):
        authenticate(store.con, "ana", "a long passwore")
    with pytest.raises(UserError, match="wrong username or password"):
        authenticate(store.con, "nobody", "a long password")


@pytest.mark.parametrize(
    ("role", "inst", "password", "message"),
    [
        ("chief", None, "a long password", "role 'chief'"),
        ("bank", None, "a long password", "needs institution"),
        ("analyst", "B01", "a long password", "takes no institution"),
        ("bank", "B01", "short", "at least 10"),
        ("bank", "B99", "a long password", "institution 'B99' is not in the store"),
        ("bank", "OP1", "a long password", "acts for a bank or a payment firm, and OP1 is an op"),
        ("operator", "B01", "a long password", "acts for an operator, and B01 is a bank"),
        ("platform", "PAY", "a long password", "acts for a platform, and PAY is a payment firm"),
    ],
)
def test_bad_users_are_refused(
    store: Store, role: str, inst: str | None, password: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        add_user(store.con, "u1", role, password, inst)
    assert list_users(store.con) == []


def test_duplicate_and_bad_names_are_refused(store: Store) -> None:
    add_user(store.con, "bank.one", "bank", "a long password", "B01")
    with pytest.raises(UserError, match="exists already"):
        add_user(store.con, "bank.one", "bank", "a long password", "B02")
    with pytest.raises(UserError, match="letters, digits"):
        add_user(store.con, "x y", "bank", "a long password", "B02")
    assert list_users(store.con) == [("bank.one", "bank", "B01", True)]


def test_tokens_name_their_user_until_they_expire_or_are_revoked(store: Store) -> None:
    who = add_user(store.con, "b1", "bank", "a long password", "B01")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    token, expires = issue_token(store.con, who, t0)
    assert expires == t0 + TOKEN_TTL
    assert principal_for_token(store.con, token, t0 + timedelta(hours=1)) == who
    assert principal_for_token(store.con, token, expires) is None
    assert principal_for_token(store.con, token + "x", t0) is None
    stored = store.con.execute("select token_sha256 from web_tokens").fetchall()[0][0]
    assert token not in stored and len(stored) == 64
    revoke_token(store.con, token)
    assert principal_for_token(store.con, token, t0) is None


def test_a_member_user_acts_for_an_institution_of_its_kind(store: Store) -> None:
    add_user(store.con, "pay1", "bank", "a long password", "PAY")
    add_user(store.con, "op1", "operator", "a long password", "OP1")
    add_user(store.con, "pl1", "platform", "a long password", "PL1")
    assert [u[:3] for u in list_users(store.con)] == [
        ("op1", "operator", "OP1"), ("pay1", "bank", "PAY"), ("pl1", "platform", "PL1")]


def test_a_deactivated_user_loses_its_tokens_and_cannot_log_in(store: Store) -> None:
    who = add_user(store.con, "b1", "bank", "a long password", "B01")
    other = add_user(store.con, "b2", "bank", "a long password", "B02")
    token, _ = issue_token(store.con, who)
    kept, _ = issue_token(store.con, other)
    assert deactivate_user(store.con, "b1") == who
    assert principal_for_token(store.con, token) is None
    assert principal_for_token(store.con, kept) == other
    assert store.con.execute("select username from web_tokens").fetchall() == [("b2",)]
    with pytest.raises(UserError, match="wrong username or password"):
        authenticate(store.con, "b1", "a long password")
    assert ("b1", "bank", "B01", False) in list_users(store.con)
    with pytest.raises(UserError, match="inactive already"):
        deactivate_user(store.con, "b1")
    with pytest.raises(NoSuchUser, match="no user 'nobody'"):
        deactivate_user(store.con, "nobody")


# -- deactivation through the running server ---------------------------------------------------


def _expire_token_cache(client: TestClient) -> None:
    """What TOKEN_CACHE_S seconds do to the server's remembered tokens."""
    cache = client.app.state.token_cache  # type: ignore[attr-defined]
    cache._seen = {t: (who, 0.0) for t, (who, _) in cache._seen.items()}


def test_a_supervisor_deactivates_a_user_refused_within_the_cache_time(
    client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    bank = login("bank_a")
    assert client.get("/api/v1/me", headers=bank).status_code == 200
    cache = client.app.state.token_cache  # type: ignore[attr-defined]
    assert all(t - time.monotonic() <= TOKEN_CACHE_S for _, t in cache._seen.values())
    r = client.post("/api/v1/centre/users/bank_a/deactivate", headers=login("supervisor"))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["refused_within_s"] == TOKEN_CACHE_S
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select count(*) from web_tokens where username = 'bank_a'"
                       ).fetchall()[0][0] == 0  # fmt: skip
    _expire_token_cache(client)
    assert client.get("/api/v1/me", headers=bank).status_code == 401
    assert client.get("/api/v1/lookup", params={"q": "13800138000"},
                      headers=bank).status_code == 401  # fmt: skip
    assert client.post("/api/v1/token", json={"username": "bank_a", "password": PASSWORD}
                       ).status_code == 401  # fmt: skip
    assert con.execute("select username, outcome from audit_log where action = 'user.deactivate' "
                       "and target = 'bank_a'").fetchall() == [("supervisor", "ok")]  # fmt: skip


def test_deactivation_refusals(client: TestClient,
                               login: Callable[[str], dict[str, str]]) -> None:  # fmt: skip
    url = "/api/v1/centre/users/{}/deactivate"
    sup = login("supervisor")
    assert client.post(url.format("bank_b"), headers=login("analyst")).status_code == 403
    assert client.post(url.format("bank_b"), headers=login("bank_a")).status_code == 403
    assert client.post(url.format("supervisor"), headers=sup).status_code == 409
    assert client.post(url.format("nobody"), headers=sup).status_code == 404
    assert client.post(url.format("bank_b"), headers=sup).status_code == 200
    r = client.post(url.format("bank_b"), headers=sup)
    assert r.status_code == 409 and "inactive already" in r.json()["detail"]
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select target, outcome from audit_log where action = 'user.deactivate' "
                       "order by seq").fetchall() == [("supervisor", "refused"),
        ("nobody", "refused"), ("bank_b", "ok"), ("bank_b", "refused")]  # fmt: skip
    assert con.execute("select count(*) from audit_log where outcome = 'denied' and "
                       "target like '%/deactivate'").fetchall()[0][0] == 2  # fmt: skip
