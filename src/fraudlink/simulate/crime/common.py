"""Shared vocabulary codes, shape constants and time helpers of the crime simulator.

The constants below are the few shapes the config does not set (spreads of log-normal delays,
gang sizes, how many devices a den holds). They are named here, in one place, so a reader can
find every number the crime side uses without a config key.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import (
    ACCOUNT_ROLES,
    FRAUD_TYPES,
    PERSON_ROLES,
    SIM_ROLES,
    TRANSACTION_CHANNELS,
)
from fraudlink.simulate.world import CHINA_OFFSET_US, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE

IntArray = npt.NDArray[np.int64]

PERSON_ROLE = {r: i for i, r in enumerate(PERSON_ROLES)}
ACCOUNT_ROLE = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM_ROLE = {r: i for i, r in enumerate(SIM_ROLES)}
CHANNEL = {c: i for i, c in enumerate(TRANSACTION_CHANNELS)}
TYPE_NAMES: tuple[str, ...] = tuple(FRAUD_TYPES)
TIER_ROLE = {1: ACCOUNT_ROLE["mule_l1"], 2: ACCOUNT_ROLE["mule_l2"], 3: ACCOUNT_ROLE["mule_l3"]}
CALL, SMS = 0, 1
VISIT, INSTALL = 0, 1
BANK_LOGIN, PLATFORM_LOGIN = 0, 1

# Log-normal spreads (sigma of the log) of delays and amounts whose medians the config sets.
DURATION_SIGMA = 0.8  # first contact -> first payment
GAP_SIGMA = 0.7  # between a victim's payments
AMOUNT_SIGMA = 0.8  # a victim's payment
HOLD_SIGMA = 0.5  # money waiting on a mule card
LIFETIME_SIGMA = 0.25  # days a mule card is used
CONFIRM_SIGMA = 0.6  # report -> case confirmation
FLAG_SIGMA = 0.6  # first fraud use -> member flag
CAMOUFLAGE_IN_YUAN = 200.0  # median camouflage transfer from an acquaintance
CAMOUFLAGE_OUT_YUAN = 60.0  # median camouflage payment to a merchant
CAMOUFLAGE_SIGMA = 0.8
ROUND_AMOUNT_SHARE = 0.6  # victims' payments that are round sums
WALLET_PAYMENT_SHARE = 0.2  # victims' payments made from a payment-firm wallet
CORPORATE_KIT_SHARE = 0.25  # third-level cards that are corporate account kits (对公账户)
BULK_INSIDER_SHARE = 0.8  # SIM-box cards registered through the ring's insider shop, if any
INSIDER_BURST_SPACING_DAYS = 7  # an insider opens kits on one day in about this many
SIM_CAP_PER_IDNO = 5  # 一证五号: at most five phone cards per identity
ANSWERED_DIAL_SHARE = 0.35  # dial attempts that are answered (briefly)
DIAL_SMS_SHARE = 0.3  # dial attempts sent as SMS
FRAUD_CALL_MEDIAN_S = 480.0  # first contact call
FOLLOW_UP_MEDIAN_S = 600.0  # a further call in an episode
DIAL_MEDIAN_S = 12.0  # an answered dial attempt before the callee hangs up
GANG_FRAUDSTERS = (3, 8)  # range of fraudsters (话务员) in a gang
GANG_LAUNDERERS = (1, 2)  # range of launderers (水房)
GANG_RUNNERS = (2, 4)  # range of cash-out runners (车手)
GANG_COMPUTERS = (2, 5)  # computers in a gang den
RING_PHONES, RING_COMPUTERS = 2, 1  # the dealer's shared handsets and computers
PLATFORM_ACCOUNTS_PER_GANG = 3
DOMAINS_PER_GANG = 2
APPS_PER_GANG = 2
DEN_SPREAD_DEG = 0.02  # den distance from the district centre (degrees)


def china_day(us: npt.ArrayLike) -> IntArray:
    """Day number (days since the epoch) in China time of UTC microsecond times."""
    return (np.asarray(us, dtype=np.int64) + CHINA_OFFSET_US) // US_PER_DAY


def at_china_hour(day: npt.ArrayLike, hour: npt.ArrayLike) -> IntArray:
    """UTC microseconds of a China-time day number and a (fractional) local hour."""
    h = np.asarray(hour, dtype=np.float64)
    return (
        np.asarray(day, dtype=np.int64) * US_PER_DAY
        + (h * US_PER_HOUR).astype(np.int64)
        - CHINA_OFFSET_US
    )


def lognormal_us(
    rng: np.random.Generator, median_us: npt.ArrayLike, sigma: float, n: int
) -> IntArray:
    """Log-normal durations in microseconds around a median (at least one second)."""
    med = np.maximum(np.asarray(median_us, dtype=np.float64), 1.0)
    return np.maximum(rng.lognormal(np.log(med), sigma, n), 1e6).astype(np.int64)


def hours(h: float) -> int:
    """Microseconds in h hours."""
    return int(h * US_PER_HOUR)


def minutes(m: float) -> int:
    """Microseconds in m minutes."""
    return int(m * US_PER_MINUTE)


def rhythm_times(
    rng: np.random.Generator,
    n: int,
    start_us: int,
    end_us: int,
    mean_hour: float = 14.0,
    sd_hour: float = 3.5,
    weekend: float = 0.8,
) -> IntArray:
    """Times in [start, end) on weekday-weighted days at daytime China hours."""
    first, last = int(china_day(start_us)), int(china_day(end_us - 1))
    days = np.arange(first, last + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    w = np.where(weekday >= 5, weekend, 1.0)
    out = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    for _ in range(20):
        if not len(todo):
            break
        d = days[rng.choice(len(days), len(todo), p=w / w.sum())]
        h = np.clip(rng.normal(mean_hour, sd_hour, len(todo)), 7.5, 23.5)
        t = at_china_hour(d, h) + rng.integers(0, 60_000_000, len(todo))
        out[todo] = t
        todo = todo[(t < start_us) | (t >= end_us)]
    out[todo] = rng.integers(start_us, end_us, len(todo))
    return out


def business_hour_times(rng: np.random.Generator, day: npt.ArrayLike) -> IntArray:
    """Times during opening hours (09:00-17:30 China time) on the given China-time days."""
    d = np.asarray(day, dtype=np.int64)
    return at_china_hour(d, rng.uniform(9.0, 17.5, len(d)))


def rows_in(times: npt.ArrayLike, start_us: int, end_us: int) -> npt.NDArray[np.bool_]:
    """Which times fall inside the period [start, end)."""
    t = np.asarray(times, dtype=np.int64)
    return (t >= start_us) & (t < end_us)


def round_yuan(rng: np.random.Generator, fen: IntArray, share: float) -> IntArray:
    """Make `share` of amounts round sums (to 100 yuan, or 1,000 yuan when large)."""
    fen = np.asarray(fen, dtype=np.int64).copy()
    r = rng.random(len(fen)) < share
    unit = np.where(fen >= 1_000_000, 100_000, 10_000)  # 1,000 / 100 yuan in fen
    rounded = np.maximum(np.round(fen / unit) * unit, 10_000).astype(np.int64)
    fen[r] = rounded[r]
    return fen


def split_amount(rng: np.random.Generator, total: int, parts: int, unit: int = 100) -> list[int]:
    """Split `total` fen into `parts` positive random pieces, each a multiple of `unit`
    except the last, which takes the remainder."""
    if parts <= 1 or total < parts * unit * 2:
        return [total]
    w = rng.dirichlet(np.full(parts, 2.0))
    pieces = (np.floor(w * total / unit) * unit).astype(np.int64)
    pieces = np.maximum(pieces, unit)
    pieces[-1] = total - int(pieces[:-1].sum())
    if pieces[-1] <= 0:
        return [total]
    return [int(x) for x in pieces]


__all__ = ["US_PER_DAY", "US_PER_HOUR", "US_PER_MINUTE"]
