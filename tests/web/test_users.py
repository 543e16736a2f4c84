"""Users: roles, argon2 hashes, tokens that expire and can be revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fraudlink.store import Store
from fraudlink.web.users import (
    TOKEN_TTL,
    Principal,
    UserError,
    add_user,
    authenticate,
    issue_token,
    list_users,
    principal_for_token,
    revoke_token,
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "users.duckdb") as s:
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
