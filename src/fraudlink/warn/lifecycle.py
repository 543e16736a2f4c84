"""A warning's life after the desk decides it: dispatch, hand-off, feedback, outcome.

decided → dispatched (sent to the police station, the 96110 desk or the 12381 platform)
→ handed_off (an officer or operator has it) → feedback (the attempt to reach the person was made)
→ closed, with an outcome: dissuaded, already dissuaded (by an earlier warning), already paid,
not a victim, unreachable, or not dissuaded (reached, warned, and paid anyway: the failures the
source document's figures leave out).
A warning may also close as unreachable straight from handed_off. Each step is timed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from fraudlink.model.clock import china_time

STATES = ("decided", "dispatched", "handed_off", "feedback", "closed")
OUTCOMES = (
    "dissuaded",
    "already_dissuaded",
    "already_paid",
    "not_a_victim",
    "unreachable",
    "not_dissuaded",
)
_NEXT = {
    "decided": ("dispatched",),
    "dispatched": ("handed_off",),
    "handed_off": ("feedback", "closed"),
    "feedback": ("closed",),
    "closed": (),
}


class LifecycleError(ValueError):
    """A step the warning's state does not allow."""


@dataclass(frozen=True)
class WarningCase:
    """One warning's state and timed history."""

    action_id: str
    state: str
    history: tuple[tuple[str, datetime], ...] = field(default=())
    outcome: str | None = None

    def at(self, state: str) -> datetime | None:
        """When the warning entered `state`, None if it never did."""
        return next((t for s, t in self.history if s == state), None)


def open_case(action_id: str, decided_at: datetime) -> WarningCase:
    """A freshly decided warning."""
    return WarningCase(action_id, "decided", (("decided", decided_at),))


def advance(case: WarningCase, to: str, at: datetime, outcome: str | None = None) -> WarningCase:
    """Move a warning one step on; closing needs an outcome, and time never runs backwards."""
    if to not in _NEXT[case.state]:
        raise LifecycleError(f"{case.action_id}: cannot go from {case.state} to {to}")
    if case.history and at < case.history[-1][1]:
        last, last_at = case.history[-1]
        raise LifecycleError(f"{case.action_id}: {to} at {_shown(at, last_at)} is before its "
                             f"last step, {last} at {_shown(last_at, at)}")  # fmt: skip
    if (to == "closed") != (outcome is not None):
        raise LifecycleError(f"{case.action_id}: an outcome is given exactly when closing")
    if outcome is not None and outcome not in OUTCOMES:
        raise LifecycleError(f"{case.action_id}: unknown outcome {outcome!r}")
    if to == "closed" and case.state == "handed_off" and outcome != "unreachable":
        raise LifecycleError(f"{case.action_id}: only an unreachable person skips feedback")
    return replace(case, state=to, history=(*case.history, (to, at)), outcome=outcome)


def _shown(t: datetime, other: datetime) -> str:
    # China time to the minute, as the console shows it; to the second when that alone would
    # make the two times of a message read the same.
    fmt = "%Y-%m-%d %H:%M" if china_time(t) != china_time(other) else "%Y-%m-%d %H:%M:%S"
    return f"{china_time(t, fmt)} China time"
