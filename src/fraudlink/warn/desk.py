"""The warning desk (预警劝阻): grade the people in contact with fraud and decide whom to warn.

Evidence is gathered per person over the last day. The grade says how likely it is that the
person is being defrauded right now, and sets the channel:

- high, a visit by the local police: paying a flagged account while in a conversation with
  fraud (or after visiting a fraud site), two conversations (calls of a minute or more) with
  flagged numbers in a day, or a call of 10 minutes or more from a known fraud number;
- medium, a call from 96110: one conversation with a flagged number, a payment into an account
  known bad (reported, confirmed, seized), or a fraud site or app together with a contact;
- low, an SMS from 12381: a fraud site or app alone, or repeated short contact from a known
  (reported, confirmed, seized) number.

A payment into an account that only the mule score suspects earns nothing on its own (on the
demo world it warned some 150 people who were not being defrauded, and found one victim), but it
raises a person in contact with fraud to high. One short call or SMS from a suspected number
earns nothing on its own either: fraud numbers dial thousands of people who hang up within
seconds, and warning them all would bury the desk (a city handles about 10,000 leads a day).
Such contact is kept for a day as evidence (`noise.ShortContacts`, by the number called) and
counts for a person as soon as they earn other evidence in that day.

A call or an SMS cannot reach a person with no phone on record (no SIM card and no number
reserved with their bank): they are visited instead, whatever the grade, and the warning says
why. A visit goes to the police station of the person's district (`Locate`), as the feeds give
it.

A person is warned again only when the grade rises, or after `REWARN_AFTER` has passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.actions import WARNING, Action
from fraudlink.warn.noise import ShortContacts
from fraudlink.warn.screen import CONTACT, PAYMENT, SITE

GRADES = ("low", "medium", "high")
VISIT = "visit"
CHANNELS = {"high": VISIT, "medium": "call_96110", "low": "sms_12381"}
ADDRESSEE = {VISIT: "police station", "call_96110": "96110 desk", "sms_12381": "12381 platform"}
_SENT_BY = {"call_96110": "a call from 96110", "sms_12381": "an SMS from 12381"}
TALK_S = 60
DEEP_CALL_S = 600
WINDOW = timedelta(hours=24)
REWARN_AFTER = timedelta(hours=72)
BASIS = "early warning (预警劝阻): contact with fraud"

Locate = Callable[[list[str]], dict[str, tuple[str, str]]]
"""idno -> (district code, which feed gave it), for the people a visit is sent to."""


def visit_addressee(district: str | None) -> str:
    """The police station a visit goes to: the one of the person's district."""
    station = ADDRESSEE[VISIT]
    return f"{station}, {district}" if district else f"{station} (district unknown)"


@dataclass
class _Seen:
    """One person's evidence inside the window, and when the newest of it happened."""

    items: list[tuple[datetime, str, str, bool, int, int]] = field(default_factory=list)
    # (at, evidence kind, flagged identifier, known, duration_s, amount_fen)
    newest: datetime | None = None

    def add(self, item: tuple[datetime, str, str, bool, int, int]) -> None:
        self.items.append(item)
        if self.newest is None or item[0] > self.newest:
            self.newest = item[0]

    def prune(self, now: datetime) -> None:
        self.items = [i for i in self.items if now - i[0] <= WINDOW]

    def live(self, now: datetime) -> bool:
        """Whether any of the evidence is still inside the window."""
        return self.newest is not None and now - self.newest <= WINDOW


def grade(items: list[tuple[datetime, str, str, bool, int, int]]) -> str | None:
    """The grade the evidence of one person earns, or None when it earns nothing."""
    contacts = [i for i in items if i[1] == CONTACT]
    talks = [i for i in contacts if i[4] >= TALK_S]  # answered and listened to
    sites = any(i[1] == SITE for i in items)
    paid = any(i[1] == PAYMENT for i in items)
    paid_known = any(i[1] == PAYMENT and i[3] for i in items)
    known = [i for i in contacts if i[3]]
    known_long = max((i[4] for i in known), default=0)
    if (paid and (talks or sites)) or known_long >= DEEP_CALL_S or len(talks) >= 2:
        return "high"
    if talks or paid_known or (sites and contacts):
        return "medium"
    # Repeated contact from known numbers: a suspected number's hang-up beside a known one's is
    # the dialling noise of the first paragraph, not a repetition.
    if sites or len(known) >= 2:
        return "low"
    return None  # one short call or SMS from a suspected number: dialling noise, watched only


