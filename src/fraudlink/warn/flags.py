"""What the warning desk screens against: identifiers flagged as fraud, with how sure we are.

A flag is either known (a report, a case, a seizure, a member's flag: the rapid-comparison
index) or suspected (a detector's score over its threshold). Screening a batch is one hash probe
per column (`pyarrow.compute.index_in`), not a Python lookup per event.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class FlagSet:
    """Flagged values of one kind (numbers, accounts, URLs, apps), each with a score and
    whether it is known bad rather than suspected."""

    def __init__(self) -> None:
        self._score: dict[str, float] = {}
        self._known: set[str] = set()
        self._by_source: dict[str, dict[str, float]] = {}
        self._values: pa.Array | None = None

    def mark_known(self, values: Iterable[str]) -> int:
        """Flag values as known bad (score 1); how many were new."""
        new = 0
        for v in values:
            if v and v not in self._known:
                self._known.add(v)
                self._score[v] = 1.0
                new += 1
        if new:
            self._values = None
        return new

    def set_suspected(self, scores: dict[str, float], source: str = "detector") -> None:
        """Replace one detector's suspected values by its latest scores (known ones stay)."""
        self._by_source[source] = dict(scores)
        self._rebuild()

    def add_suspected(self, scores: dict[str, float], source: str) -> int:
        """Add suspected values from one detector, keeping its earlier ones; how many were new."""
        mine = self._by_source.setdefault(source, {})
        new = [v for v in scores if v not in self._score]
        mine.update(scores)
        if new:
            self._rebuild()
        return len(new)

    def _rebuild(self) -> None:
        score: dict[str, float] = {}
        for scores in self._by_source.values():
            for v, s in scores.items():
                if s > score.get(v, 0.0):
                    score[v] = s
        score.update(dict.fromkeys(self._known, 1.0))
        self._score = score
        self._values = None

    def __contains__(self, value: object) -> bool:
        return value in self._score

    def __len__(self) -> int:
        return len(self._score)

    def is_known(self, value: str) -> bool:
        """Whether a value is known bad (not only suspected)."""
        return value in self._known

    def score(self, value: str) -> float:
        """The value's score, 0 when it is not flagged."""
        return self._score.get(value, 0.0)

    def probe(self, column: pa.Array | pa.ChunkedArray) -> tuple[BoolArray, FloatArray, BoolArray]:
        """Per row of `column`: flagged?, its score, known bad?"""
        n = len(column)
        if not self._score or n == 0:
            return np.zeros(n, bool), np.zeros(n), np.zeros(n, bool)
        if self._values is None:
            keys = list(self._score)
            self._values = pa.array(keys, pa.string())
            self._scores = np.array([self._score[k] for k in keys])
            self._known_arr = np.array([k in self._known for k in keys])
        idx = pc.index_in(column, value_set=self._values)
        hit = np.asarray(pc.is_valid(idx).to_numpy(zero_copy_only=False), dtype=bool)
        pos = np.asarray(pc.fill_null(idx, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        return hit, np.where(hit, self._scores[pos], 0.0), hit & self._known_arr[pos]
