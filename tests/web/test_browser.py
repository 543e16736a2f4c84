"""The console in a real browser: Debian's headless Chromium, driven by Playwright, against a
real uvicorn server on a copy of the tiny world.

The walk of the issue: an analyst logs in, enters a victim report whose payment went to an account
that passed money on, sees the money trail, issues a stop-payment; the bank it is addressed to logs
in, acknowledges it, and the centre sees the new state. Then every page opens as a supervisor
with no console error, no uncaught exception and no failed request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import uvicorn

from fraudlink.model.clock import CHINA
from fraudlink.web import add_user, create_app

PASSWORD = "correct horse battery"  # the web fixtures' password for every user
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]  # fmt: skip
WAIT_MS = 15_000


def chromium() -> str | None:
    """Debian's Chromium, when installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@dataclass
class Served:
    """A running server: its address and the app (for the store's cursor)."""

    url: str
    app: Any

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query on the served store, from the test's own thread."""
        return list(self.app.state.ctx.cursor().execute(query, params or []).fetchall())


@pytest.fixture
def served(web_db: Path) -> Iterator[Served]:
    """uvicorn on 127.0.0.1 and a free port, in a background thread, on a copy of the store."""
    app = create_app(web_db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert thread.is_alive(), "the server thread died"
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Watch:
    """Everything that went wrong in the page: console errors, exceptions, failed requests."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        """Listen to the page."""
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text} ({page.url})"))  # fmt: skip
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e} ({page.url})"))
        # A fetch still running when the walk moves to the next page is cancelled by the browser
        # (net::ERR_ABORTED): that is the walk's doing, not the page's. Every other failure, and
        # every answer of 400 or more, counts.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in str(r.failure)
                and self.problems.append(f"failed: {r.method} {r.url}: {r.failure}"))  # fmt: skip
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"{r.status}: {r.request.method} {r.url}"))  # fmt: skip

    def check(self, where: str) -> None:
        """No problem so far; else fail, naming them."""
        assert not self.problems, f"{where}: " + "\n".join(self.problems)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium; skipped when it is not installed."""
    exe = chromium()
    if exe is None and os.environ.get("FRAUDLINK_REQUIRE_BROWSER"):
        pytest.fail("no Chromium found, and FRAUDLINK_REQUIRE_BROWSER is set (.ci/run installs it)")
    if exe is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) "
                    "to run the browser tests")  # fmt: skip
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def china_input(t: dt.datetime) -> str:
    """An instant as a datetime-local input's value, in China time."""
    return t.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def pick_payment(s: Served) -> dict[str, Any]:
    """A transfer whose receiving account passed money on: into a mule another victim already
    reported if there is one, from a payer no report names yet, the largest first."""
    rows = s.sql(
        "with paid_into as (select distinct to_account from report_payments), "
        "reported_payers as (select distinct from_account from report_payments "
        "                    where from_account is not null) "
        "select t.from_account, t.to_account, t.amount_fen, t.time, b.owner_idno, "
        "       coalesce(p.district, '000000') "
        "from transactions t "
        "join bank_accounts b on b.account = t.from_account "
        "left join persons p on p.idno = b.owner_idno "
        "where t.to_account in (select account from bank_accounts) "
        "  and b.holder_kind = 'personal' "
        "  and exists (select 1 from transactions o where o.from_account = t.to_account "
        "              and o.time > t.time) "
        "order by t.to_account in (select to_account from paid_into) desc, "
        "         t.from_account in (select from_account from reported_payers), "
        "         t.amount_fen desc, t.txn_id "
        "limit 1"
    )
    assert rows, "the tiny world has no transfer with onward transactions"
    frm, to, amount, at, idno, district = rows[0]
    return {"from": frm, "to": to, "amount_fen": int(amount), "time": at, "idno": idno,
            "district": district}  # fmt: skip


def log_in(page: Any, base: str, username: str) -> None:
    """Log in through the form."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_function("() => location.pathname !== '/login'", timeout=WAIT_MS)


def log_out(page: Any) -> None:
    """Log out through the header's button."""
    page.click("#logout")
    page.wait_for_url("**/login", timeout=WAIT_MS)


