"""A creator's earnings statement over a period and its CSV (docs/creators.md).

The period selects commission lines by when their order was placed, ``[start, end)``. Per
currency: ``due`` (everything recorded), ``reversed`` (taken back by refunds), and what is left
(``due - reversed``) by status: ``payable`` (order completed), ``pending``, ``void``
(cancelled). So due = reversed + payable + pending + void, exactly."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.money import Money
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Commission
from clipshop.social import access


@dataclass
class Totals:
    due: int = 0
    reversed: int = 0
    payable: int = 0
    pending: int = 0
    void: int = 0


@dataclass(frozen=True)
class Statement:
    creator_id: int
    start: datetime | None
    end: datetime | None
    lines: list[Commission]
    totals: dict[str, Totals] = field(default_factory=dict)  # per currency


def statement(
    session: Session,
    caller: Principal,
    creator_id: int,
    start: datetime | None,
    end: datetime | None,
) -> Statement:
    access.creator_self(caller, creator_id)
    stmt = select(Commission).where(Commission.creator_id == creator_id)
    if start is not None:
        stmt = stmt.where(Commission.placed_at >= start)
    if end is not None:
        stmt = stmt.where(Commission.placed_at < end)
    lines = list(session.scalars(stmt.order_by(Commission.placed_at, Commission.id)))
    totals: dict[str, Totals] = {}
    for line in lines:
        t = totals.setdefault(line.currency, Totals())
        net = line.due - line.reversed
        t.due += line.due
        t.reversed += line.reversed
        setattr(t, line.status.lower(), getattr(t, line.status.lower()) + net)
    return Statement(creator_id, start, end, lines, totals)


CSV_COLUMNS = (
    "placed_at",
    "order_id",
    "line_item_id",
    "product_id",
    "source_type",
    "source_id",
    "currency",
    "base",
    "rate_bps",
    "due",
    "reversed",
    "net",
    "status",
)


def to_csv(found: Statement) -> str:
    """One row per commission line; amounts as decimal strings of their currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in found.lines:
        money = _decimal(c.currency)
        writer.writerow(
            [
                c.placed_at.isoformat(),
                c.order_id,
                c.line_item_id,
                c.product_id,
                c.source_type,
                c.source_id,
                c.currency,
                money(c.base),
                c.rate_bps,
                money(c.due),
                money(c.reversed),
                money(c.due - c.reversed),
                c.status,
            ]
        )
    return out.getvalue()


def _decimal(currency: str) -> Callable[[int], str]:
    return lambda minor: Money(minor, currency).to_decimal_string()


def shop_commissions(
    session: Session, caller: Principal, shop_id: int, order_id: int | None
) -> list[Commission]:
    """The commission on a shop's orders (its sellers see what each order owes creators)."""
    caller.require(Permission.CATALOG_READ)  # not buyers: they read orders, not shops
    caller.check_shop(shop_id)
    stmt = select(Commission).where(Commission.shop_id == shop_id)
    if order_id is not None:
        stmt = stmt.where(Commission.order_id == order_id)
    return list(session.scalars(stmt.order_by(Commission.id.desc()).limit(500)))
