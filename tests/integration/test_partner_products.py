"""The seller API's product module over HTTP, signed as a client signs, on both databases:
products search at 202309 and 202502 (filters, paging), product detail (per-warehouse
inventory, price), inventory search, inventory update (the shop's default warehouse when none
is named) and price update (only in the shop's currency), each made through the catalog as
the native API makes it. Answers are validated by our models of the reference's shapes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.catalog import products, warehouses
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.db import Database
from clipshop.identity.principal import Principal, Role
from clipshop.models import InventoryMovement, Sku
from clipshop.partner import products_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.partner_support import answer, connect, refused

P = "/product/202309"
BOTH = [scopes.PRODUCT_BASIC, scopes.PRODUCT_WRITE]


def more_products(db: Database, world: World, count: int) -> list[str]:
    """``count`` more products of shop A, one SKU each, made as its seller."""
    shop = world.shop_a.id
    seller = Principal(world.seller_a.id, Role.SELLER, frozenset({shop}), frozenset({shop}))
    made = []
    with db.unit_of_work() as session:
        for i in range(count):
            sku = SkuCreate(seller_sku=f"EXTRA-{i}", name=f"Size {i}", price="5.00")
            spec = ProductCreate(title=f"Extra {i}", skus=[sku])
            product, _ = products.create_product(session, seller, shop, spec)
            made.append(str(product.id))
    return made


def movements(db: Database, sku_id: int) -> list[tuple[str, int, int | None]]:
    with db.unit_of_work(write=False) as session:
        stmt = (
            select(
                InventoryMovement.reason,
                InventoryMovement.delta_available,
                InventoryMovement.actor_user_id,
            )
            .where(InventoryMovement.sku_id == sku_id)
            .order_by(InventoryMovement.id)
        )
        return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def test_search_detail_and_inventory_search(client: TestClient, db: Database, world: World) -> None:
    extra = more_products(db, world, 2)
    partner = connect(client, db, [world.shop_a.id], BOTH)
    everything = [str(world.shop_a.product_id), *extra]
    for version in ("202309", "202502"):
        path = f"/product/{version}/products/search"
        seen, token = [], ""
        while True:
            query = {"page_size": 1} | ({"page_token": token} if token else {})
            page = answer(partner.post(path, {}, query), api.SearchData)
            assert page.total_count == 3
            seen += [p.id for p in page.products]
            token = page.next_page_token
            if not token:
                break
        assert seen == everything
    first = answer(
        partner.post(f"{P}/products/search", {"seller_skus": ["EXTRA-1"]}, {"page_size": 10}),
        api.SearchData,
    )
    assert [p.id for p in first.products] == [extra[1]]
    assert first.products[0].status == "ACTIVATE"
    none = answer(
        partner.post(f"{P}/products/search", {"status": "DRAFT"}, {"page_size": 10}),
        api.SearchData,
    )
    assert none.total_count == 0 and none.products == []
    bad = partner.post(f"{P}/products/search", {"status": "NOPE"}, {"page_size": 10})
    refused(bad, 400, 36009004)

    detail = answer(partner.get(f"{P}/products/{world.shop_a.product_id}"), api.ProductDetail)
    (sku,) = detail.skus
    assert sku.id == str(world.shop_a.sku_id)
    assert sku.price.sale_price == "10.00" and sku.price.currency == "USD"
    assert [(i.warehouse_id, i.quantity) for i in sku.inventory] == [
        (str(world.shop_a.warehouse_id), 10)
    ]
    stock = answer(
        partner.post(f"{P}/inventory/search", {"sku_ids": [str(world.shop_a.sku_id)]}),
        api.InventoryData,
    )
    (item,) = stock.inventory
    assert item.product_id == str(world.shop_a.product_id)
    assert item.skus[0].total_available_quantity == 10

    other = connect(client, db, [world.shop_b.id], BOTH)
    refused(other.get(f"{P}/products/{world.shop_a.product_id}"), 404, 36009005)
    theirs = {"product_ids": [str(world.shop_a.product_id)]}
    assert answer(other.post(f"{P}/inventory/search", theirs), api.InventoryData).inventory == []


def test_inventory_and_price_updates(client: TestClient, db: Database, world: World) -> None:
    partner = connect(client, db, [world.shop_a.id], BOTH)
    pid, sku_id = world.shop_a.product_id, world.shop_a.sku_id
    with db.unit_of_work(write=False) as session:
        assert warehouses.default_warehouse_id(session, world.shop_a.id) == (
            world.shop_a.warehouse_id
        )

    # no warehouse_id: the shop's default warehouse, set as the catalog sets stock
    body = {"skus": [{"id": str(sku_id), "inventory": [{"quantity": 42}]}]}
    got = answer(partner.post(f"{P}/products/{pid}/inventory/update", body), api.UpdateData)
    assert got.errors == []
    detail = answer(partner.get(f"{P}/products/{pid}"), api.ProductDetail)
    assert [(i.warehouse_id, i.quantity) for i in detail.skus[0].inventory] == [
        (str(world.shop_a.warehouse_id), 42)
    ]
    assert movements(db, sku_id)[-1] == ("SET", 32, world.seller_a.id)
    foreign = {
        "id": str(sku_id),
        "inventory": [{"warehouse_id": str(world.shop_b.warehouse_id), "quantity": 1}],
    }
    refused(
        partner.post(f"{P}/products/{pid}/inventory/update", {"skus": [foreign]}), 404, 36009005
    )
    wrong_sku = {"skus": [{"id": str(world.shop_b.sku_id), "inventory": [{"quantity": 1}]}]}
    refused(partner.post(f"{P}/products/{pid}/inventory/update", wrong_sku), 404, 36009005)

    # price: the shop's currency only
    price = {"skus": [{"id": str(sku_id), "price": {"amount": "12.50", "currency": "USD"}}]}
    answer(partner.post(f"{P}/products/{pid}/prices/update", price), dict)
    euros = {"skus": [{"id": str(sku_id), "price": {"amount": "9.00", "currency": "EUR"}}]}
    assert "currency" in refused(
        partner.post(f"{P}/products/{pid}/prices/update", euros), 400, 36009004
    )
    junk = {"skus": [{"id": str(sku_id), "price": {"amount": "abc", "currency": "USD"}}]}
    refused(partner.post(f"{P}/products/{pid}/prices/update", junk), 400, 36009004)
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Sku, sku_id).price == 1250
    shown = answer(partner.get(f"{P}/products/{pid}"), api.ProductDetail).skus[0].price
    assert shown.sale_price == "12.50"

    # another shop's app cannot touch it; a read-only grant cannot write
    other = connect(client, db, [world.shop_b.id], BOTH)
    refused(other.post(f"{P}/products/{pid}/prices/update", price), 404, 36009005)
    reader = connect(client, db, [world.shop_a.id], [scopes.PRODUCT_BASIC])
    refused(reader.post(f"{P}/products/{pid}/prices/update", price), 403, 105005)
    refused(reader.post(f"{P}/products/{pid}/inventory/update", body), 403, 105005)
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Sku, sku_id).price == 1250
