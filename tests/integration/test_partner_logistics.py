"""The seller API's logistics module over HTTP on both databases: warehouses, a warehouse's
delivery options (clipshop's shipping services), a delivery option's shipping providers,
global sellers' warehouses; another shop's warehouse not found; answers validated by our
models of the reference's shapes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.models import Shop
from clipshop.partner import logistics_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.partner_support import answer, connect, refused

L = "/logistics/202309"


def test_warehouses_options_and_providers(client: TestClient, db: Database, world: World) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.LOGISTICS])
    found = answer(partner.get(f"{L}/warehouses"), api.WarehousesData)
    (mine,) = found.warehouses
    assert mine.id == str(world.shop_a.warehouse_id) and mine.is_default
    assert (mine.type, mine.sub_type, mine.effect_status) == (
        "SALES_WAREHOUSE",
        "DOMESTIC_WAREHOUSE",
        "ENABLED",
    )
    assert mine.address.postal_code == "62701" and mine.address.region_code == "US"

    options = answer(
        partner.get(f"{L}/warehouses/{mine.id}/delivery_options"), api.DeliveryOptionsData
    )
    assert [(o.id, o.type) for o in options.delivery_options] == [
        ("STANDARD", "STANDARD"),
        ("EXPRESS", "EXPRESS"),
    ]
    assert options.delivery_options[0].description == "Delivered in 3-7 days"
    product = answer(
        partner.get(f"{L}/warehouses/{mine.id}/delivery_options", {"scope": "PRODUCT"}),
        api.DeliveryOptionsData,
    )
    assert product.delivery_options[0] == api.DeliveryOption(
        id="STANDARD", name="Standard shipping"
    )
    refused(
        partner.get(f"{L}/warehouses/{mine.id}/delivery_options", {"scope": "X"}), 400, 36009004
    )
    theirs = world.shop_b.warehouse_id
    refused(partner.get(f"{L}/warehouses/{theirs}/delivery_options"), 404, 36009005)

    def providers(option: str) -> list[str]:
        path = f"{L}/delivery_options/{option}/shipping_providers"
        data = answer(partner.get(path), api.ShippingProvidersData)
        return [p.id for p in data.shipping_providers]

    assert providers("STANDARD") == ["SIMEX", "SIMPOST", "OTHER"]
    assert providers("EXPRESS") == ["SIMEX"]
    refused(partner.get(f"{L}/delivery_options/ECONOMY/shipping_providers"), 404, 36009005)

    # A local seller has no global warehouses; a cross-border one has its own.
    data = answer(partner.get(f"{L}/global_warehouses"), api.GlobalWarehousesData)
    assert data.global_warehouses == []
    with db.unit_of_work() as session:
        session.get_one(Shop, world.shop_a.id).shop_type = "CROSS_BORDER"
    data = answer(partner.get(f"{L}/global_warehouses"), api.GlobalWarehousesData)
    assert [(w.id, w.ownership) for w in data.global_warehouses] == [(mine.id, "SELLER")]
    (cross,) = answer(partner.get(f"{L}/warehouses"), api.WarehousesData).warehouses
    assert cross.sub_type == "CB_DIRECT_SHIPPING_WAREHOUSE"


def test_scope_is_logistics(client: TestClient, db: Database, world: World) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.FULFILLMENT])
    refused(partner.get(f"{L}/warehouses"), 403, 105005)
    refused(partner.get(f"{L}/global_warehouses"), 403, 105005)
