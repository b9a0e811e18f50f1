"""Shops, members and warehouses."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.api.deps import DB, Caller, Paging, ShopId, WarehouseId
from clipshop.catalog import shops, warehouses
from clipshop.catalog.schemas import (
    MemberCreate,
    MemberOut,
    ShopCreate,
    ShopOut,
    ShopPage,
    ShopUpdate,
    WarehouseFields,
    WarehouseOut,
    WarehousePage,
    WarehouseUpdate,
)

router = APIRouter(tags=["shops"])


@router.post(
    "/shops",
    response_model=ShopOut,
    status_code=201,
    summary="Create a shop (a seller becomes its owner)",
)
def create_shop(body: ShopCreate, session: DB, caller: Caller) -> ShopOut:
    shop = shops.create_shop(
        session,
        caller,
        name=body.name,
        region=body.region,
        currency=body.currency,
        shop_type=body.shop_type,
        owner_user_id=body.owner_user_id,
    )
    return ShopOut.model_validate(shop)


@router.get("/shops", response_model=ShopPage, summary="Shops you can see")
def list_shops(session: DB, caller: Caller, page: Paging) -> ShopPage:
    result = shops.list_shops(session, caller, page)
    return ShopPage(
        items=[ShopOut.model_validate(s) for s in result.items], next_cursor=result.next_cursor
    )


@router.get("/shops/{shop_id}", response_model=ShopOut)
def get_shop(shop_id: ShopId, session: DB, caller: Caller) -> ShopOut:
    return ShopOut.model_validate(shops.get_shop(session, caller, shop_id))


@router.patch(
    "/shops/{shop_id}", response_model=ShopOut, summary="Rename a shop; admins may set verified"
)
def update_shop(shop_id: ShopId, body: ShopUpdate, session: DB, caller: Caller) -> ShopOut:
    shop = shops.update_shop(session, caller, shop_id, name=body.name, verified=body.verified)
    return ShopOut.model_validate(shop)


@router.get("/shops/{shop_id}/members", response_model=list[MemberOut])
def list_members(shop_id: ShopId, session: DB, caller: Caller) -> list[MemberOut]:
    return [MemberOut.model_validate(m) for m in shops.list_members(session, caller, shop_id)]


@router.post(
    "/shops/{shop_id}/members",
    response_model=MemberOut,
    status_code=201,
    summary="Add a seller user to the shop (owner or admin)",
)
def add_member(shop_id: ShopId, body: MemberCreate, session: DB, caller: Caller) -> MemberOut:
    member = shops.add_member(session, caller, shop_id, body.user_id, body.role)
    return MemberOut.model_validate(member)


@router.post(
    "/shops/{shop_id}/warehouses",
    response_model=WarehouseOut,
    status_code=201,
    summary="Add a warehouse (the first one becomes the default)",
)
def create_warehouse(
    shop_id: ShopId, body: WarehouseFields, session: DB, caller: Caller
) -> WarehouseOut:
    warehouse = warehouses.create_warehouse(session, caller, shop_id, body.model_dump())
    return WarehouseOut.model_validate(warehouse)


@router.get("/shops/{shop_id}/warehouses", response_model=WarehousePage)
def list_warehouses(shop_id: ShopId, session: DB, caller: Caller, page: Paging) -> WarehousePage:
    result = warehouses.list_warehouses(session, caller, shop_id, page)
    return WarehousePage(
        items=[WarehouseOut.model_validate(w) for w in result.items], next_cursor=result.next_cursor
    )


@router.get("/warehouses/{warehouse_id}", response_model=WarehouseOut)
def get_warehouse(warehouse_id: WarehouseId, session: DB, caller: Caller) -> WarehouseOut:
    return WarehouseOut.model_validate(warehouses.get_warehouse(session, caller, warehouse_id))


@router.patch("/warehouses/{warehouse_id}", response_model=WarehouseOut)
def update_warehouse(
    warehouse_id: WarehouseId, body: WarehouseUpdate, session: DB, caller: Caller
) -> WarehouseOut:
    fields = body.model_dump(exclude_unset=True)
    return WarehouseOut.model_validate(
        warehouses.update_warehouse(session, caller, warehouse_id, fields)
    )
