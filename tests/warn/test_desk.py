"""The warning desk's grades, channels and re-warning rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from fraudlink.model.actions import WARNING
from fraudlink.warn import CHANNELS, EVIDENCE, WarningDesk, grade
from fraudlink.warn.desk import DEEP_CALL_S, REWARN_AFTER, TALK_S
from fraudlink.warn.screen import CONTACT, PAYMENT, SITE

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def item(kind: str, known: bool = False, dur: int = 0, minutes: int = 0, amount: int = 0):
    return (T0 + timedelta(minutes=minutes), kind, "13800000000", known, dur, amount)


def test_one_short_contact_from_a_suspected_number_earns_nothing() -> None:
    assert grade([item(CONTACT, dur=5)]) is None
    assert grade([item(CONTACT), item(CONTACT, minutes=3)]) is None


def test_a_conversation_is_medium_and_two_are_high() -> None:
    assert grade([item(CONTACT, dur=TALK_S)]) == "medium"
    assert grade([item(CONTACT, dur=TALK_S), item(CONTACT, dur=TALK_S, minutes=30)]) == "high"


def test_a_long_call_from_a_known_number_is_high() -> None:
    assert grade([item(CONTACT, known=True, dur=DEEP_CALL_S)]) == "high"
    assert grade([item(CONTACT, known=False, dur=DEEP_CALL_S)]) == "medium"


def test_payments_count_by_what_is_known_of_the_account() -> None:
    assert grade([item(PAYMENT, amount=100)]) is None  # only the mule score suspects it
    assert grade([item(PAYMENT, known=True, amount=100)]) == "medium"
    assert grade([item(PAYMENT, amount=100), item(CONTACT, dur=TALK_S)]) == "high"


def test_a_fraud_site_alone_is_low_and_with_contact_medium() -> None:
    assert grade([item(SITE)]) == "low"
    assert grade([item(SITE), item(CONTACT, dur=1)]) == "medium"


def test_repeated_short_contact_counts_only_when_it_is_from_known_numbers() -> None:
    # The desk now sees short calls from suspected numbers too: one beside a known number's
    # hang-up is dialling noise, not a repetition.
    assert grade([item(CONTACT, known=True, dur=5), item(CONTACT, dur=5, minutes=3)]) is None
    assert grade([item(CONTACT, known=True, dur=5), item(CONTACT, known=True, minutes=3)]) == "low"


def evidence(rows: list[dict], phone: str | None = "13900000000") -> pa.Table:
    base = {n: None for n in EVIDENCE.names}
    t = pa.Table.from_pylist([{**base, **r} for r in rows], schema=EVIDENCE)
    n = t.num_rows
    t = t.append_column("idno", pa.array([r.get("idno", "110101199001011234") for r in rows]))
    return t.append_column("phone", pa.array([phone] * n, pa.string()))


def test_the_desk_warns_once_per_grade_and_again_when_it_rises() -> None:
    desk = WarningDesk()
    talk = {"evidence": CONTACT, "at": T0, "flagged": "13800000000", "known": False,
            "duration_s": TALK_S}  # fmt: skip
    first = desk.consider(evidence([talk]), T0)
    got = [(a.kind, a.grade, a.channel) for a in first]
    assert got == [(WARNING, "medium", CHANNELS["medium"])]
    assert first[0].target == "110101199001011234" and first[0].msisdn == "13900000000"
    assert "13800000000" in first[0].evidence
    # The same grade again within the re-warning period: nothing new.
    later = T0 + timedelta(minutes=5)
    assert desk.consider(evidence([{**talk, "at": later, "duration_s": 1}]), later) == []
    # A second conversation lifts the person to high: a visit.
    again = T0 + timedelta(minutes=20)
    up = desk.consider(evidence([{**talk, "at": again}]), again)
    assert [(a.grade, a.channel) for a in up] == [("high", "visit")]


def test_evidence_older_than_a_day_is_forgotten_and_old_warnings_renewed() -> None:
    desk = WarningDesk()
    talk = {"evidence": CONTACT, "at": T0, "flagged": "13800000000", "known": False,
            "duration_s": TALK_S}  # fmt: skip
    assert len(desk.consider(evidence([talk]), T0)) == 1
    later = T0 + REWARN_AFTER + timedelta(minutes=1)
    out = desk.consider(evidence([{**talk, "at": later}]), later)
    # The first conversation is out of the day's window: one conversation, medium again.
    assert [a.grade for a in out] == ["medium"]


def test_rows_without_a_person_are_ignored() -> None:
    desk = WarningDesk()
    t = evidence([{"evidence": CONTACT, "at": T0, "known": True, "duration_s": 900}])
    t = t.set_column(t.schema.get_field_index("idno"), "idno", pa.nulls(1, pa.string()))
    assert desk.consider(t, T0) == []


def test_evidence_in_words_keeps_short_calls_and_says_what_is_known_of_an_account() -> None:
    desk = WarningDesk()
    short = {"evidence": CONTACT, "at": T0, "flagged": "13800000000", "known": True,
             "duration_s": 45}  # fmt: skip
    paid = {"evidence": PAYMENT, "at": T0, "flagged": "6222020200000000006", "known": False,
            "amount_fen": 500_000}  # fmt: skip
    (w,) = desk.consider(evidence([short, {**short, "duration_s": 20}, paid]), T0)
    assert "longest 45 s" in w.evidence  # not "longest 0 min"
    assert "into flagged account(s) 6222020200000000006 (suspected only)" in w.evidence
    desk = WarningDesk()
    talk = {**short, "duration_s": 250}
    (w,) = desk.consider(evidence([talk, {**paid, "known": True}]), T0)
    assert "longest 4 min 10 s" in w.evidence
    assert "(known fraud: 6222020200000000006)" in w.evidence


PAID_KNOWN = {"evidence": PAYMENT, "at": T0, "flagged": "6222020200000000006", "known": True,
              "amount_fen": 500_000}  # fmt: skip


def test_a_person_with_no_phone_is_visited_instead_of_called_or_texted() -> None:
    desk = WarningDesk()
    site = {"evidence": SITE, "at": T0, "flagged": "https://bad.example/"}
    cases = [([PAID_KNOWN], "medium", "a call from 96110"), ([site], "low", "an SMS from 12381")]
    for rows, g, instead in cases:
        (w,) = WarningDesk().consider(evidence(rows, phone=None), T0)
        assert (w.grade, w.channel, w.msisdn) == (g, "visit", None)  # the grade stays
        assert w.addressee.startswith("police station")
        assert "no phone on record" in w.evidence and f"a visit instead of {instead}" in w.evidence
    # With a phone, the grade's own channel.
    (w,) = desk.consider(evidence([PAID_KNOWN]), T0)
    assert (w.channel, w.addressee) == ("call_96110", "96110 desk")
    assert "no phone" not in w.evidence


def test_a_visit_goes_to_the_station_of_the_persons_district() -> None:
    asked: list[list[str]] = []

    def locate(idnos: list[str]) -> dict[str, tuple[str, str]]:
        asked.append(idnos)
        return {"110101199001011234": ("450103", "household registry")}

    talk = {"evidence": CONTACT, "at": T0, "flagged": "13800000000", "known": True,
            "duration_s": DEEP_CALL_S}  # fmt: skip
    rows = [talk, {**talk, "idno": "450102199001011234"}, {**PAID_KNOWN, "idno": "P3"}]
    out = WarningDesk().consider(evidence(rows), T0, locate)
    by = {w.target: w for w in out}
    assert by["110101199001011234"].addressee == "police station, 450103"
    assert "district 450103 (household registry)" in by["110101199001011234"].evidence
    # Nothing in the feeds says where the second person lives: the station is not made up.
    assert by["450102199001011234"].addressee == "police station (district unknown)"
    assert by["P3"].addressee == "96110 desk"  # not a visit: not located
    assert asked == [["110101199001011234", "450102199001011234"]]  # once, for the visits only
