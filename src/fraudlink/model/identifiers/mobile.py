"""Mainland mobile numbers alone: the number of a SIM card, a reserved phone, a bound account.

A SIM card's number, the mobile a bank holds for its customer (预留手机号) and the one a
platform binds an account to are mobiles by their nature: a service code (95588), a 400/800
number or a landline in such a column is a mistake in the feed, not a number to link on. Calls
and reports keep the wider `Phone`, since gangs call from, and victims name, all of those.

The clean form and the node id are those `Phone` gives a mobile (``13812345678``,
``tel:+8613812345678``), so a column judged by this rule joins and links exactly as before; a
mobile's node is a phone node, and `registry.parse_node_id` names it as `Phone`'s.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from fraudlink.model.identifiers.phone import (
    Phone,
    compact_array,
    compact_mobile,
    mobile_of,
    mobiles_of,
)


class Mobile(Phone):
    """An 11-digit mainland mobile number on a listed network prefix, and nothing else."""

    kind: ClassVar[str] = "mobile"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The 11-digit mobile number, or None if the value is not one (a service code, a
        400/800 number and a landline are not)."""
        s = compact_mobile(value)
        return None if s is None else mobile_of(s)

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        return mobiles_of(compact_array(arr))[0]

    @classmethod
    def from_node_id(cls, node_id: str) -> str:
        """The mobile number a ``tel:`` node id names; ValueError for any other phone's node."""
        value = Phone.from_node_id(node_id)
        if not cls.validate(value):
            raise ValueError(f"{node_id!r} is not a mobile node id")
        return value
