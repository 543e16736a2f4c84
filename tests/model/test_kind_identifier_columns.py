"""Columns whose identifier kind is named row by row by another column (`identifier_by`)."""

from __future__ import annotations

import pytest

from fraudlink.model import identifiers
from fraudlink.model.enums import INDICATOR_KINDS, SEIZED_ITEM_KINDS
from fraudlink.model.schema import Column, Table
from fraudlink.model.tables import ALL_TABLES

BY_KIND = {(t.name, c.name): c for t in ALL_TABLES.values() for c in t.columns if c.identifier_by}


def test_the_indicator_and_seizure_columns_declare_their_kind_column() -> None:
    assert {k: c.identifier_by for k, c in BY_KIND.items()} == {
        ("report_indicators", "value"): "kind",
        ("case_confirmations", "value"): "kind",
        ("member_flags", "value"): "kind",
        ("seized_evidence", "identifier"): "item_kind",
    }


@pytest.mark.parametrize("key", sorted(BY_KIND))
def test_every_row_kind_is_in_the_vocabulary_and_has_a_rule(key: tuple[str, str]) -> None:
    table, col = ALL_TABLES[key[0]], BY_KIND[key]
    vocabulary = table.column(col.identifier_by or "").enum or ()
    for row_kind, ident in col.identifier_of.items():
        assert row_kind in vocabulary, (key, row_kind)
        identifiers.get(ident)  # raises for a kind with no rule
    assert col.identifier is None


def test_every_indicator_kind_has_a_rule_and_only_some_items_carry_one() -> None:
    for key, col in BY_KIND.items():
        if col.identifier_by == "kind":
            assert sorted(col.identifier_of) == sorted(INDICATOR_KINDS), key
    seized = BY_KIND[("seized_evidence", "identifier")].identifier_of
    # Computers and seals carry no number; a POS terminal id is free text.
    assert set(SEIZED_ITEM_KINDS) - set(seized) == {"computer", "seal", "pos"}


def test_a_table_refuses_a_kind_column_it_does_not_have() -> None:
    value = Column("value", "string", "v", identifier_by="kind", identifier_kinds=(("a", "b"),))
    with pytest.raises(ValueError, match="kind column"):
        Table("t", "event", "d", "s", ("value",), (value,))
    both = Column("value", "string", "v", identifier="phone", identifier_by="kind")
    kind = Column("kind", "string", "k")
    with pytest.raises(ValueError, match="fixed and a per-row kind"):
        Table("t", "event", "d", "s", ("value",), (kind, both))
