"""The member lookup's hot path: `GET /api/v1/lookup` answered below FastAPI's routing.

Rapid comparison is the request members send most, often in bursts. Through FastAPI's router,
dependency solving and response validation a lookup costs about 0.38 ms of server CPU, ten times
the lookup itself, and a burst of 200 then waits its turn for 76 ms. This ASGI layer answers the
plain case itself: a GET with `q` (and at most `kind`), a bearer token the token cache already
vouches for, and a built index. It gives the same JSON (`web.lookup.LookupOut`) and the same
audit entry as the route. Anything else (no or unknown token, a cookie, a bad parameter, a value
that is no identifier, an index being built) goes on to the FastAPI route, so refusals keep one
shape and one place, and the OpenAPI document stays the route's.
"""

from __future__ import annotations

from typing import get_args
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from fraudlink.web import lookup as rapid
from fraudlink.web.context import WebContext

PATH = "/api/v1/lookup"
KINDS = frozenset(get_args(rapid.QueryKind))
MAX_Q = 512  # as the route's Query(max_length=512)


class LookupFastPath:
    """ASGI middleware: answers plain member lookups, hands everything else on."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        answer = await self._answer(scope)
        if answer is None:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(answer)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    async def _answer(self, scope: Scope) -> bytes | None:
        """The response body of a plain lookup, or None to let the route handle the request."""
        params = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        q, kind = params.pop("q", None), params.pop("kind", [None])
        if params or q is None or len(q) != 1 or len(kind) != 1 or not 1 <= len(q[0]) <= MAX_Q:
            return None
        if kind[0] is not None and kind[0] not in KINDS:
            return None
        cache = getattr(scope["app"].state, "token_cache", None)
        token = _bearer(scope)
        who = cache.get(token) if cache is not None and token else None
        index = self.ctx.index_if_built()
        if who is None or index is None:
            return None
        try:
            out = rapid.lookup(index, q[0], kind[0], who)
        except rapid.NotAnIdentifier:
            return None
        detail = {"known": out.known, "risk": out.risk}
        await self.ctx.audit.append_async(who, "read.lookup", out.node_id, detail=detail)
        return out.model_dump_json().encode()


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() != "bearer ":
                return None
            return text[7:].strip() or None
    return None
