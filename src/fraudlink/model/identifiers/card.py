"""Bank card and payment account numbers (the data model's `card`, the indicator kind `account`)."""

from __future__ import annotations

from typing import ClassVar

from fraudlink.model.identifiers.luhn import LuhnNumber


class Card(LuhnNumber):
    """A bank card or payment account number: 12 to 19 digits ending in a Luhn check digit.

    UnionPay debit cards are 19 digits, credit cards and Alipay/Tenpay account numbers 16;
    the 12-digit floor admits short account numbers that still carry a Luhn digit.
    """

    kind: ClassVar[str] = "card"
    prefix: ClassVar[str] = "card:"
    min_len: ClassVar[int] = 12
    max_len: ClassVar[int] = 19
