"""What the promotion module's activity kinds share: the reference's status names derived
from the native state and window, times in Unix seconds, money as decimal strings, and the
errors the reference's rules give."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.money import AmountError, CurrencyError, Money
from clipshop.deadlines.standing import NO_PROMOTIONS
from clipshop.models import Bundle, Promotion, Shop
from clipshop.partner import errors
from clipshop.partner import promotions_schemas as api
from clipshop.partner.errors import PartnerError, invalid_parameter
from clipshop.partner.returns_paging import at, ids, unix

M = TypeVar("M", bound=BaseModel)

CLOSED = ("DEACTIVATED", "EXPIRED")


def status(shop: Shop | None, active: bool, begins: datetime, ends: datetime, now: datetime) -> str:
    """DEACTIVATED (stopped by the seller), NOT_START, ONGOING or EXPIRED by the window;
    NOT_EFFECTIVE while ``shop`` may not run promotions (the quote ignores them then)."""
    if not active:
        return "DEACTIVATED"
    if now >= aware(ends):
        return "EXPIRED"
    if shop is not None and shop.standing in NO_PROMOTIONS:
        return "NOT_EFFECTIVE"
    return "NOT_START" if now < aware(begins) else "ONGOING"


def aware(moment: datetime) -> datetime:
    return at(unix(moment)) if moment.tzinfo is None else moment


def conflict(message: str) -> PartnerError:
    return PartnerError(errors.CONFLICT, message, 409)


def check_open(state: str, what: str) -> None:
    """The reference changes no DEACTIVATED or EXPIRED activity (36009006)."""
    if state in CLOSED:
        raise conflict(f"the activity is {state}: it cannot {what}")


def window(begin: int | None, end: int | None) -> tuple[datetime, datetime]:
    if not begin or not end:
        raise invalid_parameter("begin_time and end_time (Unix seconds) are required")
    if end <= begin:
        raise invalid_parameter("end_time must be later than begin_time")
    return at(begin), at(end)


def price(minor: int, currency: str) -> api.Price:
    return api.Price(amount=Money(minor, currency).to_decimal_string(), currency=currency)


def minor_units(text: str, currency: str, name: str) -> int:
    """A decimal amount of the shop's currency (no more places than it has), >= 0."""
    try:
        amount = Money.parse_exact(text.strip(), currency).amount
    except (AmountError, CurrencyError):
        raise invalid_parameter(
            f"{name}: {text!r} is not an amount of {currency} (a decimal string)"
        ) from None
    if amount < 0:
        raise invalid_parameter(f"{name} must not be negative")
    return amount


def whole(text: str, name: str, low: int, high: int) -> int:
    """A whole number given as a string ("10", "10.0"), within [low, high]."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value() or not low <= value <= high:
        raise invalid_parameter(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def unix_time(moment: datetime) -> int:
    return unix(moment)


def title_taken(session: Session, shop_id: int, title: str, keep: set[int]) -> None:
    """Activity titles are unique in a shop (the reference's rule): among its product
    discounts, flash deals and bundles, apart from the rows of ``keep``."""
    for model in (Promotion, Bundle):
        ids = set(
            session.scalars(select(model.id).where(model.shop_id == shop_id, model.title == title))
        )
        if ids - keep:
            raise conflict(f"the shop already has an activity titled {title!r}")


def checked(model: type[M], fields: dict[str, Any]) -> M:
    """``fields`` as a native request model (its first error as 36009004)."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise invalid_parameter(f"{where}: {first['msg']}") from None


def id_of(text: str, name: str) -> int:
    return ids([text.strip()], name)[0]