def test_walk_report_trail_order_acknowledge(served: Served, browser: Any) -> None:
    started = time.monotonic()
    base = served.url
    watch = Watch()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    watch.attach(page)

    # 1. Log in as the analyst: the log-out lands on the log-in page, then on the dashboard.
    page.goto(f"{base}/")
    assert "/login" in page.url
    log_in(page, base, "analyst")
    assert page.url == f"{base}/"
    page.wait_for_selector("#kpis .kpi")
    watch.check("dashboard")

    # 2. Enter a report whose payment went to an account that moved money on.
    pay = pick_payment(served)
    page.goto(f"{base}/intake")
    page.fill("#reported_at", china_input(pay["time"] + dt.timedelta(hours=2)))
    page.fill("#victim_idno", pay["idno"])
    page.fill("#district", pay["district"])
    page.select_option("#fraud_type", "fake_investment")
    page.select_option("#contact_channel", "app")
    page.fill("#narrative", "受害人在投资群内被诱导向对方账户转账。")
    amount_yuan = f"{pay['amount_fen'] / 100:.2f}"
    page.fill("#claimed_loss", amount_yuan)
    row = page.locator("#payments tbody tr").first
    row.locator("[name=paid_at]").fill(china_input(pay["time"]))
    row.locator("[name=from_account]").fill(pay["from"])
    row.locator("[name=to_account]").fill(pay["to"])
    row.locator("[name=amount]").fill(amount_yuan)
    page.click("#submit-report")
    page.wait_for_selector("#result:not([hidden])")
    report_id = page.locator("#result-link").inner_text().strip()
    assert served.sql("select count(*) from victim_reports where report_id = ?",
                      [report_id]) == [(1,)]  # fmt: skip

    # 3. The money trail: account nodes in columns, amounts on the edges.
    page.wait_for_selector("#trail svg.trail g.node")
    nodes = page.locator("#trail svg.trail g.node")
    assert nodes.count() >= 2
    assert page.locator(f'#trail svg.trail g.node[data-id="{pay["to"]}"]').count() == 1
    labels = page.locator("#trail svg.trail text.edge-amount").all_text_contents()
    assert labels and all(t.startswith("¥") for t in labels)
    page.hover(f'#trail svg.trail g.node[data-id="{pay["to"]}"]')
    assert page.locator("#trail svg.trail.focus path.edge.lit").count() >= 1
    watch.check("intake")

    # 4. Issue a stop-payment from the proposed orders.
    issue = page.locator("#proposed button.issue[data-kind=stop_payment]").first
    account = issue.get_attribute("data-account")
    issue.click()
    issued_row = page.locator(f'#proposed tr[data-order-id="{account}"]')
    issued_row.locator(".ok-text").wait_for()
    rows = served.sql("select order_id, inst_id, state from orders where account = ? "
                      "and kind = 'stop_payment'", [account])  # fmt: skip
    assert len(rows) == 1 and rows[0][2] == "requested"
    order_id, inst_id, _ = rows[0]
    watch.check("issue")

    # 5. The bank the order is addressed to acknowledges it.
    users = dict(served.sql("select inst_id, username from web_users where role = 'bank'"))
    bank_user = users.get(inst_id)
    if bank_user is None:
        bank_user = "bank_addressee"
        add_user(served.app.state.ctx.cursor(), bank_user, "bank", PASSWORD, inst_id)
    log_out(page)
    log_in(page, base, bank_user)
    assert page.url == f"{base}/member/orders"
    mine = page.locator(f'#member-orders tr[data-order-id="{order_id}"]')
    mine.wait_for()
    assert "requested" in mine.inner_text()
    mine.locator("button[data-answer=acknowledged]").click()
    acked = f'#member-orders tr[data-order-id="{order_id}"][data-state=acknowledged]'
    page.locator(acked).wait_for()
    assert served.sql("select state from orders where order_id = ?", [order_id]) == [
        ("acknowledged",)]  # fmt: skip
    # ... and executes it with the amount held: the stop takes effect, its 48 hours start.
    page.locator(acked).locator("button[data-answer=executed]").click()
    page.locator(f'#member-orders tr[data-order-id="{order_id}"][data-state=executed]').wait_for()
    assert served.sql("select state from orders where order_id = ?", [order_id]) == [
        ("executed",)]  # fmt: skip
    watch.check("member orders")

    # ... and the centre sees the new state, in the queue and on the case.
    log_out(page)
    log_in(page, base, "analyst")
    page.goto(f"{base}/queues/orders")
    row_q = page.locator(f'#orders-list tr[data-order-id="{order_id}"]')
    row_q.wait_for()
    assert "executed" in row_q.inner_text()
    page.goto(f"{base}/cases/{report_id}")
    page.locator(f'#orders tr[data-order-id="{order_id}"][data-state=executed]').wait_for()
    watch.check("centre view")

    # The centre renews the executed stop for another 48 hours from its order queue.
    page.goto(f"{base}/queues/orders")
    row_q = page.locator(f'#orders-list tr[data-order-id="{order_id}"]')
    row_q.locator("button[data-move=renewed]").click()
    page.locator("#flash.ok", has_text=f"{order_id}: renewed").wait_for()
    assert served.sql("select renewals from orders where order_id = ?", [order_id]) == [(1,)]
    watch.check("renewal")

    # The warning desk moves a warning one step on.
    warning_id = add_warning(served, pay["idno"])
    page.goto(f"{base}/queues/warnings")
    w_row = page.locator("#warnings-list tr", has_text=warning_id)
    w_row.locator("select[name=to]").select_option("dispatched")
    w_row.locator("input[name=note]").fill("sent to the police station")
    w_row.locator("button", has_text="Move").click()
    page.locator("#warnings-list tr", has_text=warning_id).locator(
        ".badge.dispatched").wait_for()  # fmt: skip
    assert served.sql("select state from warning_queue where warning_id = ?", [warning_id]) == [
        ("dispatched",)]  # fmt: skip
    watch.check("warnings")

    # The analyst asks a number's operator to block it (停机) from the identifier page.
    number = served.sql("select min(msisdn) from sim_cards")[0][0]
    page.goto(f"{base}/identifiers?q={number}")
    page.locator("input[name=block-reason]").fill("dialled 40 residents in an hour")
    page.locator("button[data-action=block]").click()
    page.locator("#flash.ok", has_text="Block NB-").wait_for()
    assert served.sql("select kind, state from orders where account = ?", [number]) == [
        ("number_block", "requested")]  # fmt: skip
    watch.check("number block")

    # Every page as a supervisor: no console error, no exception, no failed request.
    log_out(page)
    log_in(page, base, "supervisor")
    ring = served_ring(page, base)
    pages = {
        "/": "#kpis .kpi",
        "/intake": "#payments tbody tr",
        f"/cases/{report_id}": "#trail svg.trail",
        f"/identifiers?q={pay['to']}": "#id-result h2",
        "/rings": "#rings-list table, #rings-list .empty",
        "/queues/warnings": "#warnings-list table, #warnings-list .empty",
        "/queues/orders": "#orders-list table",
        "/audit": "#chain .chain-ok",
    }
    if ring is not None:
        pages[f"/rings/{ring}"] = "#network svg.network, #network .empty"
    pages["/audit"] = pages.pop("/audit")  # last: it checks the log the walk has written
    for path, ready in pages.items():
        page.goto(f"{base}{path}")
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        watch.check(path)
    assert page.locator("#audit-list table tbody tr").count() > 0
    context.close()
    assert time.monotonic() - started < 60


