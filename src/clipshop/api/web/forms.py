"""Reading form fields the pages share: a money amount typed in a currency's major unit."""

from __future__ import annotations

from clipshop.core.errors import InvalidInput
from clipshop.core.money import AmountError, Money


def minor_amount(text: str, currency: str) -> int:
    """The amount typed (like "12.50") in the currency's minor unit; invalid_amount otherwise."""
    try:
        return Money.parse_exact(text.strip(), currency).amount
    except AmountError:
        raise InvalidInput(
            f"the amount must be a number in {currency}, like 12.50", code="invalid_amount"
        ) from None
