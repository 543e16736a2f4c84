"""The warning lifecycle: dispatch, hand-off, feedback, outcome, in order and in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fraudlink.warn import OUTCOMES, advance, open_case
from fraudlink.warn.lifecycle import LifecycleError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_warning_walks_to_its_outcome() -> None:
    c = open_case("W-1", T0)
    c = advance(c, "dispatched", T0 + timedelta(minutes=2))
    c = advance(c, "handed_off", T0 + timedelta(minutes=3))
    c = advance(c, "feedback", T0 + timedelta(minutes=10))
    c = advance(c, "closed", T0 + timedelta(minutes=10), "dissuaded")
    assert c.state == "closed" and c.outcome == "dissuaded"
    assert c.at("feedback") == T0 + timedelta(minutes=10) and c.at("nowhere") is None
    assert "not_dissuaded" in OUTCOMES
    assert OUTCOMES.index("already_dissuaded") == OUTCOMES.index("dissuaded") + 1


def test_an_unreachable_person_closes_without_feedback_and_nothing_else_does() -> None:
    c = advance(advance(open_case("W-2", T0), "dispatched", T0), "handed_off", T0)
    assert advance(c, "closed", T0, "unreachable").outcome == "unreachable"
    with pytest.raises(LifecycleError, match="skips feedback"):
        advance(c, "closed", T0, "dissuaded")


@pytest.mark.parametrize(
    ("to", "at", "outcome", "message"),
    [
        ("feedback", T0, None, "cannot go"),
        ("dispatched", T0 - timedelta(seconds=1), None, "before"),
        ("dispatched", T0, "dissuaded", "exactly when closing"),
    ],
)
def test_steps_out_of_order_or_time_are_refused(to, at, outcome, message) -> None:
    with pytest.raises(LifecycleError, match=message):
        advance(open_case("W-3", T0), to, at, outcome)


def test_an_unknown_outcome_is_refused() -> None:
    c = advance(advance(open_case("W-4", T0), "dispatched", T0), "handed_off", T0)
    c = advance(c, "feedback", T0)
    with pytest.raises(LifecycleError, match="unknown outcome"):
        advance(c, "closed", T0, "lost")


def test_a_step_back_in_time_is_refused_in_china_time_words() -> None:
    c = advance(open_case("W-5", T0 + timedelta(minutes=10)), "dispatched", T0 + timedelta(hours=1))
    with pytest.raises(LifecycleError) as refused:
        advance(c, "handed_off", T0)
    assert str(refused.value) == ("W-5: handed_off at 2026-03-01 08:00 China time is before its "
                                  "last step, dispatched at 2026-03-01 09:00 China time")
    # Within one minute the seconds tell the two times apart.
    c = advance(open_case("W-6", T0), "dispatched", T0 + timedelta(hours=1, seconds=30))
    with pytest.raises(LifecycleError, match=r"09:00:10 China time .* 09:00:30 China time"):
        advance(c, "handed_off", T0 + timedelta(hours=1, seconds=10))
