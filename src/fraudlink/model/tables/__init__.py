"""Every table of fraudlink: the feeds members send and the truth only the arena reads."""

from fraudlink.model.schema import Table
from fraudlink.model.tables.entities import ENTITY_TABLES
from fraudlink.model.tables.events import EVENT_TABLES
from fraudlink.model.tables.truth import TRUTH_TABLES

FEED_TABLES: dict[str, Table] = {t.name: t for t in (*ENTITY_TABLES, *EVENT_TABLES)}
TRUTH: dict[str, Table] = {t.name: t for t in TRUTH_TABLES}
ALL_TABLES: dict[str, Table] = {**FEED_TABLES, **TRUTH}

__all__ = ["ALL_TABLES", "FEED_TABLES", "TRUTH"]
