"""Overdue orders in a real browser: the centre's order queue shows how late each live order is
and lists only the overdue ones on asking; a bank sees the same on its own orders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from test_browser import WAIT_MS, Served, Watch, browser, log_in, served  # noqa: F401
from test_centre_overdue_orders import seeded


def test_the_queue_shows_and_filters_overdue_orders(
    served: Served,  # noqa: F811
    browser: Any,  # noqa: F811
    web_world: Any,
) -> None:
    ids = seeded(served.app.state.ctx, web_world, dt.datetime.now(dt.UTC))
    watch = Watch()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    watch.attach(page)

    log_in(page, served.url, "analyst")
    page.goto(f"{served.url}/queues/orders")

    def row(oid: str) -> Any:
        return page.locator(f'#orders-list tr[data-order-id="{oid}"]')

    row(ids["late_ack"]).wait_for()
    # Requested 3 h ago, due in 30 min: two and a half hours late, red, with its deadline.
    late = row(ids["late_ack"]).locator(".overdue")
    assert late.inner_text().startswith("2 h 3") and late.inner_text().endswith("overdue")
    assert "acknowledgement was due" in (late.get_attribute("title") or "")
    assert row(ids["late_exec"]).locator(".overdue").inner_text().startswith("1 h 0")
    assert row(ids["on_time"]).locator(".overdue").count() == 0
    assert "due 20" in row(ids["on_time"]).inner_text()  # its deadline, in China time
    assert row(ids["in_effect"]).locator(".overdue").count() == 0
    watch.check("order queue")

    page.select_option("#filters select[name=overdue]", "true")
    page.locator(f'#orders-list tr[data-order-id="{ids["in_effect"]}"]').wait_for(state="detached")
    shown = page.locator("#orders-list tbody tr[data-order-id]")
    assert [shown.nth(i).get_attribute("data-order-id") for i in range(shown.count())] == [
        ids["late_ack"],
        ids["late_exec"],
    ]
    watch.check("overdue only")

    page.click("#logout")
    page.wait_for_url("**/login", timeout=WAIT_MS)
    log_in(page, served.url, "bank_a")
    mine = page.locator(f'#member-orders tr[data-order-id="{ids["late_ack"]}"]')
    mine.wait_for()
    assert mine.locator(".overdue").inner_text().endswith("overdue")
    assert page.locator(f'#member-orders tr[data-order-id="{ids["on_time"]}"]').count() == 0
    watch.check("member orders")
    context.close()
