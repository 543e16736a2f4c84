"""Ordinary life in the synthetic city: the honest activity fraud must be found among.

`run_ordinary_life(world)` runs after the crime side and appends, day by day, to the
`transactions`, `calls`, `logins` and `web_events` logs: shopping, bills, salaries, transfers
between acquaintances and between one's own accounts, ATM withdrawals, small businesses passing
money through, second-hand sales, calls and SMS (with riders' and call centres' many short calls),
logins and web visits. Everything is vectorised over whole columns; each part draws from its own
`life:<name>` random stream, so the same seed gives the same events.
"""

from __future__ import annotations

from fraudlink.simulate.life.business import run_business
from fraudlink.simulate.life.calls import run_calls
from fraudlink.simulate.life.contacts import build_circles
from fraudlink.simulate.life.context import build_life
from fraudlink.simulate.life.logins import run_logins
from fraudlink.simulate.life.payments import run_payments
from fraudlink.simulate.life.web import run_web
from fraudlink.simulate.world import World

__all__ = ["run_ordinary_life"]


def run_ordinary_life(world: World) -> None:
    """Append a period of ordinary activity for everyone not acting for a gang."""
    life = build_life(world)
    circles = build_circles(life)
    run_payments(life, circles)
    run_business(life)
    run_calls(life, circles)
    del circles
    run_logins(life)
    run_web(life)
