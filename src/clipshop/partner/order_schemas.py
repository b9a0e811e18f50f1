"""Our models of the seller API's order answers (search and detail at 202309, detail at 202507,
the price detail of 202407) and of the search filters, written from the reference's shapes.

Times are Unix seconds; money is a decimal string beside a ``currency``. A field the reference
lists as a scalar is left out when clipshop has no value for it (answers are dumped with
``exclude_none``); an object or an array is always sent, empty when there is nothing in it.
Unknown fields are refused (``extra="forbid"``), so the tests validate bodies with these very
models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds

Str = str | None
Int = int | None
Bool = bool | None


class Shape(BaseModel):
    """A part of an answer: exactly the reference's field names, nothing else."""

    model_config = ConfigDict(extra="forbid")


# --- the order, as search and detail answer it ------------------------------------------------


class DistrictInfo(Shape):
    address_level: Str = None  # L0 country, L1 state, L2 county, L3 city
    address_level_name: Str = None
    address_name: Str = None
    iso_code: Str = None


class DeliveryPreferences(Shape):
    drop_off_location: Str = None


class RecipientAddress(Shape):
    """Empty (no scalar fields, empty lists) while the order is UNPAID or ON_HOLD."""

    address_detail: Str = None
    address_line1: Str = None
    address_line2: Str = None
    address_line3: Str = None
    address_line4: Str = None
    delivery_preferences: DeliveryPreferences = Field(default_factory=DeliveryPreferences)
    district_info: list[DistrictInfo] = Field(default_factory=list)
    first_name: Str = None
    first_name_local_script: Str = None
    full_address: Str = None
    last_name: Str = None
    last_name_local_script: Str = None
    name: Str = None
    phone_number: Str = None
    post_town: Str = None
    postal_code: Str = None
    region_code: Str = None


class ItemTax(Shape):
    tax_amount: Str = None
    tax_rate: Str = None
    tax_type: Str = None


class CombinedListingSku(Shape):
    product_id: Str = None
    seller_sku: Str = None
    sku_count: Int = None
    sku_id: Str = None


class LineItem(Shape):
    buyer_service_fee: Str = None
    cancel_reason: Str = None
    cancel_user: Str = None  # BUYER SELLER OPERATOR SYSTEM
    combined_listing_skus: list[CombinedListingSku] = Field(default_factory=list)
    currency: str
    display_status: str
    distance_fee: Str = None
    distance_shipping_fee: Str = None
    gift_retail_price: Str = None
    handling_duration_days: Str = None
    id: str
    is_dangerous_good: Bool = None
    is_gift: Bool = None
    is_unboxing_item: Bool = None
    item_tax: list[ItemTax] = Field(default_factory=list)
    needs_prescription: Bool = None
    original_price: str
    package_id: Str = None
    package_status: str
    pfand_fee: Str = None
    platform_discount: str
    product_id: str
    product_name: str
    retail_delivery_fee: Str = None
    rts_time: Int = None
    sale_price: str
    seller_discount: str
    seller_sku: str
    shipping_provider_id: Str = None
    shipping_provider_name: Str = None
    sku_id: str
    sku_image: Str = None
    sku_name: str
    sku_type: Str = None
    small_order_fee: Str = None
    tracking_number: Str = None
    unboxing_sku_code: Str = None


class Payment(Shape):
    buyer_service_fee: Str = None
    currency: str
    distance_fee: Str = None
    distance_shipping_fee: Str = None
    handling_fee: Str = None
    item_insurance_fee: Str = None
    item_insurance_tax: Str = None
    original_shipping_fee: str
    original_total_product_price: str
    payment_discount_service_fee: Str = None
    payment_platform_discount: Str = None
    platform_discount: str
    product_tax: Str = None
    retail_delivery_fee: Str = None
    seller_discount: str
    shipping_fee: str
    shipping_fee_cofunded_discount: Str = None
    shipping_fee_platform_discount: str
    shipping_fee_seller_discount: str
    shipping_fee_tax: Str = None
    shipping_insurance_fee: Str = None
    small_order_fee: Str = None
    sub_total: str
    tax: str
    total_amount: str


class HandlingDuration(Shape):
    days: Str = None
    type: Str = None


class PackageRef(Shape):
    id: str


