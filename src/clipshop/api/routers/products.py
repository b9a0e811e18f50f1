"""Products, SKUs, stock levels, the movement ledger and low-stock flags."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from clipshop.api.deps import DB, Caller, Paging, ProductId, ShopId, SkuId, WarehouseId
from clipshop.catalog import inventory, listing, products
from clipshop.catalog.schemas import (
    LowStockOut,
    MovementOut,
    MovementPage,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductUpdate,
    SkuCreate,
    SkuOut,
    SkuStockOut,
    SkuUpdate,
    StockAdjust,
    StockLevelOut,
    StockSet,
)
from clipshop.core.schemas import PageOut
from clipshop.models import Product, Sku

router = APIRouter(tags=["catalog"])


def _sku_out(session: Session, sku: Sku) -> SkuOut:
    return SkuOut.of(sku, listing.total_available(session, sku.id))


def _products_out(session: Session, items: list[Product]) -> list[ProductOut]:
    skus = products.skus_by_product(session, [p.id for p in items])
    stock = listing.totals(session, [s.id for group in skus.values() for s in group])
    return [
        ProductOut(
            id=p.id,
            shop_id=p.shop_id,
            title=p.title,
            description=p.description,
            status=p.status,
            created_at=p.created_at,
            updated_at=p.updated_at,
            skus=[SkuOut.of(s, stock[s.id]) for s in skus.get(p.id, [])],
        )
        for p in items
    ]


@router.post(
    "/shops/{shop_id}/products",
    response_model=ProductOut,
    status_code=201,
    summary="Create a product with its SKUs",
)
def create_product(shop_id: ShopId, body: ProductCreate, session: DB, caller: Caller) -> ProductOut:
    product, _ = products.create_product(session, caller, shop_id, body)
    return _products_out(session, [product])[0]


@router.get("/shops/{shop_id}/products", response_model=ProductPage)
def list_products(
    shop_id: ShopId,
    session: DB,
    caller: Caller,
    page: Paging,
    status: Annotated[Literal["ACTIVE", "INACTIVE"] | None, Query()] = None,
) -> ProductPage:
    result = products.list_products(session, caller, shop_id, page, status)
    return ProductPage(items=_products_out(session, result.items), next_cursor=result.next_cursor)


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: ProductId, session: DB, caller: Caller) -> ProductOut:
    return _products_out(session, [products.get_product(session, caller, product_id)])[0]


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(
    product_id: ProductId, body: ProductUpdate, session: DB, caller: Caller
) -> ProductOut:
    product = products.update_product(session, caller, product_id, body)
    return _products_out(session, [product])[0]


@router.post("/products/{product_id}/skus", response_model=SkuOut, status_code=201)
def add_sku(product_id: ProductId, body: SkuCreate, session: DB, caller: Caller) -> SkuOut:
    return _sku_out(session, products.add_sku(session, caller, product_id, body))


@router.get("/skus/{sku_id}", response_model=SkuOut)
def get_sku(sku_id: SkuId, session: DB, caller: Caller) -> SkuOut:
    return _sku_out(session, products.get_sku(session, caller, sku_id))


@router.patch("/skus/{sku_id}", response_model=SkuOut)
def update_sku(sku_id: SkuId, body: SkuUpdate, session: DB, caller: Caller) -> SkuOut:
    return _sku_out(session, products.update_sku(session, caller, sku_id, body))


def _stock_out(stock: inventory.SkuStock) -> SkuStockOut:
    return SkuStockOut(
        sku_id=stock.sku.id,
        total_available=stock.total_available,
        total_committed=stock.total_committed,
        low_stock=stock.low_stock,
        levels=[StockLevelOut.model_validate(level) for level in stock.levels],
    )


@router.get(
    "/skus/{sku_id}/stock", response_model=SkuStockOut, summary="Stock of a SKU per warehouse"
)
def get_stock(sku_id: SkuId, session: DB, caller: Caller) -> SkuStockOut:
    return _stock_out(inventory.sku_stock(session, caller, sku_id))


@router.put(
    "/skus/{sku_id}/stock/{warehouse_id}",
    response_model=MovementOut,
    summary="Set available stock (optionally compare-and-swap on expected_available)",
)
def set_stock(
    sku_id: SkuId, warehouse_id: WarehouseId, body: StockSet, session: DB, caller: Caller
) -> MovementOut:
    change = inventory.set_stock(
        session, caller, sku_id, warehouse_id, body.available, body.expected_available, body.note
    )
    return MovementOut.model_validate(change.movement)


@router.post(
    "/skus/{sku_id}/stock/{warehouse_id}/adjust",
    response_model=MovementOut,
    summary="Add or remove units (409 if it would go below zero)",
)
def adjust_stock(
    sku_id: SkuId, warehouse_id: WarehouseId, body: StockAdjust, session: DB, caller: Caller
) -> MovementOut:
    change = inventory.adjust_stock(
        session, caller, sku_id, warehouse_id, body.delta, body.reason, body.note
    )
    return MovementOut.model_validate(change.movement)


@router.get(
    "/skus/{sku_id}/movements",
    response_model=MovementPage,
    summary="The inventory ledger of a SKU, newest first",
)
def list_movements(sku_id: SkuId, session: DB, caller: Caller, page: Paging) -> MovementPage:
    result = inventory.list_movements(session, caller, sku_id, page)
    return MovementPage(
        items=[MovementOut.model_validate(m) for m in result.items], next_cursor=result.next_cursor
    )


class LowStockPage(PageOut):
    items: list[LowStockOut]


@router.get(
    "/shops/{shop_id}/low-stock",
    response_model=LowStockPage,
    summary="SKUs whose total available stock is below their threshold",
)
def low_stock(shop_id: ShopId, session: DB, caller: Caller, page: Paging) -> LowStockPage:
    result = inventory.low_stock(session, caller, shop_id, page)
    return LowStockPage(
        items=[
            LowStockOut(
                sku=SkuOut.of(sku, total),
                total_available=total,
                low_stock_threshold=sku.low_stock_threshold or 0,
            )
            for sku, total in result.items
        ],
        next_cursor=result.next_cursor,
    )
