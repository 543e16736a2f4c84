"""The arena's assumptions: how long the world takes to act on each action, and how people react.

Every figure here is an assumption, not a measurement, so every one is written into
`outcomes.json` beside the results, and each can be changed in the `[arena]` table of the TOML
file given to `fraudlink arena --config` (its other tables change the simulated world):

    [arena.warning.delay_minutes]         # decision to the attempt to reach the person
    visit = 60
    [arena.orders.institution_minutes]    # per institution, overriding orders.delay_minutes
    ALIPAY = 5

Delays are per channel (warnings), per order kind and per institution (stop-payment, freeze), and
per operator (number blocks). Probabilities are per channel.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "warning": {
        # From the desk's decision to the attempt to reach the person, by channel.
        "delay_minutes": {"visit": 60.0, "call_96110": 10.0, "sms_12381": 2.0},
        "dispatch_minutes": 2.0,  # the desk hands the lead to the channel
        # Chance the attempt reaches the person (the door is answered, the phone picked up).
        "reach": {"visit": 0.95, "call_96110": 0.85, "sms_12381": 0.9},
        # Chance a reached victim stops paying. Centres report 81% (a 24/7 call centre) to
        # 99.96% for dissuasion; an SMS is taken to persuade far fewer.
        "dissuade": {"visit": 0.95, "call_96110": 0.8, "sms_12381": 0.3},
    },
    "orders": {
        # From the order's decision to the institution executing it.
        "delay_minutes": {"stop_payment": 20.0, "freeze": 60.0},
        "institution_minutes": {},  # inst_id -> minutes, for every order kind
    },
    "fraudsters": {
        # Once a card is stopped, the gang notices (a transfer out fails) and sends new money,
        # victims' and launderers' alike, to another card: inflows this long after a stop took
        # effect are lost to another, unstopped card instead of being intercepted.
        "reroute_after_minutes": 60.0,
    },
    "numbers": {
        "block_minutes": 30.0,  # operator executes a block
        "operator_minutes": {},  # inst_id -> minutes
        "reverify_hours": 24.0,  # the holder must re-verify in person within this time
        "innocent_reverify": 0.97,  # chance an ordinary holder re-verifies in time
    },
}


class ArenaConfigError(ValueError):
    """A config file the arena cannot use."""


def load_arena_config(path: Path | None = None) -> dict[str, Any]:
    """The defaults, with the `[arena]` table of a TOML file laid over them (unknown keys are
    refused; the file's other tables configure the simulated world)."""
    cfg = copy.deepcopy(DEFAULTS)
    if path is None:
        return cfg
    try:
        user = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ArenaConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ArenaConfigError(f"{path}: not valid TOML: {exc}") from exc
    arena = user.get("arena", {})
    if not isinstance(arena, dict):
        raise ArenaConfigError(f"{path}: 'arena' must be a table")
    _lay(cfg, arena, str(path), "arena")
    return cfg


def _lay(base: dict[str, Any], over: dict[str, Any], origin: str, where: str) -> None:
    free = where.endswith(("institution_minutes", "operator_minutes"))
    for k, v in over.items():
        name = f"{where}.{k}"
        if k not in base and not free:
            raise ArenaConfigError(f"{origin}: unknown setting '{name}'")
        if isinstance(v, dict):
            if not isinstance(base.get(k), dict):
                raise ArenaConfigError(f"{origin}: '{name}' is a value, not a table")
            _lay(base[k], v, origin, name)
            continue
        if isinstance(base.get(k), dict):
            raise ArenaConfigError(f"{origin}: '{name}' is a table of settings, not a value")
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ArenaConfigError(f"{origin}: '{name}' must be a number")
        share = k == "innocent_reverify" or where.endswith(("reach", "dissuade"))
        if v < 0 or (share and v > 1):
            raise ArenaConfigError(f"{origin}: '{name}' = {v} is out of range")
        base[k] = float(v)
