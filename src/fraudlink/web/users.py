"""Users of the console and the member API: roles, argon2 password hashes, bearer tokens.

Centre staff (analyst, supervisor) see the whole city; members (bank, operator, platform) act for
one institution and see only what concerns it, so a member's institution must be of its role's
kind. A token is 32 random bytes shown once; the store keeps only its SHA-256, so a copy of the
store does not let anyone in. A deactivated user keeps its row (the audit log names it) but loses
its tokens and cannot log in again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ANALYST, SUPERVISOR = "analyst", "supervisor"
BANK, OPERATOR, PLATFORM = "bank", "operator", "platform"
CENTRE_ROLES = (ANALYST, SUPERVISOR)
MEMBER_ROLES = (BANK, OPERATOR, PLATFORM)
ROLES = (*CENTRE_ROLES, *MEMBER_ROLES)
# The institution kinds (model.enums.INSTITUTION_KINDS) a member role may act for: a bank user
# sees account orders and pushes ledgers, which an operator does not have, and so on.
INSTITUTION_KINDS_OF: dict[str, tuple[str, ...]] = {
    BANK: ("bank", "payment"), OPERATOR: ("operator",), PLATFORM: ("platform",)}  # fmt: skip
_A_KIND = {"bank": "a bank", "payment": "a payment firm", "operator": "an operator",
           "platform": "a platform"}  # fmt: skip
TOKEN_TTL = timedelta(hours=12)
MIN_PASSWORD = 10

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user that cannot be added, or credentials that do not hold."""


class NoSuchUser(UserError):
    """A username the store does not hold."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user with a role and, for a member, its institution."""

    username: str
    role: str
    inst_id: str | None

    @property
    def is_centre(self) -> bool:
        """Centre staff: an analyst or a supervisor."""
        return self.role in CENTRE_ROLES


def add_user(
    con: duckdb.DuckDBPyConnection, username: str, role: str, password: str,
    inst_id: str | None = None,
) -> Principal:  # fmt: skip
    """Create a user; a member role needs the institution it acts for, a centre role none."""
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise UserError(f"username {username!r}: letters, digits, '.', '_' and '-' only")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password for {username}: at least {MIN_PASSWORD} characters")
    if (role in MEMBER_ROLES) != bool(inst_id):
        needs = "needs" if role in MEMBER_ROLES else "takes no"
        raise UserError(f"{username}: a {role} user {needs} institution (--inst)")
    if inst_id:
        _check_institution(con, username, role, inst_id)
    if con.execute("select 1 from web_users where username = ?", [username]).fetchall():
        raise UserError(f"user {username!r} exists already")
    con.execute(
        "insert into web_users values (?, ?, ?, ?, ?, true)",
        [username, role, inst_id, _hasher.hash(password), datetime.now(UTC)],
    )
    return Principal(username, role, inst_id)


def _check_institution(con: duckdb.DuckDBPyConnection, username: str, role: str,
                       inst_id: str) -> None:  # fmt: skip
    rows = con.execute("select kind from institutions where inst_id = ?", [inst_id]).fetchall()
    if not rows:
        raise UserError(f"{username}: institution {inst_id!r} is not in the store")
    kinds, kind = INSTITUTION_KINDS_OF[role], rows[0][0]
    if kind not in kinds:
        wanted = " or ".join(_A_KIND.get(k, k) for k in kinds)
        raise UserError(f"{username}: a {role} user acts for {wanted}, and {inst_id} is "
                        f"{_A_KIND.get(kind, repr(kind))}")  # fmt: skip


def deactivate_user(con: duckdb.DuckDBPyConnection, username: str) -> Principal:
    """Refuse the user from now on: mark it inactive and revoke every token it holds."""
    rows = con.execute("select role, inst_id, active from web_users where username = ?",
                       [username]).fetchall()  # fmt: skip
    if not rows:
        raise NoSuchUser(f"no user {username!r}")
    if not rows[0][2]:
        raise UserError(f"user {username!r} is inactive already")
    con.execute("begin transaction")
    try:
        con.execute("update web_users set active = false where username = ?", [username])
        con.execute("delete from web_tokens where username = ?", [username])
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return Principal(username, rows[0][0], rows[0][1])


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str) -> Principal:
    """The user whose password this is; UserError (the same for both causes) otherwise."""
    rows = con.execute(
        "select role, inst_id, password_hash from web_users where username = ? and active",
        [username],
    ).fetchall()
    try:
        if not rows:
            _hasher.hash(password)  # the same work either way: no timing hint of who exists
            raise VerificationError
        _hasher.verify(rows[0][2], password)
    except (VerificationError, InvalidHashError) as exc:
        raise UserError("wrong username or password") from exc
    return Principal(username, rows[0][0], rows[0][1])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    con: duckdb.DuckDBPyConnection, who: Principal, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new bearer token for `who` and the time it expires."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    expires = now + TOKEN_TTL
    con.execute("insert into web_tokens values (?, ?, ?, ?)",
                [_digest(token), who.username, now, expires])  # fmt: skip
    return token, expires


def principal_for_token(
    con: duckdb.DuckDBPyConnection, token: str, now: datetime | None = None
) -> Principal | None:
    """The active user holding an unexpired token, or None."""
    rows = con.execute(
        "select u.username, u.role, u.inst_id from web_tokens t "
        "join web_users u using (username) "
        "where t.token_sha256 = ? and t.expires_at > ? and u.active",
        [_digest(token), now or datetime.now(UTC)],
    ).fetchall()
    return Principal(*rows[0]) if rows else None


def revoke_token(con: duckdb.DuckDBPyConnection, token: str) -> None:
    """Log out: the token stops working at once."""
    con.execute("delete from web_tokens where token_sha256 = ?", [_digest(token)])


def list_users(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None, bool]]:
    """(username, role, institution, active) of every user."""
    rows = con.execute(
        "select username, role, inst_id, active from web_users order by username"
    ).fetchall()
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]
