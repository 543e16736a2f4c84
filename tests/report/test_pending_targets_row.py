"""The results notice shows the gang's targets not yet paid apart from the innocent."""

from __future__ import annotations

from typing import Any

from fraudlink.report import results_table


def _line(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if ln.lstrip().startswith(label))


def test_targets_not_yet_paid_have_their_row_and_outcome(outcomes: dict[str, Any]) -> None:
    full = outcomes["strategies"]["full"]
    full["targets_not_yet_paid_warned"] = 16
    full["warning_outcomes"]["pending_target"] = 22
    text = results_table(outcomes)
    assert _line(text, "Warned while groomed (paying after period)").split()[-1] == "16"
    assert _line(text, "being groomed, pays after the period").split()[-1] == "22"
    # The outcome rows still add up to the outcomes' total.
    total = sum(full["warning_outcomes"].values())
    assert _line(text, "Warning outcomes").split()[-1] == f"{total:,}"
