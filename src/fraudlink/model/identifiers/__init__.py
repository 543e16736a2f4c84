"""Identifier rules: clean, validate and name the numbers, cards and addresses fraud leaves behind.

One small class per kind, in the spirit of FollowTheMoney's property types. Each has ``clean``
for one value, ``clean_array`` for a whole ingested column, ``validate`` and ``node_id``::

    >>> from fraudlink.model import identifiers
    >>> identifiers.get("phone").clean("+86 138-1234-5678")
    '13812345678'
    >>> identifiers.Phone.node_id("13812345678")
    'tel:+8613812345678'

A column that can hold only a mobile (a SIM card's number) declares the narrower ``mobile``,
which refuses a service code but names a mobile exactly as ``phone`` does::

    >>> identifiers.get("mobile").clean("95588") is None
    True
    >>> identifiers.get("mobile").node_id("13812345678")
    'tel:+8613812345678'
"""

from fraudlink.model.identifiers.app import App
from fraudlink.model.identifiers.base import IdentifierType
from fraudlink.model.identifiers.card import Card
from fraudlink.model.identifiers.domain import Domain
from fraudlink.model.identifiers.idno import Idno
from fraudlink.model.identifiers.imei import Imei
from fraudlink.model.identifiers.ip import Ip
from fraudlink.model.identifiers.mobile import Mobile
from fraudlink.model.identifiers.phone import PREFIXES_BY_OPERATOR, Phone
from fraudlink.model.identifiers.registry import (
    ALIASES,
    KINDS,
    NARROWER,
    TYPES,
    get,
    node_kind,
    parse_node_id,
)
from fraudlink.model.identifiers.social import Social
from fraudlink.model.identifiers.url import Url

__all__ = [
    "ALIASES",
    "KINDS",
    "NARROWER",
    "PREFIXES_BY_OPERATOR",
    "TYPES",
    "App",
    "Card",
    "Domain",
    "IdentifierType",
    "Idno",
    "Imei",
    "Ip",
    "Mobile",
    "Phone",
    "Social",
    "Url",
    "get",
    "node_kind",
    "parse_node_id",
]
