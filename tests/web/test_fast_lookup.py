"""The lookup's hot path answers exactly as the FastAPI route does, and hands the rest on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudlink.web.fast_lookup import LookupFastPath

Login = Callable[[str], dict[str, str]]


def _known_values(client: TestClient) -> list[str]:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    rows = con.execute(
        "select min(value) from case_confirmations where kind = 'account' union all "
        "select min(value) from case_confirmations where kind = 'phone'"
    ).fetchall()
    return [str(r[0]) for r in rows if r[0] is not None]


def _route_answer(client: TestClient, params: dict[str, str], headers: dict[str, str]) -> Any:
    """The FastAPI route's own answer: the fast path is off while the token is not remembered."""
    cache = client.app.state.token_cache  # type: ignore[attr-defined]
    token = headers["Authorization"][7:]
    saved = cache._seen.pop(token)
    r = client.get("/api/v1/lookup", params=params, headers=headers)
    cache._seen[token] = saved
    return r


@pytest.mark.parametrize("user", ["analyst", "bank_a"])
def test_fast_answers_equal_the_routes(
    client: TestClient, login: Login, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[bytes] = []
    real = LookupFastPath._answer

    async def counted(self: LookupFastPath, scope: Any) -> bytes | None:
        out = await real(self, scope)
        if out is not None:
            answered.append(out)
        return out

    monkeypatch.setattr(LookupFastPath, "_answer", counted)
    who = login(user)
    client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who)  # builds the index
    values = [*_known_values(client), "13800138000", "+86 138-0013-8001", "example.cn"]
    for q in values:
        for params in ({"q": q}, {"q": q, "kind": "phone"} if q.startswith("1") else {"q": q}):
            fast = client.get("/api/v1/lookup", params=params, headers=who)
            slow = _route_answer(client, params, headers=who)
            assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), params
            assert fast.headers["content-security-policy"] == slow.headers[
                "content-security-policy"]
    assert len(answered) == 2 * len(values)  # every first request went the fast way


def test_fast_answers_are_audited_like_the_routes(client: TestClient, login: Login) -> None:
    who = login("bank_b")
    account = _known_values(client)[0]
    client.get("/api/v1/lookup", params={"q": account}, headers=who)
    client.get("/api/v1/lookup", params={"q": account}, headers=who)
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    rows = con.execute("select username, action, target, outcome, detail from audit_log "
                       "where action = 'read.lookup' order by seq").fetchall()  # fmt: skip
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[0][0] == "bank_b" and rows[0][3] == "ok"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("q=hello+there", 422),  # not an identifier: the route's 422 names q
        ("q=13800138000&kind=planet", 422),
        ("q=13800138000&extra=1", 200),  # an unknown parameter: the route ignores it
        ("kind=phone", 422),
        ("q=", 422),
    ],
)
def test_what_the_fast_path_does_not_take_gets_the_routes_answer(
    client: TestClient, login: Login, query: str, status: int
) -> None:
    who = login("bank_a")
    client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who)
    r = client.get(f"/api/v1/lookup?{query}", headers=who)
    assert r.status_code == status
    if status == 422:
        assert r.json()["detail"][0]["loc"][0] == "query"


def test_a_logged_out_token_is_refused_at_once(client: TestClient, login: Login) -> None:
    who = login("bank_a")
    assert client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who).status_code == 200
    client.post("/api/v1/logout", headers=who)
    assert client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who).status_code == 401
