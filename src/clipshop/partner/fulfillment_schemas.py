"""Our models of the seller API's fulfillment answers and request bodies, written from the
reference's shapes (package search and detail, ship, mark shipped, shipping info, tracking,
handover time slots, shipping documents, split, combine, image upload).

As for orders: a scalar clipshop has no value for is left out (answers are dumped with
``exclude_none``); an object or an array is always sent. Answers refuse unknown fields (the
tests validate with these models); request bodies ignore them (later clients send more)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from clipshop.partner.order_schemas import Shape

Str = str | None
Int = int | None
Bool = bool | None


class Body(BaseModel):
    """A request body: unknown fields ignored."""

    model_config = ConfigDict(extra="ignore")


# --- requests ----------------------------------------------------------------------------------


class PackageSearchFilters(Body):
    package_status: Str = None
    create_time_ge: Int = Field(default=None, ge=0)
    create_time_lt: Int = Field(default=None, ge=0)
    update_time_ge: Int = Field(default=None, ge=0)
    update_time_lt: Int = Field(default=None, ge=0)


class SlotIn(Body):
    start_time: Int = Field(default=None, ge=0)
    end_time: Int = Field(default=None, ge=0)


class SelfShipment(Body):
    tracking_number: str = Field(min_length=1, max_length=64)
    shipping_provider_id: str = Field(min_length=1, max_length=32)


class ShipBody(Body):
    handover_method: Str = None
    pickup_slot: SlotIn | None = None
    self_shipment: SelfShipment | None = None


class MarkShippedBody(Body):
    order_line_item_ids: list[str] = Field(default_factory=list, max_length=500)
    tracking_number: str = Field(min_length=1, max_length=64)
    shipping_provider_id: str = Field(min_length=1, max_length=32)


class ShippingInfo(Body):
    tracking_number: str = Field(min_length=1, max_length=64)
    shipping_provider_id: str = Field(min_length=1, max_length=32)


class ShippingInfoItem(ShippingInfo):
    package_id: Str = None


class ShippingInfoList(Body):
    """202610: one entry per package of the order (``package_id`` may be left out when the
    order has one package)."""

    shipping_info_list: list[ShippingInfoItem] = Field(min_length=1, max_length=50)


class SplitGroup(Body):
    id: str = Field(min_length=1, max_length=64)
    order_line_item_ids: list[str] = Field(min_length=1, max_length=500)


class SplitBody(Body):
    splittable_groups: list[SplitGroup] = Field(min_length=1, max_length=20)


class CombinableIn(Body):
    id: str = Field(min_length=1, max_length=20)
    order_ids: list[str] = Field(default_factory=list, max_length=20)


class CombineBody(Body):
    combinable_packages: list[CombinableIn] = Field(min_length=2, max_length=20)


# --- answers -----------------------------------------------------------------------------------


class Sku(Shape):
    id: Str = None
    image_url: Str = None
    name: Str = None
    quantity: Int = None


class PackageOrder(Shape):
    id: str
    skus: list[Sku] = Field(default_factory=list)


class SearchedPackage(Shape):
    id: str
    create_time: Int = None
    update_time: Int = None
    status: str
    order_line_item_ids: list[str]
    orders: list[PackageOrder]
    shipping_provider_id: Str = None
    shipping_provider_name: Str = None
    tracking_number: Str = None


class PackageSearchData(Shape):
    packages: list[SearchedPackage]
    next_page_token: str
    total_count: int


class Dimension(Shape):
    height: Str = None
    length: Str = None
    width: Str = None
    unit: Str = None


class Weight(Shape):
    value: Str = None
    unit: Str = None


class Insurance(Shape):
    claim_status: Str = None
    coverage_amount: Str = None
    is_claim_eligible: Bool = None
    is_purchased: Bool = None


class Slot(Shape):
    start_time: Int = None
    end_time: Int = None


class Address(Shape):
    address_detail: Str = None
    address_line1: Str = None
    address_line2: Str = None
    address_line3: Str = None
    address_line4: Str = None
    full_address: Str = None
    name: Str = None
    phone_number: Str = None
    postal_code: Str = None
    region_code: Str = None


class PackageDetail(Shape):
    package_id: str
    package_status: str
    create_time: Int = None
    update_time: Int = None
    order_line_item_ids: list[str]
    orders: list[PackageOrder]
    has_multi_skus: bool
    split_and_combine_tag: str
    shipping_type: str
    delivery_option_id: Str = None
    delivery_option_name: Str = None
    shipping_provider_id: Str = None
    shipping_provider_name: Str = None
    tracking_number: Str = None
    last_mile_tracking_number: Str = None
    handover_method: Str = None
    note_tag: Str = None
    pickup_slot: Slot = Field(default_factory=Slot)
    dimension: Dimension = Field(default_factory=Dimension)
    weight: Weight = Field(default_factory=Weight)
    insurance: Insurance = Field(default_factory=Insurance)
    recipient_address: Address = Field(default_factory=Address)
    sender_address: Address = Field(default_factory=Address)


class Empty(Shape):
    """``data`` of the actions that answer nothing (ship, shipping info update)."""


class Warning(Shape):
    message: Str = None


class MarkedShipped(Shape):
    order_id: str
    order_line_item_ids: list[str]
    package_id: str
    warning: Warning = Field(default_factory=Warning)


class TrackingEvent(Shape):
    description: str
    update_time_millis: int


class TrackingData(Shape):
    tracking: list[TrackingEvent]


class PickupSlot(Shape):
    avaliable: bool  # sic: the reference spells it so
    start_time: int
    end_time: int


class HandoverSlots(Shape):
    can_drop_off: bool
    can_pickup: bool
    can_van_collection: bool
    drop_off_point_url: Str = None
    pickup_slots: list[PickupSlot]


class ShippingDocument(Shape):
    doc_url: str
    tracking_number: Str = None


class SplitPackage(Shape):
    id: str
    splittable_group_id: str


class SplitData(Shape):
    packages: list[SplitPackage]


class CombinedPackage(Shape):
    id: str
    order_ids: list[str]


class CombineErrorDetail(Shape):
    package_id: Str = None


class CombineError(Shape):
    code: int
    message: str
    detail: CombineErrorDetail = Field(default_factory=CombineErrorDetail)


class CombineData(Shape):
    packages: list[CombinedPackage]
    errors: list[CombineError]


class ImageData(Shape):
    url: str
    width: Int = None
    height: Int = None
