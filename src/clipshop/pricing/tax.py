"""Sales tax by destination. Computed per line item (one unit) on its sale price, rounded
half up once per line; the order's tax is the sum of its lines. Shipping is not taxed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.money import Money
from clipshop.models import TaxRate

_RATES = rawsql.Statement(
    select(TaxRate.state, TaxRate.rate_percent).where(TaxRate.country == bindparam("country"))
)


def rate_for(session: Session, country: str, state: str | None) -> Decimal:
    return rate_from(rawsql.run(session, *rates_query(country)), state)


def rates_query(country: str) -> tuple[rawsql.Statement, dict[str, str]]:
    """The destination country's rates, for a caller reading several things at once."""
    return _RATES, {"country": country}


def rate_from(result: rawsql.Result, state: str | None) -> Decimal:
    """The state's rate (else the country's ``*`` rate, else 0) from ``rates_query``."""
    by_state = dict(result.rows)
    text = by_state.get(state or "*") or by_state.get("*")
    return Decimal(text) if text else Decimal(0)


def line_tax(sale_price: int, currency: str, rate: Decimal) -> int:
    return Money(sale_price, currency).percent(rate).amount
