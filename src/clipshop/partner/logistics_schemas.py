"""Our models of the seller API's logistics answers (warehouses, a warehouse's delivery
options, a delivery option's shipping providers, global warehouses), from the reference's
shapes: scalars clipshop has no value for are left out, objects and arrays always sent."""

from __future__ import annotations

from pydantic import Field

from clipshop.partner.order_schemas import Shape

Str = str | None
Int = int | None


class WarehouseAddress(Shape):
    address_line1: Str = None
    address_line2: Str = None
    city: Str = None
    contact_person: Str = None
    full_address: Str = None
    phone_number: Str = None
    postal_code: Str = None
    region: Str = None
    region_code: Str = None
    state: Str = None


class WarehouseOut(Shape):
    id: str
    name: str
    effect_status: str  # ENABLED
    type: str  # SALES_WAREHOUSE
    sub_type: str  # DOMESTIC_WAREHOUSE, CB_DIRECT_SHIPPING_WAREHOUSE
    is_default: bool
    entity_id: Str = None
    address: WarehouseAddress = Field(default_factory=WarehouseAddress)


class WarehousesData(Shape):
    warehouses: list[WarehouseOut]


class DimensionLimit(Shape):
    max_height: Int = None
    max_length: Int = None
    max_width: Int = None
    unit: Str = None


class WeightLimit(Shape):
    max_weight: Int = None
    min_weight: Int = None
    unit: Str = None


class DeliveryOption(Shape):
    id: str
    name: str
    type: Str = None
    description: Str = None
    platform: list[str] = Field(default_factory=list)
    dimension_limit: DimensionLimit = Field(default_factory=DimensionLimit)
    weight_limit: WeightLimit = Field(default_factory=WeightLimit)


class DeliveryOptionsData(Shape):
    delivery_options: list[DeliveryOption]


class ShippingProvider(Shape):
    id: str
    name: str


class ShippingProvidersData(Shape):
    shipping_providers: list[ShippingProvider]


class GlobalWarehouse(Shape):
    id: str
    name: str
    ownership: str  # SELLER


class GlobalWarehousesData(Shape):
    global_warehouses: list[GlobalWarehouse]
