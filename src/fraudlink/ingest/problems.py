"""The quarantine of one file: which rows failed, on which field, with what value, and why."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

BoolArray = npt.NDArray[np.bool_]


class Problems:
    """Failures found in one file, collected column by column over whole arrays."""

    def __init__(self, n_rows: int) -> None:
        self.n = n_rows
        self.bad = np.zeros(n_rows, dtype=bool)
        self.by_field: dict[str, BoolArray] = {}
        self._parts: list[pa.Table] = []

    def add(
        self, failing: BoolArray, field: str, values: pa.Array | pa.ChunkedArray, reason: str
    ) -> None:
        """Record the rows where `failing` is true, with the field's original values."""
        failing = np.asarray(failing, dtype=bool)
        if not failing.any():
            return
        rows = np.flatnonzero(failing)
        self.bad |= failing
        self.by_field[field] = self.by_field.get(field, np.zeros(self.n, dtype=bool)) | failing
        shown = values.take(pa.array(rows)) if len(values) else pa.nulls(len(rows))
        if not pa.types.is_string(shown.type):
            shown = (
                pc.cast(
                    shown.combine_chunks() if isinstance(shown, pa.ChunkedArray) else shown,
                    pa.string(),
                    safe=False,
                )
                if not pa.types.is_dictionary(shown.type)
                else pc.cast(shown.dictionary_decode(), pa.string())
            )
        self._parts.append(
            pa.table(
                {
                    "row_number": pa.array(rows + 1, pa.int64()),
                    "field": pa.array([field] * len(rows), pa.string()),
                    "value": shown,
                    "reason": pa.array([reason] * len(rows), pa.string()),
                }
            )
        )

    def add_row_problem(self, failing: BoolArray, field: str, reason: str) -> None:
        """Record rows failing a check that has no single original value (e.g. a key clash)."""
        self.add(failing, field, pa.nulls(self.n, pa.string()), reason)

    def flagged(self, field: str) -> BoolArray:
        """Rows already recorded as failing on this field."""
        return self.by_field.get(field, np.zeros(self.n, dtype=bool))

    @property
    def rows_quarantined(self) -> int:
        """Number of distinct rows with at least one problem."""
        return int(self.bad.sum())

    def table(self) -> pa.Table:
        """All problems, one row per (row, field), ordered by row number."""
        if not self._parts:
            return pa.table(
                {
                    "row_number": pa.array([], pa.int64()),
                    "field": pa.array([], pa.string()),
                    "value": pa.array([], pa.string()),
                    "reason": pa.array([], pa.string()),
                }
            )
        t = pa.concat_tables(self._parts)
        return t.sort_by([("row_number", "ascending")])
