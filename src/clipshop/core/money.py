"""Money: an integer amount of minor units plus an ISO 4217 currency. Never floats.

Rounding is written once here: ``ROUND_HALF_UP`` on decimal strings (``parse``) and
largest-remainder allocation (``allocate``), so shares of an amount always sum exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents for the currencies clipshop supports.
EXPONENTS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "SGD": 2,
    "MYR": 2,
    "PHP": 2,
    "THB": 2,
    "MXN": 2,
    "BRL": 2,
    "CNY": 2,
    "HKD": 2,
    "IDR": 2,
    "SAR": 2,
    "AED": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class CurrencyError(ValueError):
    pass


def exponent(currency: str) -> int:
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise CurrencyError(f"unsupported currency {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("Money.amount must be an int of minor units")
        exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string ("12.34") into minor units, rounding half up."""
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {text!r}") from None
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {text!r}")
        try:
            minor = value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than Decimal's precision: no sane amount
            raise ValueError(f"amount out of range: {text!r}") from None
        return cls(int(minor), currency)

    @classmethod
    def parse_exact(cls, text: str, currency: str) -> Money:
        """Parse a decimal string that must not carry more decimals than the currency has."""
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {text!r}") from None
        exp = exponent(currency)
        if not value.is_finite() or value.as_tuple().exponent < -exp:  # type: ignore[operator]
            raise ValueError(f"{text!r} has more than {exp} decimal places for {currency}")
        return cls(int(value.scaleb(exp)), currency)

    def to_decimal_string(self) -> str:
        exp = exponent(self.currency)
        if exp == 0:
            return str(self.amount)
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**exp)
        return f"{sign}{whole}.{frac:0{exp}d}"

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def percent(self, rate: Decimal) -> Money:
        """``rate`` percent of this amount (e.g. Decimal("8.25")), rounded half up once."""
        raw = Decimal(self.amount) * rate / Decimal(100)
        return Money(int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        return [Money(a, self.currency) for a in allocate(self.amount, weights)]

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to non-negative ``weights``; the shares sum exactly.

    Largest-remainder method: each share is floored, then the leftover units go one by one
    to the shares with the largest remainders (earliest first on ties). Zero total weight
    splits evenly. Negative amounts are allocated as the mirror of the positive one.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    if amount < 0:
        return [-share for share in allocate(-amount, weights)]
    total = sum(weights)
    if total == 0:
        weights = [1] * len(weights)
        total = len(weights)
    shares = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    leftover = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares
