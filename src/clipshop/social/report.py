"""A live session's report, read from the orders placed from it (source LIVE and its id).

Only paid orders count (``paid_at`` set), as they were paid: later cancellations and refunds
are not taken off. Units are order lines (one per unit); GMV is the sum of the lines' sale
prices (after discounts, before shipping and tax), per currency."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.identity.principal import Principal
from clipshop.models import LiveSession, Order, OrderLineItem
from clipshop.social import live as lives

TOP = 5


@dataclass(frozen=True)
class ProductSales:
    product_id: int
    name: str
    units: int
    gmv: int
    currency: str


@dataclass(frozen=True)
class LiveReport:
    live: LiveSession
    orders: int
    units: int
    gmv: dict[str, int]  # currency -> minor units
    top_products: list[ProductSales]
    per_minute: dict[int, int]  # minute since the start -> orders placed in it (paid ones)
    minutes: int  # whole minutes the live lasted (so far), at least 1


def report(session: Session, caller: Principal, live_id: int) -> LiveReport:
    live = lives.get(session, caller, live_id)
    orders = session.execute(
        select(Order.id, Order.created_at).where(
            Order.source_type == "LIVE", Order.source_id == live.id, Order.paid_at.is_not(None)
        )
    ).all()
    placed = {order_id: created for order_id, created in orders}
    lines = session.execute(
        select(
            OrderLineItem.product_id,
            OrderLineItem.product_name,
            OrderLineItem.sale_price,
            OrderLineItem.currency,
        ).where(OrderLineItem.order_id.in_(sorted(placed)))
    ).all()
    gmv: dict[str, int] = defaultdict(int)
    units: Counter[tuple[int, str]] = Counter()
    sold: dict[tuple[int, str], int] = defaultdict(int)
    names: dict[int, str] = {}
    for product_id, name, price, currency in lines:
        gmv[currency] += price
        units[(product_id, currency)] += 1
        sold[(product_id, currency)] += price
        names[product_id] = name
    ranked = sorted(units, key=lambda key: (-units[key], -sold[key], key[0]))[:TOP]
    top = [ProductSales(p, names[p], units[(p, c)], sold[(p, c)], c) for p, c in ranked]
    return LiveReport(
        live=live,
        orders=len(placed),
        units=len(lines),
        gmv=dict(gmv),
        top_products=top,
        per_minute=_per_minute(live.started_at, placed.values()),
        minutes=max(1, int(((live.ended_at or utcnow()) - live.started_at).total_seconds() // 60)),
    )


def _per_minute(start: datetime, times: Iterable[datetime]) -> dict[int, int]:
    counts: Counter[int] = Counter()
    for at in times:
        counts[max(0, int((at - start).total_seconds() // 60))] += 1
    return dict(sorted(counts.items()))
