"""The seller API's product module: products search (202309, 202502), product detail,
inventory search, and the inventory and price updates. Reads are scoped to the shop; the
updates are the catalog's own (``catalog.inventory.set_stock``, ``catalog.products.update_sku``)
made as the shop's seller, so they record the same movements and follow the same rules."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from clipshop.catalog import inventory, products, warehouses
from clipshop.catalog.schemas import SkuUpdate
from clipshop.core.money import Money
from clipshop.identity.principal import Principal
from clipshop.models import Product, Shop, Sku, StockLevel
from clipshop.partner import products_schemas as api
from clipshop.partner import returns_paging as paging
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import PageParams

# clipshop product status -> API ``status`` (one to one; the API's others never occur).
PRODUCT_STATUS = {"ACTIVE": "ACTIVATE", "INACTIVE": "SELLER_DEACTIVATED"}
API_STATUSES = (
    "ALL",
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)


def _where(shop_id: int, f: api.SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Product.shop_id == shop_id]
    status = (f.status or "ALL").upper()
    if status not in API_STATUSES:
        raise invalid_parameter("status must be one of " + ", ".join(API_STATUSES))
    if status != "ALL":
        ours = [k for k, v in PRODUCT_STATUS.items() if v == status]
        where.append(Product.status.in_(ours))  # none: a status clipshop has no product in
    for name, column in (("create_time", Product.created_at), ("update_time", Product.updated_at)):
        ge, le = getattr(f, f"{name}_ge"), getattr(f, f"{name}_le")
        if ge is not None and le is not None and ge > le:
            raise invalid_parameter(f"{name}_ge must not be later than {name}_le")
        if ge is not None:
            where.append(column >= paging.at(ge))
        if le is not None:
            where.append(column < paging.at(le + 1))
    if f.seller_skus:
        where.append(
            exists().where(Sku.product_id == Product.id, Sku.seller_sku.in_(f.seller_skus))
        )
    if f.sku_ids:
        wanted = paging.ids(f.sku_ids, "sku_ids")
        where.append(exists().where(Sku.product_id == Product.id, Sku.id.in_(wanted)))
    return where


def _levels(session: Session, sku_ids: list[int]) -> dict[int, list[StockLevel]]:
    grouped: dict[int, list[StockLevel]] = defaultdict(list)
    if sku_ids:
        stmt = (
            select(StockLevel)
            .where(StockLevel.sku_id.in_(sku_ids))
            .order_by(StockLevel.sku_id, StockLevel.warehouse_id)
        )
        for level in session.scalars(stmt):
            grouped[level.sku_id].append(level)
    return grouped


def _price(sku: Sku) -> api.Price:
    amount = Money(sku.price, sku.currency).to_decimal_string()
    return api.Price(currency=sku.currency, sale_price=amount, tax_exclusive_price=amount)


def _inventory(levels: list[StockLevel]) -> list[api.Inventory]:
    return [api.Inventory(warehouse_id=str(x.warehouse_id), quantity=x.available) for x in levels]


def search(
    session: Session, shop: Shop, filters: api.SearchFilters, page: PageParams
) -> tuple[list[api.SearchProduct], dict[str, Any] | None, int]:
    where = _where(shop.id, filters)
    found, position, total = paging.page(
        session, Product, where, filters, page, ("create_time", "ASC")
    )
    skus = products.skus_by_product(session, [p.id for p in found])
    levels = _levels(session, [s.id for group in skus.values() for s in group])
    shaped = [
        api.SearchProduct(
            id=str(p.id),
            title=p.title,
            status=PRODUCT_STATUS[p.status],
            create_time=paging.unix(p.created_at),
            update_time=paging.unix(p.updated_at),
            skus=[
                api.SearchSku(
                    id=str(s.id),
                    seller_sku=s.seller_sku,
                    price=_price(s),
                    inventory=_inventory(levels[s.id]),
                )
                for s in skus[p.id]
            ],
            sales_regions=[shop.region],
        )
        for p in found
    ]
    return shaped, position, total


def of_shop(session: Session, shop_id: int, product_id: int) -> Product:
    found = session.get(Product, product_id)
    if found is None or found.shop_id != shop_id:
        raise not_found(f"no product {product_id} in this shop")
    return found


def detail(session: Session, shop_id: int, product_id: int) -> api.ProductDetail:
    p = of_shop(session, shop_id, product_id)
    skus = products.skus_by_product(session, [p.id])[p.id]
    levels = _levels(session, [s.id for s in skus])
    return api.ProductDetail(
        id=str(p.id),
        title=p.title,
        description=p.description,
        status=PRODUCT_STATUS[p.status],
        create_time=paging.unix(p.created_at),
        update_time=paging.unix(p.updated_at),
        skus=[
            api.DetailSku(
                id=str(s.id),
                seller_sku=s.seller_sku,
                price=_price(s),
                inventory=_inventory(levels[s.id]),
                sales_attributes=[
                    api.SalesAttribute(name=str(k), value_name=str(v))
                    for k, v in sorted(s.attributes.items())
                ],
            )
            for s in skus
        ],
    )


def inventory_search(
    session: Session, shop_id: int, body: api.InventorySearch
) -> api.InventoryData:
    if not body.product_ids and not body.sku_ids:
        raise invalid_parameter("product_ids or sku_ids is required")
    stmt = select(Sku).where(Sku.shop_id == shop_id)
    if body.product_ids:
        stmt = stmt.where(Sku.product_id.in_(paging.ids(body.product_ids, "product_ids")))
    if body.sku_ids:
        stmt = stmt.where(Sku.id.in_(paging.ids(body.sku_ids, "sku_ids")))
    skus = list(session.scalars(stmt.order_by(Sku.product_id, Sku.id)))
    levels = _levels(session, [s.id for s in skus])
    by_product: dict[int, list[api.InventorySku]] = defaultdict(list)
    for s in skus:
        rows = levels[s.id]
        by_product[s.product_id].append(
            api.InventorySku(
                id=str(s.id),
                seller_sku=s.seller_sku,
                total_available_quantity=sum(x.available for x in rows),
                total_committed_quantity=sum(x.committed for x in rows),
                warehouse_inventory=[
                    api.WarehouseInventory(
                        warehouse_id=str(x.warehouse_id),
                        available_quantity=x.available,
                        committed_quantity=x.committed,
                    )
                    for x in rows
                ],
            )
        )
    return api.InventoryData(
        inventory=[
            api.ProductInventory(product_id=str(pid), skus=found)
            for pid, found in by_product.items()
        ]
    )


def _skus_of(session: Session, product: Product, wanted: list[str]) -> dict[str, Sku]:
    ids = paging.ids(wanted, "skus.id")
    found = {s.id: s for s in products.skus_by_product(session, [product.id])[product.id]}
    missing = [i for i in ids if i not in found]
    if missing:
        raise not_found(f"no SKU {missing[0]} in product {product.id}")
    return {str(i): found[i] for i in ids}


def update_inventory(
    session: Session, seller: Principal, shop_id: int, product_id: int, body: api.InventoryUpdate
) -> None:
    """Each SKU's quantity per warehouse; no ``warehouse_id``: the shop's default warehouse."""
    product = of_shop(session, shop_id, product_id)
    skus = _skus_of(session, product, [s.id for s in body.skus])
    default = None
    for item in body.skus:
        for level in item.inventory:
            if level.warehouse_id:
                warehouse = paging.ids([level.warehouse_id], "warehouse_id")[0]
            else:
                default = default or warehouses.default_warehouse_id(session, shop_id)
                if default is None:
                    raise invalid_parameter("warehouse_id is required: the shop has no default")
                warehouse = default
            inventory.set_stock(
                session, seller, skus[item.id].id, warehouse, level.quantity, note="seller API"
            )


def update_prices(
    session: Session, seller: Principal, shop: Shop, product_id: int, body: api.PriceUpdate
) -> None:
    """Each SKU's price, in the shop's currency only (another: 36009004)."""
    product = of_shop(session, shop.id, product_id)
    skus = _skus_of(session, product, [s.id for s in body.skus])
    for item in body.skus:
        if item.price.currency != shop.currency:
            raise invalid_parameter(
                f"price.currency {item.price.currency!r} is not the shop's currency "
                f"({shop.currency})"
            )
        try:
            change = SkuUpdate(price=item.price.amount)
        except ValidationError:
            raise invalid_parameter(
                f"price.amount {item.price.amount!r} is not a positive decimal amount"
            ) from None
        products.update_sku(session, seller, skus[item.id].id, change)
