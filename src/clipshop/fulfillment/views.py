"""Reading packages and tracking, scoped to the caller."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.core.schemas import check_time_range
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import OrderLineItem, Package, PackageEvent


@dataclass(frozen=True)
class PackageFilters:
    status: str | None = None
    order_id: int | None = None
    tracking_number: str | None = None
    created_ge: datetime | None = None
    created_lt: datetime | None = None

    def __post_init__(self) -> None:
        check_time_range("create_time", self.created_ge, self.created_lt)


def search(
    session: Session, principal: Principal, page: PageRequest, filters: PackageFilters
) -> Page[Package]:
    principal.require(Permission.ORDERS_READ)
    stmt = select(Package)
    if principal.role is Role.BUYER:
        stmt = stmt.where(Package.buyer_id == principal.user_id)
    else:
        visible = principal.visible_shop_ids()
        if visible is not None:
            stmt = stmt.where(Package.shop_id.in_(visible))
    if filters.status is not None:
        stmt = stmt.where(Package.status == filters.status)
    if filters.tracking_number is not None:
        stmt = stmt.where(Package.tracking_number == filters.tracking_number.strip().upper())
    if filters.order_id is not None:
        stmt = stmt.where(
            Package.id.in_(
                select(OrderLineItem.package_id).where(OrderLineItem.order_id == filters.order_id)
            )
        )
    if filters.created_ge is not None:
        stmt = stmt.where(Package.created_at >= filters.created_ge)
    if filters.created_lt is not None:
        stmt = stmt.where(Package.created_at < filters.created_lt)
    return paginate(session, stmt, Package.id, page)


def lines_by_package(session: Session, package_ids: list[int]) -> dict[int, list[OrderLineItem]]:
    grouped: dict[int, list[OrderLineItem]] = defaultdict(list)
    if package_ids:
        stmt = select(OrderLineItem).where(OrderLineItem.package_id.in_(package_ids))
        for line in session.scalars(stmt.order_by(OrderLineItem.id)):
            assert line.package_id is not None
            grouped[line.package_id].append(line)
    return grouped


def events_by_package(session: Session, package_ids: list[int]) -> dict[int, list[PackageEvent]]:
    grouped: dict[int, list[PackageEvent]] = defaultdict(list)
    if package_ids:
        stmt = select(PackageEvent).where(PackageEvent.package_id.in_(package_ids))
        for event in session.scalars(stmt.order_by(PackageEvent.occurred_at, PackageEvent.id)):
            grouped[event.package_id].append(event)
    return grouped


def packages_of_order(session: Session, order_id: int) -> list[Package]:
    ids = select(OrderLineItem.package_id).where(OrderLineItem.order_id == order_id)
    return list(session.scalars(select(Package).where(Package.id.in_(ids)).order_by(Package.id)))
