"""Charts: deterministic SVG, escaped text, and the money trail's masked accounts and times."""

from __future__ import annotations

from report_samples import trail

from fraudlink.report.charts import bar_chart, distribution_chart, mask_account, money_trail_chart


def test_trail_shows_masked_accounts_china_time_and_cash_out() -> None:
    svg = money_trail_chart(trail())
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "6228****3333" in svg and "6222****1111" in svg
    assert "6228000000003333" not in svg  # never the full number
    # Stopped 18:30 UTC on 2 March is 02:30 on 3 March in China.
    assert "stopped 03-03 02:30" in svg
    assert "2026-03-03 02:30 (UTC+8)" in svg
    assert "Cash-out (取现)" in svg
    assert "¥80,000.00" in svg
    assert "03-02 09:00" in svg  # the first transfer, 01:00 UTC


def test_trail_escapes_labels_and_is_deterministic() -> None:
    svg = money_trail_chart(trail(victim='<script>alert("x")</script>'))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert svg == money_trail_chart(trail(victim='<script>alert("x")</script>'))


def test_trail_without_hops_still_draws() -> None:
    assert money_trail_chart({}).startswith("<svg")


def test_bar_chart_grouped_and_stacked() -> None:
    series = [("a <b>", [1.0, 2.0]), ("c", [3.0, 0.0])]
    for stacked in (False, True):
        for horizontal in (False, True):
            svg = bar_chart(["x", "y"], series, stacked=stacked, horizontal=horizontal, title="t")
            assert svg.count("<svg") == 1
            assert "a &lt;b&gt;" in svg and "<b>" not in svg
    assert "xmlns" in bar_chart(["x"], [("a", [1.0])], standalone=True)
    assert "http" not in bar_chart(["x"], [("a", [1.0])])


def test_distribution_chart_shows_medians() -> None:
    svg = distribution_chart({"full": [1.0, 10.0, 100.0], "none": []})
    assert "median 10 min" in svg
    assert "no orders touched" in svg


def test_mask_account() -> None:
    assert mask_account("6222021234567891234") == "6222****1234"
    assert mask_account("12345") == "****2345"
