"""Each person's circle of acquaintances: mostly neighbours of the same cell and district.

People are ordered by district, home cell and a random key; each links forward to a few people a
short random distance further along that order (so mostly the same cell, sometimes a neighbouring
cell of the district), and a share link to anyone in the city (family, colleagues elsewhere). Links
are mutual, so circles average `contacts_per_person`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudlink.simulate.life.context import I32, I64, Life

# Share of acquaintances who live anywhere in the city rather than nearby.
FAR_SHARE = 0.15
# Typical distance along the district/cell order, as a share of the people in one cell.
NEAR_SPREAD = 0.3


@dataclass
class Circles:
    """Acquaintances in compressed rows: those of i are nbr[start[i]:start[i] + deg[i]]."""

    start: I64
    deg: I64
    nbr: I32

    def pick(self, rng: np.random.Generator, persons: I64) -> I64:
        """An acquaintance of each person (some more often than others); -1 if none."""
        deg = self.deg[persons]
        # Squaring the draw makes the first few contacts of each circle the most frequent.
        k = (rng.random(len(persons)) ** 2 * deg).astype(np.int64)
        pos = np.minimum(self.start[persons] + k, max(len(self.nbr) - 1, 0))
        if not len(self.nbr):
            return np.full(len(persons), -1, dtype=np.int64)
        return np.where(deg > 0, self.nbr[pos], -1).astype(np.int64)


def build_circles(life: Life) -> Circles:
    """Mutual acquaintance links of `contacts_per_person` on average, vectorised."""
    rng = life.world.rng("life:contacts")
    n = life.n_persons
    k = life.cfg.contacts_per_person
    if n < 2 or k <= 0:
        return Circles(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(0, np.int32))
    order = np.lexsort((rng.random(n), life.home_cell, life.district))
    # Each link serves both ends, so each person starts k/2 links on average.
    forward = np.full(n, k // 2, dtype=np.int64) + (rng.random(n) < (k % 2) / 2)
    src_pos = np.repeat(np.arange(n, dtype=np.int64), forward)
    m = len(src_pos)
    per_cell = n / max(len(life.cells), 1)
    offset = 1 + rng.exponential(max(per_cell * NEAR_SPREAD, 2.0), m).astype(np.int64)
    far = rng.random(m) < FAR_SHARE
    offset[far] = rng.integers(1, n, int(far.sum()))
    dst_pos = (src_pos + offset) % n
    src = order[src_pos]
    dst = order[dst_pos]
    both_src = np.concatenate([src, dst])
    both_dst = np.concatenate([dst, src])
    del src, dst, src_pos, dst_pos, offset
    by_src = np.argsort(both_src, kind="stable")
    nbr = both_dst[by_src].astype(np.int32)
    deg = np.bincount(both_src, minlength=n).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(deg)[:-1]]).astype(np.int64)
    return Circles(start, deg, nbr)