class OrderCommon(Shape):
    """The order fields every version answers (search 202309, detail 202309 and 202507)."""

    auto_combine_group_id: Str = None
    buyer_avatar: Str = None
    buyer_email: Str = None
    buyer_message: Str = None
    buyer_nickname: Str = None
    cancel_order_sla_time: Int = None
    cancel_reason: Str = None
    cancel_time: Int = None
    cancellation_initiator: Str = None  # SELLER BUYER SYSTEM
    collection_due_time: Int = None
    collection_time: Int = None
    commerce_platform: Str = None
    consultation_id: Str = None
    cpf: Str = None
    cpf_name: Str = None
    create_time: int
    delivery_due_time: Int = None
    delivery_option_id: Str = None
    delivery_option_name: Str = None
    delivery_option_required_delivery_time: Int = None
    delivery_sla_time: Int = None
    delivery_time: Int = None
    delivery_type: Str = None
    exchange_source_order_id: Str = None
    fast_delivery_program: Str = None
    fast_dispatch_sla_time: Int = None
    fulfillment_type: Str = None
    handling_duration: HandlingDuration = Field(default_factory=HandlingDuration)
    has_updated_recipient_address: Bool = None
    id: str
    is_buyer_request_cancel: Bool = None
    is_cod: Bool = None
    is_exchange_order: Bool = None
    is_on_hold_order: Bool = None
    is_replacement_order: Bool = None
    is_sample_order: Bool = None
    line_items: list[LineItem] = Field(default_factory=list)
    need_upload_invoice: Str = None
    order_rights: list[int] = Field(default_factory=list)
    order_type: Str = None
    packages: list[PackageRef] = Field(default_factory=list)
    paid_time: Int = None
    payment: Payment
    payment_method_name: Str = None
    pick_up_cut_off_time: Int = None
    recipient_address: RecipientAddress = Field(default_factory=RecipientAddress)
    release_date: Int = None
    replaced_order_id: Str = None
    request_cancel_time: Int = None
    rts_sla_time: Int = None
    rts_time: Int = None
    seller_note: Str = None
    shipping_due_time: Int = None
    shipping_provider: Str = None
    shipping_provider_id: Str = None
    shipping_type: Str = None  # TIKTOK SELLER
    split_or_combine_tag: Str = None
    status: str
    tracking_number: Str = None
    tts_sla_time: Int = None
    update_time: int
    user_id: Str = None
    warehouse_id: Str = None


class SearchedOrder(OrderCommon):
    """An order in ``POST /order/202309/orders/search``."""

    fulfillment_priority_level: Int = None
    recommended_shipping_time: Int = None


class _PaymentDetails(Shape):
    channel_entity_national_registry_id: Str = None
    payment_auth_code: Str = None
    payment_card_type: Str = None
    payment_method_code: Str = None


class Order202309(SearchedOrder, _PaymentDetails):
    """An order in ``GET /order/202309/orders``."""


class Order202507(OrderCommon, _PaymentDetails):
    """An order in ``GET /order/202507/orders`` (202309's without the SEA-only
    ``fulfillment_priority_level`` and ``recommended_shipping_time``)."""


class SearchData(Shape):
    next_page_token: str
    orders: list[SearchedOrder] = Field(default_factory=list)
    total_count: int


class Detail202309Data(Shape):
    orders: list[Order202309] = Field(default_factory=list)


class Detail202507Data(Shape):
    orders: list[Order202507] = Field(default_factory=list)


# --- the price detail (202407) -----------------------------------------------------------------


class PriceFields(Shape):
    """The price detail's amounts, of an order or of one line item."""

    currency: str
    distance_fee: Str = None
    distance_shipping_fee: Str = None
    net_price_amount: str
    payment: str
    shipping_fee_deduction_platform: str
    shipping_fee_deduction_platform_voucher: Str = None
    shipping_fee_deduction_seller: str
    shipping_list_price: str
    shipping_sale_price: str
    sku_gift_net_price: Str = None
    sku_gift_original_price: Str = None
    sku_list_price: str
    sku_sale_price: str
    subtotal: str
    subtotal_deduction_platform: str
    subtotal_deduction_seller: str
    subtotal_tax_amount: str
    tax_amount: str
    tax_rate: Str = None
    total: str
    voucher_deduction_platform: Str = None
    voucher_deduction_seller: Str = None


class LinePriceDetail(PriceFields):
    id: str
    cod_fee: Str = None
    cod_fee_amount: Str = None


class PriceDetailData(PriceFields):
    cod_fee: Str = None
    cod_fee_net_amount: Str = None
    line_items: list[LinePriceDetail] = Field(default_factory=list)


# --- the search request ------------------------------------------------------------------------


def _id_text(value: str) -> str:
    if int(value) >= 2**63:
        raise ValueError("not an id")
    return value


UnixSeconds = Annotated[int, Field(ge=0, le=LAST_SECOND)]
IdText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,19}$"),
    AfterValidator(_id_text),
]


class SearchFilters(BaseModel):
    """The body of ``POST /order/202309/orders/search``: every field optional, unknown ones
    ignored (clients of later versions send more); an empty body means no filters."""

    model_config = ConfigDict(extra="ignore")

    order_status: str | None = None
    create_time_ge: UnixSeconds | None = None
    create_time_lt: UnixSeconds | None = None
    update_time_ge: UnixSeconds | None = None
    update_time_lt: UnixSeconds | None = None
    shipping_type: Literal["TIKTOK", "SELLER"] | None = None
    buyer_user_id: IdText | None = None
    is_buyer_request_cancel: bool | None = None
    warehouse_ids: list[IdText] | None = Field(None, max_length=100)
