"""Invalid input is a 422 that says what was wrong, even when JSON cannot echo it back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Login = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    "body", [b"1e999999", b"-1e999999", b'{"username": "a", "password": 1e999}']
)
def test_a_body_of_infinity_is_refused_not_a_server_error(client: TestClient, body: bytes) -> None:
    r = client.post("/api/v1/token", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][0] == "body"


def test_infinity_in_a_member_answer_is_refused(client: TestClient, login: Login) -> None:
    who = {**login("bank_a"), "content-type": "application/json"}
    r = client.post("/api/v1/suspects", headers=who,
                    content=b'{"kind": "phone", "value": "13800138000", "confidence": 1e999, '
                            b'"reason": "x"}')  # fmt: skip
    assert r.status_code == 422
    assert "inf" in str(r.json()["detail"])


@pytest.mark.parametrize(("path", "route"), [
    ("/api/v1/token", "/api/v1/token"),
    ("/api/v1/feeds/member_flags", "/api/v1/feeds/{feed}"),
    ("/api/v1/suspects", "/api/v1/suspects"),
])  # fmt: skip
def test_a_body_that_is_not_json_is_a_400(client: TestClient, login: Login, path: str,
                                          route: str) -> None:  # fmt: skip
    who = {**login("bank_a"), "content-type": "application/json"}
    r = client.post(path, content=b"{bad", headers=who)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("the body cannot be read as JSON at character 1: ")
    spec = client.get("/api/openapi.json").json()
    assert spec["paths"][route]["post"]["responses"]["400"]["description"] == (
        "the body cannot be read as JSON")


def test_a_refusal_does_not_echo_a_big_input_back(client: TestClient, login: Login) -> None:
    row = {"txn_id": 1, "time": "2026-03-05T10:00:00+08:00", "from_account": "x" * 50,
           "to_account": None, "amount_fen": 1, "channel": "transfer"}  # fmt: skip
    r = client.post("/api/v1/feeds/transactions", json={"rows": [row] * 10_001},
                    headers=login("bank_a"))  # fmt: skip
    assert r.status_code == 422 and len(r.content) < 1_000
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "rows"] and "10000" in error["msg"]
    assert "input" not in error
    r = client.post("/api/v1/suspects", headers=login("bank_a"),
                    json={"kind": "phone", "value": "1" * 300, "confidence": 0.5, "reason": "x"})
    assert r.status_code == 422 and "input" not in r.json()["detail"][0]
    r = client.post("/api/v1/suspects", headers=login("bank_a"),
                    json={"kind": "phone", "value": "1", "confidence": 7, "reason": "x"})
    assert r.json()["detail"][0]["input"] == 7  # a small value is still shown
