"""Rapid comparison (快速比对) in the engine: every identifier a batch makes known as fraud.

Reports (their numbers, sites, apps and the accounts paid into), case confirmations, seizures and
members' flags each mark identifiers known bad the moment they arrive; the warning desk and the
blocks read the result. Identifier values are normalised by ingest, so set membership is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.match.sources import SEIZED_KINDS
from fraudlink.model.identifiers import Phone
from fraudlink.warn import FlagSet

INDICATOR_TO_FLAGS = {"phone": "phones", "account": "accounts", "card": "accounts",
                      "url": "urls", "app": "apps"}  # fmt: skip


@dataclass
class Flags:
    """The engine's flagged identifiers, by kind."""

    phones: FlagSet = field(default_factory=FlagSet)
    accounts: FlagSet = field(default_factory=FlagSet)
    urls: FlagSet = field(default_factory=FlagSet)
    apps: FlagSet = field(default_factory=FlagSet)

    def suspect_numbers(self, scores: dict[str, float], source: str, replace: bool) -> int:
        """Suspect numbers a detector scored (replacing its earlier ones, or adding to them),
        leaving out public service codes: a spoofed 95588 is the bank's, and 12381 and 96110 are
        the centre's own warning lines, whose short calls look like a fraud line's dialling."""
        scores = {n: sc for n, sc in scores.items() if not Phone.is_service(n)}
        if replace:
            self.phones.set_suspected(scores, source)
            return len(scores)
        return self.phones.add_suspected(scores, source)

    def of(self, kind: str) -> FlagSet | None:
        """The flag set of an indicator kind, None for kinds nobody screens (idno, imei...)."""
        name = INDICATOR_TO_FLAGS.get(kind)
        return None if name is None else getattr(self, name)


@dataclass
class NewlyKnown:
    """Identifiers that became known bad in one batch, with where they came from."""

    phones: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.phones or self.accounts)


def _pairs(table: pa.Table, kind: str, value: str, source: str) -> list[tuple[str, str, str]]:
    kinds = table.column(kind).to_pylist()
    values = table.column(value).to_pylist()
    refs = table.column(source).to_pylist()
    return [(k, v, str(r)) for k, v, r in zip(kinds, values, refs, strict=True) if v]


def known_from_batch(
    events: dict[str, pa.Table], flags: Flags, min_confidence: float
) -> NewlyKnown:
    """Mark what the batch makes known bad in `flags`; return the new numbers and accounts."""
    found: list[tuple[str, str, str]] = []
    if (t := events.get("report_indicators")) is not None:
        found += _pairs(t, "kind", "value", "report_id")
    if (t := events.get("report_payments")) is not None:
        found += [("account", v, str(r)) for v, r in zip(
            t.column("to_account").to_pylist(), t.column("report_id").to_pylist(), strict=True)
            if v]  # fmt: skip
    if (t := events.get("case_confirmations")) is not None:
        found += _pairs(t, "kind", "value", "case_id")
    if (t := events.get("seized_evidence")) is not None:
        t = t.filter(pc.is_valid(t.column("identifier")))
        kinds = [SEIZED_KINDS.get(k) for k in t.column("item_kind").to_pylist()]
        found += [(k, v, f"seized {op}") for k, v, op in zip(
            kinds, t.column("identifier").to_pylist(), t.column("operation_id").to_pylist(),
            strict=True) if k]  # fmt: skip
    if (t := events.get("member_flags")) is not None:
        t = t.filter(pc.greater_equal(t.column("confidence"), min_confidence))
        found += _pairs(t, "kind", "value", "inst_id")
    new = NewlyKnown()
    for kind, value, ref in found:
        if kind == "phone" and Phone.is_service(value):
            # A reported 95588 is the bank's own line, spoofed: flagging it would warn every
            # customer the bank calls. It stays findable by rapid comparison, not screened.
            continue
        fs = flags.of(kind)
        if fs is None or not fs.mark_known([value]):
            continue
        if fs is flags.phones:
            new.phones[value] = ref
        elif fs is flags.accounts:
            new.accounts[value] = ref
    return new
