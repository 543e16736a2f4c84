"""Look identifier rules up by kind name, or by the prefix of a graph node id."""

from __future__ import annotations

from fraudlink.model.identifiers.app import App
from fraudlink.model.identifiers.base import IdentifierType
from fraudlink.model.identifiers.card import Card
from fraudlink.model.identifiers.domain import Domain
from fraudlink.model.identifiers.idno import Idno
from fraudlink.model.identifiers.imei import Imei
from fraudlink.model.identifiers.ip import Ip
from fraudlink.model.identifiers.mobile import Mobile
from fraudlink.model.identifiers.phone import Phone
from fraudlink.model.identifiers.social import Social
from fraudlink.model.identifiers.url import Url

# The kinds of graph node and indicator: one rule per node-id prefix.
TYPES: tuple[type[IdentifierType], ...] = (Phone, Card, Idno, Imei, Ip, Url, Domain, App, Social)
KINDS: tuple[str, ...] = tuple(t.kind for t in TYPES)

# Narrower rules a table column may declare instead, when it can hold only part of a kind (a
# SIM card's number is a mobile, never 95588). Their values are nodes of the wider kind, with
# its prefix and node ids, so they make no kind of node or indicator of their own and are left
# out of TYPES and KINDS: node ids, indicator kinds and query kinds are unchanged by them.
NARROWER: tuple[type[IdentifierType], ...] = (Mobile,)

# Other names for the same kind. Table columns call an account number `card`; the indicator
# vocabulary (enums.INDICATOR_KINDS) calls it `account`.
ALIASES: dict[str, str] = {"account": "card"}

_BY_KIND: dict[str, type[IdentifierType]] = {t.kind: t for t in (*TYPES, *NARROWER)}


def get(kind: str) -> type[IdentifierType]:
    """The identifier rule for a kind name (or one of its aliases)."""
    try:
        return _BY_KIND[ALIASES.get(kind, kind)]
    except KeyError:
        known = ", ".join(_BY_KIND)
        raise KeyError(f"unknown identifier kind {kind!r}; known: {known}") from None


def node_kind(kind: str) -> str:
    """The kind of node and indicator a column's identifier kind makes: a narrower rule's
    values (a mobile) are nodes of the wider kind (a phone); any other kind is its own."""
    rule = get(kind)
    for wide in TYPES:
        if rule is not wide and issubclass(rule, wide):
            return wide.kind
    return kind


def parse_node_id(node_id: str) -> tuple[type[IdentifierType], str]:
    """The identifier rule and clean value a graph node id names (a mobile's: `Phone`)."""
    head = node_id.partition(":")[0] + ":"
    for t in TYPES:
        if t.prefix == head:
            return t, t.from_node_id(node_id)
    raise ValueError(f"{node_id!r} is not an identifier node id")
