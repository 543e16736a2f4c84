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


def test_a_phone_value_an_older_store_kept_unread_is_flagged_as_it_is() -> None:
    """Migration 6 keeps values it cannot read ('110', a note beside a number): no crash."""
    indicators = pa.table({"report_id": ["R2", "R2"], "kind": ["phone"] * 2,
                           "value": ["110", "+86 138-0013-8000 (wife)"]})  # fmt: skip
    new = known_from_batch({"report_indicators": indicators}, Flags(), min_confidence=0.8)
    assert sorted(new.phones) == ["+86 138-0013-8000 (wife)", "110"]


def test_a_detector_never_suspects_a_service_line() -> None:
    """12381 sends the centre's warning SMS in bursts; the detectors' flags leave it out."""
    flags = Flags()
    assert flags.suspect_numbers({"12381": 0.95, "17012345678": 0.91}, "bursts", replace=False) == 1
    flags.suspect_numbers({"96110": 0.99, "17099999999": 0.9}, "sim_scores", replace=True)
    assert "12381" not in flags.phones and "96110" not in flags.phones
    assert "17012345678" in flags.phones and "17099999999" in flags.phones
    assert len(flags.phones) == 2
