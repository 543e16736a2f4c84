"""What the engine is allowed to do: the strategies the arena compares on one world.

- `none`: no system at all; the engine decides nothing.
- `first_level_on_report`: when a victim reports, freeze the accounts the victim paid into (the
  first-level cards), as most centres did before multi-hop tracing.
- `tracing_on_report`: when a victim reports, trace the money hop by hop and stop payment on every
  account holding it; follow the report for three days, re-tracing as the money moves.
- `full`: the whole system: tracing, plus rapid comparison of every identifier, SIM and mule
  scores, number blocks and re-verification, freezes of seized and confirmed cards, target
  packages, and early warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """The engine's switches and cadences."""

    name: str
    freeze_first_level: bool = False
    trace_on_report: bool = False
    warn: bool = False
    detect: bool = False
    follow_up: timedelta = timedelta(hours=72)
    retrace_every: timedelta = timedelta(minutes=30)  # the fund-control tick
    detect_every: timedelta = timedelta(hours=24)  # SIM scores, blocks, re-verification
    accounts_every: timedelta = timedelta(days=7)  # mule scores (the costliest step)
    rings_every: timedelta = timedelta(days=7)
    # SIM score from which calls from the number count as evidence: above the detector's own
    # 0.5, because early in a period call centres and riders pass 0.5 for a day or two.
    sim_flag: float = 0.8
    sim_block: float = 0.9  # SIM score from which the number is blocked outright
    account_flag: float = 0.5  # mule score from which payments into the account are evidence
    known_flag_confidence: float = 0.8  # a member's flag counts as known bad from this confidence

    @property
    def acts(self) -> bool:
        """Whether the engine decides anything at all."""
        return self.freeze_first_level or self.trace_on_report or self.warn or self.detect


STRATEGIES: dict[str, Policy] = {
    "none": Policy("none"),
    "first_level_on_report": Policy("first_level_on_report", freeze_first_level=True),
    "tracing_on_report": Policy("tracing_on_report", trace_on_report=True),
    "full": Policy("full", trace_on_report=True, warn=True, detect=True),
}
