"""The seller API's logistics reads: a shop's warehouses, the delivery options they ship with
(clipshop's shipping services, id ``STANDARD`` / ``EXPRESS``, as an order's
``delivery_option_id``), each option's shipping providers, and a global seller's warehouses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.fulfillment.providers import allowed_providers
from clipshop.models import Shop, Warehouse
from clipshop.partner import logistics_schemas as api
from clipshop.partner.errors import not_found
from clipshop.pricing.shipping import profiles_for


def _address(w: Warehouse) -> api.WarehouseAddress:
    place = " ".join(x for x in (w.state, w.postal_code) if x)
    parts = (w.address_line1, w.address_line2, w.city, place, w.country)
    return api.WarehouseAddress(
        address_line1=w.address_line1,
        address_line2=w.address_line2 or "",
        city=w.city,
        state=w.state,
        postal_code=w.postal_code,
        region=w.country,
        region_code=w.country,
        full_address=", ".join(x for x in parts if x),
    )


def _warehouses(session: Session, shop_ids: Sequence[int]) -> list[Warehouse]:
    stmt = select(Warehouse).where(Warehouse.shop_id.in_(shop_ids))
    return list(session.scalars(stmt.order_by(Warehouse.is_default.desc(), Warehouse.id)))


def warehouses(session: Session, shop_id: int) -> api.WarehousesData:
    shop = session.get_one(Shop, shop_id)
    sub_type = "CB_DIRECT_SHIPPING_WAREHOUSE" if shop.shop_type == "CROSS_BORDER" else None
    return api.WarehousesData(
        warehouses=[
            api.WarehouseOut(
                id=str(w.id),
                name=w.name,
                effect_status="ENABLED",
                type="SALES_WAREHOUSE",
                sub_type=sub_type or "DOMESTIC_WAREHOUSE",
                is_default=w.is_default,
                address=_address(w),
            )
            for w in _warehouses(session, [shop_id])
        ]
    )


def _options(session: Session, shop_id: int) -> list[api.DeliveryOption]:
    return [
        api.DeliveryOption(
            id=p["service"],
            name=p["name"],
            type=p["service"],
            description=f"Delivered in {p['min_days']}-{p['max_days']} days",
            platform=["TIKTOK_SHOP"],
        )
        for p in profiles_for(session, shop_id)
    ]


def delivery_options(
    session: Session, shop_id: int, warehouse_id: int, scope: str
) -> api.DeliveryOptionsData:
    """Every shipping service of the shop ships from each of its warehouses; ``scope``
    ``PRODUCT`` answers only ids and names, as the reference says."""
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None or warehouse.shop_id != shop_id:
        raise not_found(f"warehouse {warehouse_id} not found")
    options = _options(session, shop_id)
    if scope == "PRODUCT":
        options = [api.DeliveryOption(id=o.id, name=o.name) for o in options]
    return api.DeliveryOptionsData(delivery_options=options)


def shipping_providers(
    session: Session, shop_id: int, delivery_option_id: str
) -> api.ShippingProvidersData:
    if delivery_option_id not in {o.id for o in _options(session, shop_id)}:
        raise not_found(f"delivery option {delivery_option_id!r} not found")
    return api.ShippingProvidersData(
        shipping_providers=[
            api.ShippingProvider(id=p.code, name=p.name)
            for p in allowed_providers(delivery_option_id)
        ]
    )


def global_warehouses(session: Session, shop_ids: Sequence[int]) -> api.GlobalWarehousesData:
    """The warehouses of the token's cross-border shops (a local seller has none)."""
    cross_border = select(Shop.id).where(Shop.id.in_(shop_ids), Shop.shop_type == "CROSS_BORDER")
    found = _warehouses(session, list(session.scalars(cross_border)))
    return api.GlobalWarehousesData(
        global_warehouses=[
            api.GlobalWarehouse(id=str(w.id), name=w.name, ownership="SELLER") for w in found
        ]
    )
