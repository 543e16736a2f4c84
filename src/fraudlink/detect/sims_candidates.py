"""Which SIM cards could reach a score floor, from counts already in memory, before any SQL.

The engine asks each day only for the SIMs scoring at least 0.8, a few hundred of 1.3 M at city;
joining every card to its call figures by number in SQL cost about a second a day there. Each
signal of the score (`sims.WEIGHTS`) is bounded here from the SIM book's per-number counts and
the cards registered so far, in NumPy over integer ids, and only the cards whose bound reaches
the floor go to the scoring SQL, which then computes their scores exactly as before. A bound is
never below the score: the call figures are the same counts the SQL reads, the victim contacts
count at their most, and a margin covers the rounding of the SQL's own arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.sims import BIAS, WEIGHTS
from fraudlink.store import Store
from fraudlink.store.arrays import NO_ID, IntArray, column_us, grown, sorted_distinct
from fraudlink.store.string_ids import StringIds

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

LOGIT_MARGIN = 1e-3
"""Logit units the bound may fall short of the floor by and still let a card through: far above
the SQL's rounding (about 1e-15) and the whole-second card age (2e-7), far below any signal."""

_DAY_S = 86_400.0
_NEVER_US = np.iinfo(np.int64).max


@dataclass(frozen=True)
class CallFigures:
    """Per-number call counts of the SIM book, by its number ids (`first_us`: first outgoing call,
    epoch µs, meaningful where `n_out` > 0)."""

    n_out: IntArray
    n_days: IntArray
    n_callees: IntArray
    n_short: IntArray
    n_in: IntArray
    n_cells: IntArray
    first_us: IntArray


def floor_logit(at_least: float) -> float | None:
    """The logit of a score floor, or None when every card (or none) reaches it as a bound."""
    if not 0.0 < at_least < 1.0:
        return None
    return math.log(at_least / (1.0 - at_least))


def _clip01(x: FloatArray) -> FloatArray:
    return np.minimum(np.maximum(x, 0.0), 1.0)


def _at(per_id: IntArray, ids: IntArray, missing: int = 0) -> IntArray:
    """A per-id count for each of `ids`, `missing` for NO_ID."""
    if not len(per_id):
        return np.full(len(ids), missing, np.int64)
    known = ids != NO_ID
    return np.where(known, per_id[np.where(known, ids, 0)], missing)


def behaviour_logit(f: CallFigures, ids: IntArray) -> FloatArray:
    """The call signals' part of the logit for numbers `ids` (NO_ID: no calls), as `sims`'s SQL
    computes it: volume, fan-out, short calls, no incoming calls, one or two cells."""
    n_out = _at(f.n_out, ids).astype(np.float64)
    calls = n_out > 0
    safe = np.where(calls, n_out, 1.0)
    conf = np.minimum(n_out / 50.0, 1.0)
    per_day = np.where(calls, n_out / np.maximum(_at(f.n_days, ids), 1), 0.0)
    short_share = np.where(calls, _at(f.n_short, ids) / safe, 0.0)
    cells = _at(f.n_cells, ids)
    signals = {
        "volume": _clip01((per_day - 5) / 20.0),
        "fanout": _clip01((_at(f.n_callees, ids) - 20) / 180.0),
        "short": conf * _clip01((short_share - 0.5) / 0.4),
        "no_incoming": conf * (1 - np.minimum(_at(f.n_in, ids) / 5.0, 1.0)),
        "stationary": conf * ((cells >= 1) & (cells <= 2)),
    }
    return sum((WEIGHTS[k] * v for k, v in signals.items()), np.zeros(len(ids)))


class CardRegister:
    """The SIM cards registered so far (read once each from an append-only `sim_cards`), with
    their number's id in the SIM book, their handset's id and registration time."""

    def __init__(self) -> None:
        self.seen = 0
        self.msisdn: list[pa.Array] = []
        self._devices = StringIds()
        self._device = np.empty(0, np.int64)
        self._registered_us = np.empty(0, np.int64)
        self._number = np.empty(0, np.int64)  # the book's id of the number, NO_ID if not yet

    def update(self, store: Store) -> None:
        """Read the cards registered since the last update."""
        total = store.count("sim_cards")
        if total < self.seen:
            raise ValueError("SIM cards were deleted: the card register needs an append-only store")
        if total == self.seen:
            return
        t = store.arrow(
            "select msisdn, registered_at, device_imei from sim_cards "
            f"where rowid >= {self.seen} and rowid < {total}"
        )
        if t.num_rows != total - self.seen:
            raise ValueError("sim_cards rows are not numbered 0..n-1: is a transaction open?")
        self.msisdn.append(t["msisdn"].combine_chunks().cast(pa.string()))
        us, valid = column_us(t["registered_at"])
        self._registered_us = np.concatenate([self._registered_us, np.where(valid, us, _NEVER_US)])
        self._device = np.concatenate([self._device, self._devices.ids(t["device_imei"])])
        self._number = grown(self._number, total, NO_ID)
        self.seen = total

    def numbers(self, book_ids: StringIds) -> pa.Array:
        """Every card's number, resolving to `book_ids` those not seen in a call before."""
        if len(self.msisdn) != 1:
            self.msisdn = [pa.concat_arrays([pa.array([], pa.string()), *self.msisdn])]
        numbers = self.msisdn[0]
        todo = np.flatnonzero(self._number == NO_ID)
        if len(todo):
            self._number[todo] = book_ids.ids(numbers.take(pa.array(todo)), add=False)
        return numbers

    def candidates(
        self, store: Store, book_ids: StringIds, figures: CallFigures, as_of_us: int,
        bad: pa.Array, logit: float,
    ) -> tuple[pa.Array, IntArray]:  # fmt: skip
        """The distinct numbers of cards registered by `as_of_us` whose score bound reaches
        `logit`, and the distinct ids in `book_ids` of those it holds; `bad`: the numbers known
        bad by then."""
        self.update(store)
        numbers = self.numbers(book_ids)
        live = self._registered_us <= as_of_us
        # Cards per handset among the registered ones; a card with no handset counts as one.
        dev = self._device
        has = live & (dev != NO_ID)
        k = _at(np.bincount(dev[has], minlength=len(self._devices)), dev, missing=1)
        ids = self._number
        bound = BIAS + behaviour_logit(figures, ids)
        bound += WEIGHTS["shared_device"] * _clip01((k - 1) / 4.0)
        called = _at(figures.n_out, ids) > 0
        first = _at(figures.first_us, ids)
        age_days = (first - self._registered_us) / 1e6 / _DAY_S
        bound += WEIGHTS["new_card"] * np.where(called, np.maximum(1 - age_days / 90.0, 0.0), 0.0)
        bound += WEIGHTS["victim_contacts"]  # at most one: every callee a victim
        known_bad = np.asarray(pc.fill_null(pc.is_in(numbers, value_set=bad), False), bool)
        bound += WEIGHTS["known_bad"] * known_bad
        keep = live & (bound >= logit - LOGIT_MARGIN)
        held = ids[keep]
        return pc.unique(numbers.filter(pa.array(keep))), sorted_distinct(held[held != NO_ID])
