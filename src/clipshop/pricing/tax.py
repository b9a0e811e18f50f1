"""Sales tax by destination. Computed per line item (one unit) on its sale price, rounded
half up once per line; the order's tax is the sum of its lines. Shipping is not taxed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from clipshop.core.batch import Query
from clipshop.core.money import Money
from clipshop.pricing import rows


def rate_for(session: Session, country: str, state: str | None) -> Decimal:
    return rates_query(country, state).run(session)


def rates_query(country: str, state: str | None) -> Query[Decimal]:
    """The destination's rate, for a caller reading several things at once (``core.batch``):
    the state's rate, else the country's ``*`` rate, else 0."""
    return rows.tax_rates(country).then(lambda by_state: _rate_of(by_state, state))


def _rate_of(by_state: dict[str, str], state: str | None) -> Decimal:
    text = by_state.get(state or "*") or by_state.get("*")
    return Decimal(text) if text else Decimal(0)


def line_tax(sale_price: int, currency: str, rate: Decimal) -> int:
    return Money(sale_price, currency).percent(rate).amount
