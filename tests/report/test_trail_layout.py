"""The money-trail chart's layout: no two labels overlap, text stays in its box, and the drawing
fits the report's column on a 1,280 px screen (or shrinks to it), however the money splits."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from report_samples import trail as sample_trail
from svg_geometry import Box, boxed_labels, overlapping, parse, text_boxes, tooltips, view_box

from fraudlink.report.charts import money_trail_chart
from fraudlink.report.html import COLUMN_PX, render_report

SCREEN_PX = 1280
# What a 1,280 px window leaves the page's column: a scroll bar and the body's 1 rem padding.
SCROLLBAR_PX = 17
PADDING_PX = 2 * 16
LONG_PLACEHOLDER = "(moved through an overseas payment platform, beneficiary not known)"
LONG_CHANNEL = "crypto_over_the_counter_exchange_in_another_province"


def _hop(hop: int, minute: int, src: str, dst: str | None, fen: int, **kw: Any) -> dict[str, Any]:
    day, minute = divmod(minute, 24 * 60)
    return {
        "hop": hop,
        "time": f"2026-03-{2 + day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z",
        "from": src,
        "to": dst,
        "amount_fen": fen,
        "channel": kw.get("channel", "transfer"),
        "stopped_at": kw.get("stopped_at"),
    }


def split_trail(cards: int = 12, big: int = 1) -> dict[str, Any]:
    """A first-level card that splits into many second-level cards with long ids, several
    transfers per card, third-level cards fed by two senders each, stops and cash-outs; amounts
    up to ¥98,765.43, or `big` times that."""
    victim = "6222020000000000000000001111"
    first = "6217000000000000000000002222"
    stop = "2026-03-02T18:30:00Z"
    hops = [_hop(1, 60, victim, first, 98_765_43 * big)]
    held = []
    l2 = [f"62280000{i:020d}" for i in range(cards)]
    for i, acc in enumerate(l2):
        stopped = stop if i % 3 == 0 else None
        # Two or three transfers into each card, so its arrow reads "N transfers".
        for k in range(2 + i % 2):
            hops.append(_hop(2, 70 + i + k, first, acc, (2_345_67 + i) * big, stopped_at=stopped))
        if stopped:
            held.append({"account": acc, "amount_fen": 4_691_34 * big})
    hops.append(_hop(2, 95, first, "(re-routed to another card)", 5_000_00 * big))
    hops.append(_hop(2, 96, first, LONG_PLACEHOLDER, 7_000_00 * big))
    for i in range(cards):
        # Each third-level card takes money from two neighbouring second-level cards.
        l3 = f"62300000{i:020d}"
        for src in (l2[i], l2[(i + 1) % cards]):
            hops.append(_hop(3, 200 + 3 * i, src, l3, 4_567_89 * big))
        hops.append(_hop(4, 400 + i, l3, None, 9_000_00 * big, channel="atm_cash_out"))
    hops.append(_hop(3, 300, l2[1], None, 1_234_56 * big, channel=LONG_CHANNEL))
    return {
        "strategy": "tracing_on_report",
        "episode_id": 4711,
        "victim": "the victim of episode 4711",
        "fraud_type": "impersonating_police",
        "hops": hops,
        "held": held,
    }


def _assert_readable(svg: str) -> None:
    """No two labels overlap, every label lies inside the drawing, and text stays in its box."""
    boxes = text_boxes(svg)
    assert boxes
    clashes = overlapping(boxes)
    assert not clashes, _describe(clashes[:5])
    x0, y0, w, h = view_box(parse(svg))
    outside = [b for b in boxes if not b.inside(x0, y0, x0 + w, y0 + h)]
    assert not outside, [(b.text, round(b.x0), round(b.x1)) for b in outside[:5]]
    for (rx, ry, rw, rh), labels in boxed_labels(svg):
        spill = [b for b in labels if not b.inside(rx, ry, rx + rw, ry + rh)]
        assert not spill, [(b.text, round(b.x1 - rx - rw, 1)) for b in spill]


def _describe(pairs: list[tuple[Box, Box]]) -> list[str]:
    return [f"{a.text!r} at ({a.x0:.0f},{a.y0:.0f}) over {b.text!r}" for a, b in pairs]


def _assert_fits(svg: str, own_size: bool = True) -> None:
    """Shrinks to its container (keeping its proportions); with `own_size`, it also fits the
    report's column on a 1,280 px screen at its own size, so nothing shrinks."""
    root = parse(svg)
    style = root.attrib.get("style", "").replace(" ", "")
    assert "max-width:100%" in style and "height:auto" in style
    assert float(root.attrib["width"]) == view_box(root)[2]
    if own_size:
        assert view_box(root)[2] <= COLUMN_PX


def test_split_into_many_cards_has_no_overlapping_labels() -> None:
    svg = money_trail_chart(split_trail())
    _assert_readable(svg)
    assert "not shown" not in svg  # 14 second-level boxes, under the 20 a column shows
    assert "3 transfers" in svg and "2 transfers" in svg


