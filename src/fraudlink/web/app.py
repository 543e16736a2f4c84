"""The web application: the member API and the analyst console over one store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from fraudlink import __version__
from fraudlink.web.api import centre, members, session
from fraudlink.web.console import pages
from fraudlink.web.context import WebContext

STATIC = Path(__file__).parent / "console" / "static"
# Everything comes from this server: a closed network has no CDN, and a page that tried one
# would fail the browser tests' console check.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'"
)


def create_app(db: Path | str) -> FastAPI:
    """The app serving the store at `db`: /api/v1 (OpenAPI at /api/openapi.json) and the console."""
    ctx = WebContext(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(title="fraudlink member API", version=__version__, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)  # fmt: skip
    app.state.ctx = ctx

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                      ) -> Response:  # fmt: skip
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    for module in (session, members, centre, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
