"""Early warning (预警劝阻): screen each batch for people in contact with fraud, grade them, and
decide who is warned by which channel; the warning's life after the decision (`lifecycle`).

Public face: `FlagSet`, the screening functions, `WarningDesk`, `grade`, `CHANNELS`, the memory
of short contact from suspected numbers (`ShortContacts`, `dialling_noise`), and the lifecycle
(`WarningCase`, `advance`, `OUTCOMES`).
"""

from fraudlink.warn.desk import CHANNELS, GRADES, TALK_S, WarningDesk, grade
from fraudlink.warn.flags import FlagSet
from fraudlink.warn.lifecycle import OUTCOMES, STATES, WarningCase, advance, open_case
from fraudlink.warn.noise import ShortContacts, dialling_noise
from fraudlink.warn.screen import (
    CONTACT,
    EVIDENCE,
    flagged_contacts,
    fraud_site_events,
    payments_to_flagged,
)

__all__ = [
    "CHANNELS",
    "CONTACT",
    "EVIDENCE",
    "GRADES",
    "OUTCOMES",
    "STATES",
    "TALK_S",
    "FlagSet",
    "ShortContacts",
    "WarningCase",
    "WarningDesk",
    "advance",
    "dialling_noise",
    "flagged_contacts",
    "fraud_site_events",
    "grade",
    "open_case",
    "payments_to_flagged",
]