def _describe(items: list[tuple[datetime, str, str, bool, int, int]]) -> str:
    parts = []
    contacts = [i for i in items if i[1] == CONTACT]
    if contacts:
        nums = sorted({i[2] for i in contacts})
        known = sorted({i[2] for i in contacts if i[3]})
        longest = max(i[4] for i in contacts)
        parts.append(
            f"{len(contacts)} call(s)/SMS in 24 h from flagged number(s) {', '.join(nums[:3])}"
            + (f" (known fraud: {', '.join(known[:3])})" if known else "")
            + (f", longest {_duration(longest)}" if longest else "")
        )
    sites = sorted({i[2] for i in items if i[1] == SITE})
    if sites:
        parts.append(f"fraud site or app: {', '.join(sites[:3])}")
    paid = [i for i in items if i[1] == PAYMENT]
    if paid:
        total = sum(i[5] for i in paid)
        known = sorted({i[2] for i in paid if i[3]})
        parts.append(
            f"paid {total / 100:,.2f} yuan into flagged account(s) "
            f"{', '.join(sorted({i[2] for i in paid})[:3])}"
            + (f" (known fraud: {', '.join(known[:3])})" if known else " (suspected only)")
        )
    return "; ".join(parts)


def _duration(seconds: int) -> str:
    """A call's length as a desk officer reads it: seconds under a minute are not rounded away."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


class WarningDesk:
    """People under watch and the warnings already issued to them."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._issued: dict[str, tuple[int, datetime]] = {}
        self.noise = ShortContacts(WINDOW)  # short suspected contact, until someone earns more

    def watching(self, idnos: Iterable[str], now: datetime) -> set[str]:
        """Those of `idnos` with evidence inside the window: the desk sees their short contact
        from suspected numbers as it comes."""
        return {i for i in idnos if (s := self._seen.get(i)) is not None and s.live(now)}

    def consider(self, evidence: pa.Table, now: datetime, locate: Locate | None = None
                 ) -> list[Action]:  # fmt: skip
        """Warnings for people whose evidence (EVIDENCE rows with `idno` and `phone`, the phone
        null when none is on record) now earns a grade above what they were last warned at.
        `locate` gives the district of the people visited."""
        if evidence.num_rows == 0:
            return []
        evidence = evidence.filter(pc.is_valid(evidence.column("idno")))
        cols = [evidence.column(c).to_pylist() for c in
                ("idno", "phone", "at", "evidence", "flagged", "known", "duration_s",
                 "amount_fen")]  # fmt: skip
        touched: dict[str, str | None] = {}
        for idno, phone, at, kind, flagged, known, dur, amount in zip(*cols, strict=True):
            seen = self._seen.setdefault(idno, _Seen())
            seen.add((at, kind, flagged, bool(known), dur or 0, amount or 0))
            touched[idno] = phone or touched.get(idno)
        due: list[tuple[str, str | None, str, str, str]] = []  # idno, phone, grade, channel, why
        for idno, phone in touched.items():
            seen = self._seen[idno]
            seen.prune(now)
            g = grade(seen.items)
            if g is None:
                continue
            rank = GRADES.index(g)
            last = self._issued.get(idno)
            if last is not None and rank <= last[0] and now - last[1] < REWARN_AFTER:
                continue
            self._issued[idno] = (rank, now)
            channel, why = CHANNELS[g], _describe(seen.items)
            if phone is None and channel != VISIT:
                # Neither 96110 nor 12381 can reach them: the police knock instead.
                why += (f"; no phone on record (no SIM card, no number reserved with a bank): "
                        f"a visit instead of {_SENT_BY[channel]}")  # fmt: skip
                channel = VISIT
            due.append((idno, phone, g, channel, why))
        visited = [d[0] for d in due if d[3] == VISIT]
        where = locate(visited) if locate is not None and visited else {}
        out = []
        for idno, phone, g, channel, why in due:
            addressee = ADDRESSEE[channel]
            if channel == VISIT:
                district, source = where.get(idno, (None, None))
                addressee = visit_addressee(district)
                if district:
                    why += f"; district {district} ({source})"
            out.append(
                Action(
                    kind=WARNING,
                    decided_at=now,
                    target=idno,
                    target_kind="idno",
                    msisdn=phone,
                    addressee=addressee,
                    basis=BASIS,
                    evidence=why,
                    grade=g,
                    channel=channel,
                )
            )
        if len(self._seen) > 100_000:  # forget people with nothing left in the window
            self._seen = {k: s for k, s in self._seen.items() if s.items and s.live(now)}
        return out
