"""Who is asking, and whether they may: FastAPI dependencies shared by the API and the console.

A request carries its token as `Authorization: Bearer …` (the member API) or in the
`fraudlink_token` cookie (the console, set at log-in, HttpOnly and SameSite=Strict). A refusal is
a 401 (no valid token) or a 403 (valid token, not allowed), and every 403 is in the audit log.

A token checked against the store is remembered for TOKEN_CACHE_S seconds, so a burst of member
lookups does not query the store once per request: log-out forgets it at once, while an expiry
or a deactivated user takes effect within that time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb
from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from fraudlink.web.audit import DENIED, OK
from fraudlink.web.context import WebContext
from fraudlink.web.users import CENTRE_ROLES, MEMBER_ROLES, Principal, principal_for_token

COOKIE = "fraudlink_token"
TOKEN_CACHE_S = 30.0
TOKEN_CACHE_MAX = 10_000
_CACHE_MADE = threading.Lock()


class TokenCache:
    """Tokens recently checked against the store, with the user they belong to."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[Principal, float]] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        # Store checks under way on the event loop, by token (see `principal`).
        self.checking: dict[str, asyncio.Future[Principal | None]] = {}

    def get(self, token: str) -> Principal | None:
        """The user of a token checked less than TOKEN_CACHE_S ago, or None."""
        hit = self._seen.get(token)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, token: str, who: Principal) -> None:
        """Remember a token the store vouched for."""
        with self._lock:
            if token in self._revoked:
                return  # logged out while its check was under way
            if len(self._seen) >= TOKEN_CACHE_MAX:
                self._seen.clear()  # rare: a store check per token refills it
            self._seen[token] = (who, time.monotonic() + TOKEN_CACHE_S)

    def forget(self, token: str) -> None:
        """Drop a token (log-out): the next request with it is checked against the store."""
        with self._lock:
            self._seen.pop(token, None)
            if len(self._revoked) >= TOKEN_CACHE_MAX:
                self._revoked.clear()
            self._revoked.add(token)


def context(request: Request) -> WebContext:
    """The app's shared context."""
    ctx: WebContext = request.app.state.ctx
    return ctx


def cursor(request: Request) -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the store."""
    return context(request).cursor()


def bearer(request: Request) -> str | None:
    """The token a request carries, from its header or its cookie."""
    head = request.headers.get("authorization", "")
    if head.lower().startswith("bearer "):
        return head[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def token_cache(request: Request) -> TokenCache:
    """The app's cache of checked tokens."""
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    if cache is None:
        with _CACHE_MADE:  # one cache per app, even when its first requests come together
            cache = getattr(request.app.state, "token_cache", None)
            if cache is None:
                cache = request.app.state.token_cache = TokenCache()
    return cache


def forget_token(request: Request, token: str) -> None:
    """Forget a revoked token at once (log-out)."""
    token_cache(request).forget(token)


def _check_token(request: Request, token: str) -> Principal | None:
    who = principal_for_token(cursor(request), token)
    if who is not None:
        token_cache(request).put(token, who)
    return who


async def principal(request: Request) -> Principal:
    """The user behind the request's token; 401 without a valid one."""
    token = bearer(request)
    cache = token_cache(request)
    who = cache.get(token) if token else None
    if who is None and token:
        # The store is asked off the event loop, in the thread pool, as sync handlers are, and
        # once per token: when a remembered token runs out mid-burst, every request of the
        # burst would otherwise queue its own store check behind the others.
        pending = cache.checking.get(token)
        if pending is None:
            pending = asyncio.ensure_future(run_in_threadpool(_check_token, request, token))
            cache.checking[token] = pending
            pending.add_done_callback(lambda _: cache.checking.pop(token, None))
        who = await asyncio.shield(pending)
    if who is None:
        raise HTTPException(401, "log in first: no valid token",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return who


def deny(request: Request, who: Principal, action: str, target: str, why: str) -> HTTPException:
    """Record a refused attempt in the audit log and return the 403 to raise."""
    context(request).audit.append(who, action, target, DENIED, {"why": why})
    return HTTPException(403, why)


def audit(request: Request, who: Principal, action: str, target: str,
          detail: dict[str, Any] | None = None) -> int:  # fmt: skip
    """Record a read of personal data or an action that went through."""
    return context(request).audit.append(who, action, target, OK, detail)


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency: the principal, if its role is one of `roles`; else 403, audited."""

    def check(request: Request, who: Principal = Depends(principal)) -> Principal:
        if who.role not in roles:
            raise deny(request, who, f"{request.method} {request.url.path}", request.url.path,
                       f"the {who.role} role may not use this")  # fmt: skip
        return who

    return check


centre = require(*CENTRE_ROLES)
member = require(*MEMBER_ROLES)
