"""Handset serial numbers (IMEI): the device behind SIM-card rotation and SIM boxes."""

from __future__ import annotations

from typing import ClassVar

from fraudlink.model.identifiers.luhn import LuhnNumber


class Imei(LuhnNumber):
    """A 15-digit IMEI: 8-digit type allocation code, 6-digit serial, Luhn check digit.

    The 14-digit form without a check digit and the 16-digit IMEISV are rejected: neither can be
    checked, and operators' CDRs carry the full 15 digits.
    """

    kind: ClassVar[str] = "imei"
    prefix: ClassVar[str] = "imei:"
    min_len: ClassVar[int] = 15
    max_len: ClassVar[int] = 15
