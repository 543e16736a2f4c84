"""Look identifier rules up by kind name, or by the prefix of a graph node id."""

from __future__ import annotations

from fraudlink.model.identifiers.app import App
from fraudlink.model.identifiers.base import IdentifierType
from fraudlink.model.identifiers.card import Card
from fraudlink.model.identifiers.domain import Domain
from fraudlink.model.identifiers.idno import Idno
from fraudlink.model.identifiers.imei import Imei
from fraudlink.model.identifiers.ip import Ip
from fraudlink.model.identifiers.phone import Phone
from fraudlink.model.identifiers.social import Social
from fraudlink.model.identifiers.url import Url

TYPES: tuple[type[IdentifierType], ...] = (Phone, Card, Idno, Imei, Ip, Url, Domain, App, Social)
KINDS: tuple[str, ...] = tuple(t.kind for t in TYPES)

# Other names for the same kind. Table columns call an account number `card`; the indicator
# vocabulary (enums.INDICATOR_KINDS) calls it `account`.
ALIASES: dict[str, str] = {"account": "card"}

_BY_KIND: dict[str, type[IdentifierType]] = {t.kind: t for t in TYPES}


def get(kind: str) -> type[IdentifierType]:
    """The identifier rule for a kind name (or one of its aliases)."""
    try:
        return _BY_KIND[ALIASES.get(kind, kind)]
    except KeyError:
        raise KeyError(f"unknown identifier kind {kind!r}; known: {', '.join(KINDS)}") from None


def parse_node_id(node_id: str) -> tuple[type[IdentifierType], str]:
    """The identifier rule and clean value a graph node id names."""
    head = node_id.partition(":")[0] + ":"
    for t in TYPES:
        if t.prefix == head:
            return t, t.from_node_id(node_id)
    raise ValueError(f"{node_id!r} is not an identifier node id")
