"""A served store for the web tests: the tiny world's feeds and one user per role.

Users (password `PASSWORD` for all): `analyst`, `supervisor`; `bank_a` and `bank_b`, bank users
of the two banks with the most accounts; `operator` and `platform` for the first operator and
platform in the store.

The app stamps the centre's actions with the server's clock, as `fraudlink serve` does; a test
marked `client_clock` gets one replaying a simulated city, which takes the `now` a write gives.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fraudlink.store import Store
from fraudlink.web import add_user, create_app

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class WebWorld:
    """The served store's template file and the institutions its member users act for."""

    template: Path
    world: Path
    bank_a: str
    bank_b: str
    operator: str
    platform: str


@pytest.fixture(scope="session")
def web_world(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> WebWorld:
    """The tiny world ingested once, with one user per role."""
    path = ingested_file(tiny_world, "web")
    with Store(path) as store:
        con = store.con
        banks = [r[0] for r in con.execute(
            "select inst_id from bank_accounts group by inst_id order by count(*) desc, inst_id"
        ).fetchall()]  # fmt: skip
        def first(kind: str) -> str:
            return str(con.execute("select min(inst_id) from institutions where kind = ?",
                                   [kind]).fetchall()[0][0])  # fmt: skip
        operator, platform = first("operator"), first("platform")
        add_user(con, "analyst", "analyst", PASSWORD)
        add_user(con, "supervisor", "supervisor", PASSWORD)
        add_user(con, "bank_a", "bank", PASSWORD, banks[0])
        add_user(con, "bank_b", "bank", PASSWORD, banks[1])
        add_user(con, "operator", "operator", PASSWORD, operator)
        add_user(con, "platform", "platform", PASSWORD, platform)
    return WebWorld(path, tiny_world, banks[0], banks[1], operator, platform)


@pytest.fixture
def web_db(web_world: WebWorld, tmp_path: Path) -> Path:
    """A fresh copy of the served store for one test (tests write orders and the audit log)."""
    path = tmp_path / "served.duckdb"
    shutil.copy(web_world.template, path)
    return path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "client_clock: the app takes a client's `now` on writes (serve --client-clock)"
    )


@pytest.fixture
def client(web_db: Path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A test client on a fresh copy of the store (taking a client's `now` on writes when the
    test is marked `client_clock`)."""
    replay = request.node.get_closest_marker("client_clock") is not None
    with TestClient(create_app(web_db, client_clock=replay)) as c:
        yield c


def token(client: TestClient, username: str) -> dict[str, str]:
    """The Authorization header of a fresh log-in as `username`."""
    r = client.post("/api/v1/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Log in as a user of the fixture; returns the Authorization header."""
    return lambda username: token(client, username)
