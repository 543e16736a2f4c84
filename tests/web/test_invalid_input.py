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
