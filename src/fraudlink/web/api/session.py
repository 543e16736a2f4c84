"""Log in and out: a bearer token for the API, the same token as a cookie for the console."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from fraudlink.web.audit import ANONYMOUS, REFUSED
from fraudlink.web.deps import COOKIE, audit, bearer, context, cursor, forget_token, principal
from fraudlink.web.users import Principal, UserError, authenticate, issue_token, revoke_token

router = APIRouter(prefix="/api/v1", tags=["session"])


class Credentials(BaseModel):
    """A username and its password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Token(BaseModel):
    """A bearer token, the role it carries and when it stops working."""

    access_token: str
    token_type: str = "bearer"
    username: str
    role: str
    inst_id: str | None
    expires_at: datetime


class Me(BaseModel):
    """The user behind a token."""

    username: str
    role: str
    inst_id: str | None


@router.post("/token", response_model=Token, responses={
    400: {"description": "the body cannot be read as JSON"},
    401: {"description": "wrong credentials"},
})
def login(creds: Credentials, request: Request, response: Response) -> Token:
    """Exchange a username and password for a bearer token (also set as the console's cookie)."""
    con = cursor(request)
    try:
        who = authenticate(con, creds.username, creds.password)
    except UserError as exc:
        context(request).audit.append(ANONYMOUS, "login", creds.username, REFUSED,
                                      {"why": str(exc)})  # fmt: skip
        raise HTTPException(401, str(exc)) from exc
    token, expires = issue_token(con, who)
    audit(request, who, "login", who.username)
    age = int((expires - datetime.now(expires.tzinfo)).total_seconds())
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/", max_age=age)
    return Token(access_token=token, username=who.username, role=who.role, inst_id=who.inst_id,
                 expires_at=expires)  # fmt: skip


@router.post("/logout", status_code=204, responses={401: {"description": "not logged in"}})
def logout(request: Request, response: Response, who: Principal = Depends(principal)) -> None:
    """End the session: the token stops working at once."""
    token = bearer(request)
    if token:
        revoke_token(cursor(request), token)
        forget_token(request, token)
    audit(request, who, "logout", who.username)
    response.delete_cookie(COOKIE, path="/")


@router.get("/me", response_model=Me, responses={401: {"description": "not logged in"}})
def me(who: Principal = Depends(principal)) -> Me:
    """Who the token belongs to."""
    return Me(username=who.username, role=who.role, inst_id=who.inst_id)
