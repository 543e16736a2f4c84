"""User administration while the server runs: a supervisor deactivates a user.

The server holds the store's write lock, so `fraudlink users deactivate` cannot reach the store
until it stops; this route does the same through the server. Deactivation revokes the user's
tokens in the store; a server remembers a checked token for up to `deps.TOKEN_CACHE_S` seconds,
so the user is refused within that time.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from fraudlink.web.audit import REFUSED
from fraudlink.web.deps import TOKEN_CACHE_S, audit, context, cursor, require
from fraudlink.web.users import SUPERVISOR, NoSuchUser, Principal, UserError, deactivate_user

router = APIRouter(prefix="/api/v1/centre", tags=["centre"])
supervisor = require(SUPERVISOR)
ACTION = "user.deactivate"


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


class DeactivatedOut(BaseModel):
    """The user deactivated."""

    username: str
    role: str
    inst_id: str | None
    active: bool
    refused_within_s: float = Field(description="seconds until every server refuses its tokens")


_WHY = {401: "not logged in", 403: "not a supervisor; audited", 404: "no such user",
        409: "the user is inactive already, or is the supervisor asking"}  # fmt: skip


@router.post(
    "/users/{username}/deactivate",
    response_model=DeactivatedOut,
    responses={c: {"model": Problem, "description": w} for c, w in _WHY.items()},
)
def deactivate(request: Request, username: str = Path(min_length=1, max_length=64),
               who: Principal = Depends(supervisor)) -> DeactivatedOut:  # fmt: skip
    """Deactivate a user (supervisor only): its tokens are revoked and it can no longer log in."""
    ctx = context(request)
    if username == who.username:
        # A supervisor locking itself out could leave the centre with no one to administer it.
        why = "a supervisor cannot deactivate their own user: ask another supervisor"
        ctx.audit.append(who, ACTION, username, REFUSED, {"why": why})
        raise HTTPException(409, why)
    try:
        with ctx.write_lock:
            gone = deactivate_user(cursor(request), username)
    except UserError as exc:
        ctx.audit.append(who, ACTION, username, REFUSED, {"why": str(exc)})
        raise HTTPException(404 if isinstance(exc, NoSuchUser) else 409, str(exc)) from exc
    audit(request, who, ACTION, username, {"role": gone.role, "inst_id": gone.inst_id})
    return DeactivatedOut(username=gone.username, role=gone.role, inst_id=gone.inst_id,
                          active=False, refused_within_s=TOKEN_CACHE_S)  # fmt: skip
