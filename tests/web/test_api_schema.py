"""The whole API against its own OpenAPI spec (schemathesis): no 5xx, and every response has a
status the spec declares and the shape it declares, for a centre user and for a member.

Each operation first gets the requests a client would really send (so that answers with data, not
only refusals, are checked: known identifiers, real orders), then a few generated valid and
invalid ones (Hypothesis, derandomised). Log-out is left out: it would revoke the token the other
calls carry. The generated cases run through schemathesis' strategies directly: its fixture-based
pytest loader does not run under pytest 9.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from fraudlink.trace.engine import trace_all
from fraudlink.trace.orders import propose_stop_payments, save_orders
from fraudlink.web import create_app

PASSWORD = "correct horse battery"
EXAMPLES = 8  # generated per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SKIP_PATHS = ("/api/v1/logout",)


@dataclass
class Served:
    """The app on a fresh store with orders, a user's Authorization header, and known values."""

    app: FastAPI
    headers: dict[str, str]
    order_id: str
    account: str
    report_id: str


@pytest.fixture(params=["analyst", "bank_b"])
def served(request: pytest.FixtureRequest, web_db: Path, web_world: Any) -> Iterator[Served]:
    """The app on a fresh store holding traced orders, and the header of one user."""
    app = create_app(web_db)
    with TestClient(app) as c:
        ctx = app.state.ctx
        with ctx.write_lock:
            orders = propose_stop_payments(ctx.store, trace_all(ctx.store).positions,
                                           dt.datetime.now(dt.UTC))  # fmt: skip
            save_orders(ctx.store, orders)
        mine = [o for o in orders if o.inst_id == web_world.bank_b]
        account, report = ctx.cursor().execute(
            "select value, report_id from case_confirmations where kind = 'account' "
            "order by 1 limit 1").fetchall()[0]  # fmt: skip
        r = c.post("/api/v1/token", json={"username": request.param, "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield Served(app, {"Authorization": f"Bearer {r.json()['access_token']}"},
                     (mine or orders)[0].order_id, account, report)  # fmt: skip


def real_requests(s: Served) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Requests a client would send, by (method, path): they reach answers with data."""
    flag = {"flagged_at": "2026-03-05T10:00:00Z", "kind": "phone", "value": "13800138000",
            "confidence": 0.5, "reason": "r"}  # fmt: skip
    order = {"order_id": s.order_id}
    return {
        ("GET", "/api/v1/lookup"): [{"query": {"q": s.account}},
                                    {"query": {"q": "13800138000", "kind": "phone"}}],
        ("GET", "/api/v1/orders"): [{}, {"query": {"state": "requested"}}],
        ("GET", "/api/v1/orders/{order_id}"): [{"path_parameters": order}],
        ("POST", "/api/v1/orders/{order_id}/answer"): [
            {"path_parameters": order, "body": {"answer": "acknowledged"}}],
        ("POST", "/api/v1/suspects"): [{"body": {"kind": "account", "value": s.account,
                                                 "confidence": 0.9, "reason": "mule"}}],
        ("POST", "/api/v1/feeds/{feed}"): [{"path_parameters": {"feed": "member_flags"},
                                            "body": {"rows": [flag]}}],
        ("GET", "/api/v1/centre/cases/{report_id}"): [
            {"path_parameters": {"report_id": s.report_id}}],
        ("GET", "/api/v1/centre/identifiers/{value}"): [
            {"path_parameters": {"value": s.account}}],
    }  # fmt: skip


def run_operation(operation: Any, s: Served, real: list[dict[str, Any]]) -> str | None:
    """Real, then generated valid and invalid requests to one operation; the first failure."""
    try:
        for kwargs in real:
            operation.Case(**kwargs).call_and_validate(headers=s.headers, checks=CHECKS)
    except Exception as exc:  # a failed check: report it with the operation's name
        return f"{operation.label} {real}: {exc}"
    strategy = (operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
                | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))  # fmt: skip

    @given(case=strategy)
    @settings(max_examples=2 * EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case: Any) -> None:
        case.call_and_validate(headers=s.headers, checks=CHECKS)

    try:
        check()
    except Exception as exc:
        return f"{operation.label}: {exc}"
    return None


def test_api_conforms_to_its_schema(served: Served) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", served.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    paths = {o.path for o in operations}
    assert "/api/v1/lookup" in paths and any(p.startswith("/api/v1/centre/") for p in paths)
    real = real_requests(served)
    failures = [f for o in operations if o.path not in SKIP_PATHS
                if (f := run_operation(o, served, real.get((o.method.upper(), o.path), [])))
                is not None]  # fmt: skip
    assert not failures, "\n\n".join(failures)