def add_warning(s: Served, idno: str) -> str:
    """A freshly decided high-grade warning in the desk's queue, an hour before the store's end."""
    at = s.sql("select max(time) from transactions")[0][0] - dt.timedelta(hours=1)
    evidence = json.dumps({"summary": "calls from a number named in a report"})
    s.sql("insert into warning_queue (warning_id, decided_at, person_id, msisdn, grade, channel, "
          "basis, evidence, state, outcome, updated_at) values ('W-BROWSER-1', ?, ?, null, "
          "'high', 'call_96110', 'called by a reported number', ?, 'decided', null, ?)",
          [at, idno, evidence, at])  # fmt: skip
    s.sql("insert into warning_events values ('W-BROWSER-1', 1, ?, 'decided', null, 'engine', "
          "null)", [at])  # fmt: skip
    return "W-BROWSER-1"


def served_ring(page: Any, base: str) -> str | None:
    """The first ring the rings page lists, if any."""
    page.goto(f"{base}/rings")
    page.wait_for_selector("#rings-list table, #rings-list .empty")
    link = page.locator('#rings-list a[href^="/rings/"]').first
    if link.count() == 0:
        return None
    href = link.get_attribute("href")
    return href.rsplit("/", 1)[1] if href else None


# `next` values that browsers read as another site, and where the log-in must go instead.
OFF_SITE_NEXT = ["/\\evil.example/x", "//evil.example", "/\t/evil.example",
                 "https://evil.example", "javascript:alert(1)", "/login?next=/intake"]  # fmt: skip
ON_SITE_NEXT = ["/centre/cases/R1?tab=trail#orders", "/queues/orders?state=requested"]


def test_login_follows_next_only_to_this_site(served: Served, browser: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    base = served.url
    context = browser.new_context()
    elsewhere: list[str] = []

    def off_site(route: Any) -> None:
        # Answered here, never fetched: the test must not depend on (or reach) another host.
        elsewhere.append(route.request.url)
        route.fulfill(status=200, body="elsewhere")

    context.route(lambda url: not url.startswith(base + "/"), off_site)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    cases = [(n, "/") for n in OFF_SITE_NEXT] + [(n, n) for n in ON_SITE_NEXT]
    cases.append((f"{base}/intake", "/intake"))  # this site, written out in full
    landed = []
    for next_, _ in cases:
        page.goto(f"{base}/login?next={quote(next_, safe='')}")
        page.fill("#username", "analyst")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        # A page that stays on the log-in is named by the comparison below, not by a timeout.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_url(lambda u: urlsplit(u).path != "/login")
        landed.append((next_, page.url.removeprefix(base)))
    assert landed == cases
    assert not elsewhere and not dialogs
    context.close()
