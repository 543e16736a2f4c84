"""The web application: the member API and the analyst console over one store."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraudlink import __version__
from fraudlink.web.api import centre, members, session, users_admin
from fraudlink.web.console import pages
from fraudlink.web.context import WebContext
from fraudlink.web.fast_lookup import LookupFastPath

STATIC = Path(__file__).parent / "console" / "static"
# Everything comes from this server: a closed network has no CDN, and a page that tried one
# would fail the browser tests' console check.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'"
)
_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer")]
_NAMES = {k for k, _ in _HEADERS}
MAX_ECHO = 200  # characters of an invalid text value echoed back in a 422


class SecurityHeaders:
    """Adds the security headers to every HTTP response.

    Plain ASGI: an `@app.middleware("http")` function wraps each request and response in extra
    objects and tasks, which under load cost the server more than a whole lookup does.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": [*kept, *_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _finite(value: Any) -> Any:
    """JSON-safe: a non-finite number (a body of `1e999`) is echoed back as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _trimmed(error: dict[str, Any]) -> dict[str, Any]:
    """An error without its `input` when that is a container or long text: a push of 10,001 rows
    would otherwise come back whole, megabytes of it, and `loc` names the place anyway."""
    value = error.get("input")
    if isinstance(value, list | dict | tuple) or (
        isinstance(value, str | bytes) and len(value) > MAX_ECHO
    ):
        return {k: v for k, v in error.items() if k != "input"}
    return error


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """400 for a body that is not JSON, as the API documents; else FastAPI's 422, with the input
    echoed back only when small, and JSON-safe (its own handler fails with a server error when
    the input is a number JSON cannot write, infinity)."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    unreadable = [e for e in errors if e.get("type") == "json_invalid"]
    if unreadable:
        e = unreadable[0]
        where = e.get("loc", ())[1:]
        at = f" at character {where[0]}" if where else ""
        why = (e.get("ctx") or {}).get("error", "invalid JSON")
        detail = f"the body cannot be read as JSON{at}: {why}"
        return JSONResponse(status_code=400, content={"detail": detail})
    return JSONResponse(status_code=422, content={
        "detail": _finite(jsonable_encoder([_trimmed(e) for e in errors]))})  # fmt: skip


def create_app(db: Path | str, client_clock: bool = False) -> FastAPI:
    """The app serving the store at `db`: /api/v1 (OpenAPI at /api/openapi.json) and the console;
    with `client_clock`, the centre's actions are stamped with the `now` a client gives (for
    replaying a simulated city), else always with the server's clock."""
    ctx = WebContext(db, client_clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(title="fraudlink member API", version=__version__, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)  # fmt: skip
    app.state.ctx = ctx

    app.add_exception_handler(RequestValidationError, _invalid_request)
    # Added first, so it runs inside SecurityHeaders: its answers carry the same headers.
    app.add_middleware(LookupFastPath, ctx=ctx)
    app.add_middleware(SecurityHeaders)

    for module in (session, members, centre, users_admin, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
