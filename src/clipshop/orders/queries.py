"""Reading orders, scoped to the caller: a buyer its own, a seller its shops', staff all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.core.schemas import check_time_range
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import Cancellation, Dispute, Order, OrderEvent, OrderLineItem, Return


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    shop_id: int | None = None
    buyer_id: int | None = None
    created_ge: datetime | None = None
    created_lt: datetime | None = None
    updated_ge: datetime | None = None
    updated_lt: datetime | None = None

    def __post_init__(self) -> None:
        check_time_range("create_time", self.created_ge, self.created_lt)
        check_time_range("update_time", self.updated_ge, self.updated_lt)


# The tables of a buyer's order with a shop: the order and the requests about it.
M = TypeVar("M", Order, Cancellation, Return, Dispute)


def visible_to(principal: Principal, model: type[M]) -> Select[M]:
    """The rows of ``model`` (an order, or a request about one) the caller may read: a buyer
    its own, a seller its shops', platform staff all. Everything else is "not found"."""
    principal.require(Permission.ORDERS_READ)
    stmt = select(model)
    if principal.role is Role.BUYER:
        return stmt.where(model.buyer_id == principal.user_id)
    visible = principal.visible_shop_ids()
    return stmt if visible is None else stmt.where(model.shop_id.in_(visible))


def _scoped(principal: Principal) -> Select[Order]:
    return visible_to(principal, Order)


def list_orders(
    session: Session, principal: Principal, page: PageRequest, filters: OrderFilters
) -> Page[Order]:
    stmt = _scoped(principal)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status)
    if filters.shop_id is not None:
        stmt = stmt.where(Order.shop_id == filters.shop_id)
    if filters.buyer_id is not None:
        stmt = stmt.where(Order.buyer_id == filters.buyer_id)
    if filters.created_ge is not None:
        stmt = stmt.where(Order.created_at >= filters.created_ge)
    if filters.created_lt is not None:
        stmt = stmt.where(Order.created_at < filters.created_lt)
    if filters.updated_ge is not None:
        stmt = stmt.where(Order.updated_at >= filters.updated_ge)
    if filters.updated_lt is not None:
        stmt = stmt.where(Order.updated_at < filters.updated_lt)
    return paginate(session, stmt, Order.id, page)


def get_order(session: Session, principal: Principal, order_id: int) -> Order:
    order = session.scalar(_scoped(principal).where(Order.id == order_id))
    if order is None:
        raise NotFound("order not found")
    return order


def lines_of(session: Session, order_ids: list[int]) -> dict[int, list[OrderLineItem]]:
    grouped: dict[int, list[OrderLineItem]] = {i: [] for i in order_ids}
    if order_ids:
        for line in session.scalars(_LINES, {"orders": order_ids}):
            grouped[line.order_id].append(line)
    return grouped


_LINES = (
    select(OrderLineItem)
    .where(OrderLineItem.order_id.in_(bindparam("orders")))
    .order_by(OrderLineItem.id)
)


def timeline(session: Session, order_id: int) -> list[OrderEvent]:
    stmt = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list(session.scalars(stmt))
