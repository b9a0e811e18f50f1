"""Building blocks for boundary schemas: strict models, ids as strings, money out, and the
input bounds every request shares (docs/api.md#bounds): text free of control characters,
integers the database can store, money amounts and decimal strings, datetimes in a sane range.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from clipshop.core.errors import InvalidInput
from clipshop.core.ids import parse_id
from clipshop.core.money import EXPONENTS, MINOR_CEILING, Money


def _id_in(value: Any) -> int:
    if isinstance(value, int | str):
        return parse_id(value)
    raise ValueError("id must be a decimal string")


def _at_most(limit: str) -> str:
    """A regular expression of the digit strings of len(limit) digits that are <= limit."""
    branches = [limit]
    for i, digit in enumerate(limit):
        low = "1" if i == 0 else "0"
        if digit > low:
            top = chr(ord(digit) - 1)
            rest = len(limit) - i - 1
            branches.append(f"{limit[:i]}[{low}-{top}][0-9]{{{rest}}}")
    return "|".join(branches)


# The ids parse_id takes: ASCII digits (leading zeros allowed) worth 1..2**63 - 1.
ID_PATTERN = rf"^0*([1-9][0-9]{{0,17}}|{_at_most(str(2**63 - 1))})$"

IdStr = Annotated[
    int,
    BeforeValidator(_id_in),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN, "examples": ["7301234567890123"]}),
]

# An ISO 4217 code of a currency clipshop supports (an enum in the OpenAPI document).
if TYPE_CHECKING:
    Currency = str
else:
    Currency = Literal[tuple(sorted(EXPONENTS))]


class RequestModel(BaseModel):
    """Request bodies: unknown fields are refused, so a client can never post ``status``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MoneyOut(BaseModel):
    amount: str
    currency: str
    minor_units: int

    @classmethod
    def of(cls, minor: int, currency: str) -> MoneyOut:
        money = Money(minor, currency)
        return cls(amount=money.to_decimal_string(), currency=currency, minor_units=minor)


class PageOut(BaseModel):
    next_cursor: str | None


# --- text ----------------------------------------------------------------------------------
# Control characters (C0, DEL, C1) are refused, never stripped: PostgreSQL cannot store NUL, and
# the others are never meant in a name or a code. Free text (descriptions, notes, comments) may
# also hold tabs and line breaks. A pattern, so that the OpenAPI document says it and the check
# runs in pydantic-core; a lone surrogate fails any pattern check too (``string_unicode``). A
# field with a stricter pattern of its own (codes, countries, e-mails) replaces this one.

LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

# Required text is stripped of surrounding whitespace (``RequestModel``), so it must hold
# something else: these patterns say so in the OpenAPI document (a field of spaces only would
# be schema-valid and then refused as empty).
_LINE_CHAR = r"[^\x00-\x1f\x7f-\x9f]"
_TEXT_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
FILLED_LINE_PATTERN = rf"^{_LINE_CHAR}*[^\x00-\x1f\x7f-\x9f\s]{_LINE_CHAR}*$"
FILLED_TEXT_PATTERN = rf"^{_TEXT_CHAR}*[^\x00-\x1f\x7f-\x9f\s]{_TEXT_CHAR}*$"

Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
"""One line of text: no control characters at all."""
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
"""Free text: tabs and line breaks allowed, no other control characters."""
FilledLine = Annotated[str, StringConstraints(pattern=FILLED_LINE_PATTERN)]
"""A required line: as ``Line``, with at least one character that is not whitespace."""
FilledText = Annotated[str, StringConstraints(pattern=FILLED_TEXT_PATTERN)]
"""Required free text: as ``Text``, with at least one character that is not whitespace."""
Name = Annotated[FilledLine, StringConstraints(min_length=1, max_length=200)]


# --- integers ------------------------------------------------------------------------------

# The largest count a request may carry: what a JSON number holds exactly in every client
# (JavaScript's Number.MAX_SAFE_INTEGER; the OpenAPI document renders bounds as doubles), well
# within BIGINT (2**63 - 1), the type of every integer column.
COUNT_MAX = 2**53 - 1

Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]
"""A count or threshold without a natural limit."""
MinorUnits = Annotated[
    int,
    Field(
        ge=0,
        le=MINOR_CEILING,
        description="Minor units of the currency; at most the platform maximum per amount of "
        "that currency (docs/api.md#bounds)",
    ),
]
"""A money amount in minor units; the per-currency maximum is checked where the currency is
known (``clipshop.core.money.check_cap``)."""

# A price: a positive decimal string in ASCII digits, no leading zeros, at most 12 digits before
# the point and 3 after (the currency's decimals and the platform maximum are checked where the
# currency is known). Not "0", "0.00", "00.50", nor full-width or Arabic-Indic digits.
PRICE_PATTERN = r"^([1-9][0-9]{0,11}(\.[0-9]{1,3})?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
MoneyString = Annotated[
    str,
    StringConstraints(pattern=PRICE_PATTERN),
    Field(description="A positive decimal string in the shop's currency, e.g. 19.99"),
]


# --- datetimes -----------------------------------------------------------------------------

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _sane_year(value: datetime) -> datetime:
    # The year as written (before any conversion to UTC, which overflows near year 1 or 9999).
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "the year must be between {earliest} and {latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


# The same rule as a pattern on the text, for the OpenAPI document (clients and fuzzers).
YEAR_PATTERN = r"^(20[0-9]{2}|2100)-"
When = Annotated[
    AwareDatetime,
    AfterValidator(_sane_year),
    Field(
        description=f"ISO 8601 with a time zone; year {EARLIEST_YEAR} to {LATEST_YEAR}",
        json_schema_extra={"pattern": YEAR_PATTERN},
    ),
]
"""A point in time sent by a client: with a time zone, years 2000 to 2100 as written."""


def check_time_range(
    name: str, ge: datetime | None, lt: datetime | None, bounds: tuple[str, str] | None = None
) -> None:
    """A ``<name>_ge`` / ``<name>_lt`` filter pair (or the parameters named by ``bounds``) that
    can hold nothing is a mistake in the request (422 ``invalid_time_range``), not an empty
    page."""
    low, high = bounds or (f"{name}_ge", f"{name}_lt")
    if ge is not None and lt is not None and ge >= lt:
        raise InvalidInput(f"{low} must be earlier than {high}", code="invalid_time_range")
