"""Who is asking, and whether they may: FastAPI dependencies shared by the API and the console.

A request carries its token as `Authorization: Bearer …` (the member API) or in the
`fraudlink_token` cookie (the console, set at log-in, HttpOnly and SameSite=Strict). A refusal is
a 401 (no valid token) or a 403 (valid token, not allowed), and every 403 is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
from fastapi import Depends, HTTPException, Request

from fraudlink.web.audit import DENIED, OK
from fraudlink.web.context import WebContext
from fraudlink.web.users import CENTRE_ROLES, MEMBER_ROLES, Principal, principal_for_token

COOKIE = "fraudlink_token"


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


def principal(request: Request) -> Principal:
    """The user behind the request's token; 401 without a valid one."""
    token = bearer(request)
    who = principal_for_token(cursor(request), token) if token else None
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
