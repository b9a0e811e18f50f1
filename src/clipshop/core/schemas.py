"""Building blocks for boundary schemas: strict models, ids as strings, money out, and the
input bounds every request shares (docs/api.md#bounds): text free of control characters,
integers the database can store, money amounts and decimal strings, datetimes in a sane range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from clipshop.core.ids import parse_id
from clipshop.core.money import MINOR_CEILING, Money


def _id_in(value: Any) -> int:
    if isinstance(value, int | str):
        return parse_id(value)
    raise ValueError("id must be a decimal string")


IdStr = Annotated[
    int,
    BeforeValidator(_id_in),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{1,19}$", "examples": ["7301234567890123"]}
    ),
]


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
# Control characters (C0, DEL, C1) and lone surrogates are refused, never stripped: PostgreSQL
# cannot store NUL or a lone surrogate, and the others are never meant in a name or a code.
# Free text (descriptions, notes, comments) may also hold tabs and line breaks.

LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
_SURROGATES = "\ud800-\udfff"
_LINE_BAD = re.compile(f"[\x00-\x1f\x7f-\x9f{_SURROGATES}]")
_TEXT_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")


@dataclass(frozen=True)
class _Printable:
    """Refuse control characters (and declare it in the JSON schema as a ``pattern``)."""

    multiline: bool

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", TEXT_PATTERN if self.multiline else LINE_PATTERN)
        return json_schema

    def _check(self, value: str) -> str:
        bad = (_TEXT_BAD if self.multiline else _LINE_BAD).search(value)
        if bad is not None:
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters (found U+{code:04X})",
                {"code": ord(bad.group())},
            )
        return value


Line = Annotated[str, _Printable(multiline=False)]
"""One line of text: no control characters at all."""
Text = Annotated[str, _Printable(multiline=True)]
"""Free text: tabs and line breaks allowed, no other control characters."""
Name = Annotated[Line, StringConstraints(min_length=1, max_length=200)]


# --- integers ------------------------------------------------------------------------------

DB_INT_MAX = 2**63 - 1  # BIGINT, the type of every integer column

Count = Annotated[int, Field(ge=0, le=DB_INT_MAX)]
"""A count or threshold without a natural limit: what a BIGINT column holds."""
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


When = Annotated[
    AwareDatetime,
    AfterValidator(_sane_year),
    Field(description=f"ISO 8601 with a time zone; year {EARLIEST_YEAR} to {LATEST_YEAR}"),
]
"""A point in time sent by a client: with a time zone, years 2000 to 2100 as written."""
