"""The plain-text results notice: columns, money, shares and targets."""

from __future__ import annotations

import copy
from typing import Any

from fraudlink.report import results_table
from fraudlink.report.results_table import percent, yuan


def _line(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if ln.lstrip().startswith(label))


def test_strategies_are_columns_in_the_order_given(outcomes: dict[str, Any]) -> None:
    text = results_table(outcomes)
    header = next(ln for ln in text.splitlines() if "first_level_on_report" in ln)
    names = header.split()
    assert names == ["none", "first_level_on_report", "tracing_on_report", "full"]


def test_money_is_yuan_with_separators(outcomes: dict[str, Any]) -> None:
    text = results_table(outcomes)
    assert "1,234,567.89" in _line(text, "Intercepted (止付冻结拦截)")
    assert "6,887,493.77" in _line(text, "Fraud loss in the world")
    assert yuan(123_456_789) == "1,234,567.89"
    assert yuan(-5, symbol=True) == "-¥0.05"
    assert yuan(None) == "–"


def test_share_prevented_or_intercepted(outcomes: dict[str, Any]) -> None:
    line = _line(results_table(outcomes), "Prevented or intercepted, % of loss")
    # full: (150,000,000 + 210,000,000) / 688,749,377 = 52.27 %; first level: 17.92 %.
    assert line.split()[-4:] == ["0.0%", "17.9%", "29.0%", "52.3%"]


def test_targets_show_met_and_not_met(outcomes: dict[str, Any]) -> None:
    text = results_table(outcomes)
    assert "NOT MET  innocent accounts stopped: measured 0.010%" in text
    assert "MET      loss prevented or intercepted: measured 52.3%" in text


def test_small_shares_and_missing_figures() -> None:
    assert percent(9, 87_000) == "0.01%"
    assert percent(1, 0) == "–"
    text = results_table({"strategies": {"none": {}}})
    assert "none" in text
    assert "Targets" not in text


def test_innocent_rows_count_and_share(outcomes: dict[str, Any]) -> None:
    line = _line(results_table(outcomes), "Innocent accounts stopped (% of 87,000)")
    assert "9 (0.01%)" in line
    missing = copy.deepcopy(outcomes)
    missing["strategies"]["full"]["median_minutes_first_payment_to_first_order"] = None
    speed = _line(results_table(missing), "Median minutes")
    assert speed.split()[-4:] == ["–", "37.5", "37.5", "–"]
    held = _line(results_table(missing), "over reported victims whose money an order held")
    assert held.split()[-4:] == ["0", "14", "14", "14"]


def test_warnings_already_dissuaded_are_apart_from_already_paid(outcomes: dict[str, Any]) -> None:
    text = results_table(outcomes)
    assert _line(text, "already dissuaded (by an earlier warning)").split()[-1] == "2"
    assert _line(text, "already paid").split()[-1] == "3"
