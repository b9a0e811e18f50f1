"""Money: an integer amount of minor units plus an ISO 4217 currency. Never floats.

Rounding is written once here: half up (away from zero) on decimal strings (``parse``) and
largest-remainder allocation (``allocate``), so shares of an amount always sum exactly.

Decimal strings are ASCII only (``Decimal`` and ``int`` would also take e.g. Arabic-Indic or
full-width digits): an optional sign, digits, optionally a point and more digits. Anything else
raises ``AmountError``. The platform maximum of one amount, per currency, is ``max_minor``
(docs/api.md#bounds, setting ``CLIPSHOP_MONEY_MAX_MAJOR``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


class AmountError(ValueError):
    """A decimal string that is not an amount, or an amount beyond what is allowed."""


# --- the platform maximum of one amount --------------------------------------------------------

DEFAULT_MAX_MAJOR = 1_000_000
# Currencies whose unit is worth much less than a US dollar get a larger maximum (in major units),
# the power of ten nearest to about USD 1,000,000, so a phone or a laptop can still be priced.
MAX_MAJOR: dict[str, int] = {
    "MYR": 10_000_000,
    "MXN": 10_000_000,
    "BRL": 10_000_000,
    "CNY": 10_000_000,
    "HKD": 10_000_000,
    "SAR": 10_000_000,
    "AED": 10_000_000,
    "PHP": 100_000_000,
    "THB": 100_000_000,
    "JPY": 100_000_000,
    "KRW": 1_000_000_000,
    "CLP": 1_000_000_000,
    "IDR": 10_000_000_000,
    "VND": 10_000_000_000,
}
MAX_MAJOR_SETTING = 10**11  # the largest maximum a setting may give, in major units
MINOR_CEILING = MAX_MAJOR_SETTING * 10**3  # so no amount of any currency exceeds 10**14 minor
MAX_TEXT = 40  # characters of a decimal string
_DECIMAL = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
_INT64 = 2**63 - 1


def max_major(currency: str) -> int:
    """The largest amount of ``currency`` (in major units) one price, fee or discount may be."""
    from clipshop.core.settings import get_settings  # settings are read when needed

    exponent(currency)
    configured = get_settings().money_max_major
    default = configured.get("*", DEFAULT_MAX_MAJOR)
    return configured.get(currency, MAX_MAJOR.get(currency, default))


def max_minor(currency: str) -> int:
    scale: int = 10 ** exponent(currency)
    return max_major(currency) * scale


def check_cap(amount: int, currency: str, what: str = "amount") -> int:
    """``amount`` (minor units) if it is within the platform maximum, else ``AmountError``."""
    cap = max_minor(currency)
    if abs(amount) > cap:
        limit = Money(cap, currency).to_decimal_string()
        raise AmountError(f"{what} is above the platform maximum of {limit} {currency}")
    return amount


def _split(text: str) -> tuple[bool, str, str]:
    """(negative, whole digits, fraction digits) of a decimal string, or ``AmountError``."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise AmountError(f"not a decimal amount of at most {MAX_TEXT} characters")
    match = _DECIMAL.fullmatch(text)
    if match is None:
        raise AmountError(f"not a decimal amount: {text!r}")
    sign, whole, fraction = match.groups()
    return sign == "-", whole, fraction or ""


def _signed(negative: bool, minor: int, text: str) -> int:
    if minor > _INT64:
        raise AmountError(f"amount out of range: {text!r}")
    return -minor if negative else minor


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
        """Parse a decimal string ("12.34") into minor units, rounding half away from zero.

        Raises ``AmountError`` for anything but ``[+-]digits[.digits]`` in ASCII (at most
        ``MAX_TEXT`` characters, within 64 bits), ``CurrencyError`` for an unknown currency.
        """
        exp = exponent(currency)
        negative, whole, fraction = _split(text)
        kept, rest = fraction[:exp].ljust(exp, "0"), fraction[exp:]
        minor = int(whole + kept) + (1 if rest[:1] >= "5" else 0)
        return cls(_signed(negative, minor, text), currency)

    @classmethod
    def parse_exact(cls, text: str, currency: str) -> Money:
        """Parse a decimal string that must not carry more decimals than the currency has
        (trailing zeros count); the same grammar and errors as ``parse``."""
        exp = exponent(currency)
        negative, whole, fraction = _split(text)
        if len(fraction) > exp:
            raise AmountError(f"{text!r} has more than {exp} decimal places for {currency}")
        minor = int(whole + fraction.ljust(exp, "0"))
        return cls(_signed(negative, minor, text), currency)

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