def test_split_into_many_cards_fits_1280_px() -> None:
    trail = split_trail()
    assert 1 + max(h["hop"] for h in trail["hops"]) == 5  # victim, three tiers, cash-out
    _assert_fits(money_trail_chart(trail))
    # Amounts of millions widen the gaps for their labels: the drawing then shrinks a little.
    svg = money_trail_chart(split_trail(big=1000))
    _assert_readable(svg)
    _assert_fits(svg, own_size=False)
    assert view_box(parse(svg))[2] <= 1.15 * COLUMN_PX


def test_long_text_is_cut_short_with_the_whole_in_a_tooltip() -> None:
    svg = money_trail_chart(split_trail())
    shown = [b.text for b in text_boxes(svg)]
    cut = [s for s in shown if s.startswith("(moved through")]
    assert cut and cut[0].endswith("…") and cut[0] != LONG_PLACEHOLDER
    assert any(LONG_PLACEHOLDER in t for t in tooltips(svg))
    assert any(s.startswith("crypto_over") and s.endswith("…") for s in shown)
    assert any(LONG_CHANNEL in t for t in tooltips(svg))
    # Account numbers stay masked, in the labels and the tooltips alike.
    assert "6228000000000000000000000003" not in svg and "6228****0003" in svg


def test_columns_past_twenty_cards_say_what_they_leave_out() -> None:
    svg = money_trail_chart(split_trail(cards=24))
    _assert_readable(svg)
    shown = [b.text for b in text_boxes(svg)]
    assert any(re.fullmatch(r"\+\d+ more, not shown", s) for s in shown), shown[-5:]


def test_money_sent_back_to_the_victim_hides_nothing() -> None:
    trail = sample_trail()
    # The second-level card pays some back into the victim's own account.
    trail["hops"].append(_hop(3, 200, "6228000000004444", "6222020000001111", 1_000_00))
    svg = money_trail_chart(trail)
    _assert_readable(svg)
    for label in ("6222****1111", "6217****2222", "6228****3333", "6228****4444", "Cash-out"):
        assert label in svg
    assert "¥1,000.00" in svg and "not shown" not in svg


def test_long_title_wraps_inside_the_drawing() -> None:
    svg = money_trail_chart(sample_trail("a victim whose name the desk typed out at length " * 4))
    _assert_fits(svg)
    _assert_readable(svg)
    assert sum(b.text.startswith("Money trail") for b in text_boxes(svg)) == 1


def test_report_shows_the_trail_without_sideways_scrolling() -> None:
    text = render_report({"strategies": {}}, {"trail": split_trail()})
    svg = next(s for s in re.findall(r"<svg.*?</svg>", text, re.S) if "Money trail" in s)
    _assert_fits(svg)
    assert "overflow-x" not in text and 'class="scroll"' not in text
    assert f"max-width: {COLUMN_PX}px" in text
    assert COLUMN_PX + PADDING_PX + SCROLLBAR_PX <= SCREEN_PX
    assert re.search(r"figure svg \{ max-width: 100%; height: auto; \}", text)


# Random trails: any number of tiers and cards, shared cards, long ids, placeholders, stops,
# repeated transfers and huge amounts.
_accounts = st.one_of(
    st.from_regex(r"62[0-9]{14,26}", fullmatch=True),
    st.sampled_from(["(re-routed to another card)", LONG_PLACEHOLDER, "x1"]),
)


@st.composite
def trails(draw: st.DrawFn) -> dict[str, Any]:
    """A random trail of up to five tiers, drawn as real trails are: tier by tier."""
    tiers: list[list[str]] = [[draw(st.from_regex(r"62[0-9]{14,20}", fullmatch=True))]]
    hops = []
    held = []
    for hop in range(1, draw(st.integers(1, 5)) + 1):
        senders = tiers[-1]
        n = draw(st.integers(1, 8))
        cards = draw(st.lists(_accounts, min_size=n, max_size=n, unique=True))
        for dst in cards:
            for src in draw(st.lists(st.sampled_from(senders), min_size=1, max_size=3)):
                cash = draw(st.booleans()) and hop > 1
                stop = draw(st.sampled_from([None, "2026-03-03T02:00:00Z", "not a time at all"]))
                hops.append(
                    _hop(
                        hop,
                        draw(st.integers(0, 9 * 24 * 60)),
                        src,
                        None if cash else dst,
                        draw(st.integers(1, 10**13)),
                        channel=draw(st.sampled_from(["atm_cash_out", "pos", LONG_CHANNEL])),
                        stopped_at=stop,
                    )
                )
            if draw(st.booleans()):
                held.append({"account": dst, "amount_fen": draw(st.integers(1, 10**13))})
        tiers.append(cards)
    victim = draw(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=120))
    return {"victim": victim, "fraud_type": "fake_investment", "hops": hops, "held": held}


@settings(max_examples=60, deadline=None)
@given(trails(), st.integers(1, 20))
def test_random_trails_are_readable(trail: dict[str, Any], max_per_column: int) -> None:
    svg = money_trail_chart(trail, max_per_column=max_per_column)
    _assert_readable(svg)
    # Whatever its size, it shrinks to its container rather than spill sideways.
    style = parse(svg).attrib.get("style", "")
    assert "max-width:100%" in style
