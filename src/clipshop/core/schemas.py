"""Building blocks for boundary schemas: strict models, ids as strings, money out."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from clipshop.core.ids import parse_id
from clipshop.core.money import Money


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
