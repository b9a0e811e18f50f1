"""Warehouses of a shop; exactly one is the default once any exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.catalog.shops import get_shop, get_shop_for_write
from clipshop.core.errors import InvalidInput, NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Warehouse

CLEARABLE = frozenset({"address_line2", "state"})  # optional fields a PATCH may null


def _make_default(session: Session, warehouse: Warehouse) -> None:
    session.execute(
        update(Warehouse)
        .where(Warehouse.shop_id == warehouse.shop_id, Warehouse.id != warehouse.id)
        .values(is_default=False)
    )
    warehouse.is_default = True


def create_warehouse(
    session: Session, principal: Principal, shop_id: int, fields: dict[str, Any]
) -> Warehouse:
    get_shop_for_write(session, principal, shop_id)
    make_default = bool(fields.pop("is_default", False))
    first = session.scalar(select(Warehouse.id).where(Warehouse.shop_id == shop_id)) is None
    warehouse = Warehouse(shop_id=shop_id, is_default=False, **fields)
    session.add(warehouse)
    session.flush()
    if make_default or first:
        _make_default(session, warehouse)
        session.flush()
    return warehouse


def get_warehouse(session: Session, principal: Principal, warehouse_id: int) -> Warehouse:
    principal.require(Permission.CATALOG_READ)
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None or not principal.sees_shop(warehouse.shop_id):
        raise NotFound("warehouse not found")
    return warehouse


def list_warehouses(
    session: Session, principal: Principal, shop_id: int, page: PageRequest
) -> Page[Warehouse]:
    get_shop(session, principal, shop_id)
    stmt = select(Warehouse).where(Warehouse.shop_id == shop_id)
    return paginate(session, stmt, Warehouse.id, page)


def update_warehouse(
    session: Session, principal: Principal, warehouse_id: int, fields: dict[str, Any]
) -> Warehouse:
    warehouse = get_warehouse(session, principal, warehouse_id)
    principal.require(Permission.CATALOG_WRITE)
    make_default = fields.pop("is_default", None)
    for key, value in fields.items():
        if value is None and key not in CLEARABLE:
            raise InvalidInput(f"{key} cannot be null", code="invalid_request")
        setattr(warehouse, key, value)
    if make_default:
        _make_default(session, warehouse)
    session.flush()
    return warehouse


def default_warehouse_id(session: Session, shop_id: int) -> int | None:
    stmt = select(Warehouse.id).where(Warehouse.shop_id == shop_id, Warehouse.is_default)
    return session.scalar(stmt)
