"""Rapid comparison in the engine: what a batch makes known bad, and what it leaves unscreened."""

from __future__ import annotations

import pyarrow as pa

from fraudlink.engine.known import Flags, known_from_batch


def test_a_reported_service_line_is_not_screened_but_a_mobile_is() -> None:
    """A victim names the spoofed 95588 and the gang's mobile: only the mobile is flagged."""
    indicators = pa.table({"report_id": ["R1", "R1", "R1"], "kind": ["phone"] * 3,
                           "value": ["95588", "17012345678", "075583765566"]})  # fmt: skip
    flags = Flags()
    new = known_from_batch({"report_indicators": indicators}, flags, min_confidence=0.8)
    assert sorted(new.phones) == ["075583765566", "17012345678"]
    assert new.phones["17012345678"] == "R1"
