"""Our own models of the affiliate module's shapes (the envelope's ``data``), its request
bodies, and the native API's bodies for a creator's app authorizations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.core.schemas import IdStr, ResponseModel
from clipshop.partner.schemas import PartnerData

ProductIdIn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,19}$")]


class ProductIds(BaseModel):
    """``{"product_ids": [...]}``: the body of the add, remove and top routes."""

    model_config = ConfigDict(extra="forbid")

    product_ids: list[ProductIdIn] = Field(min_length=1, max_length=200)


class AnchorProduct(BaseModel):
    """``{"product_id"}``: the body of the anchor prerequisite check."""

    model_config = ConfigDict(extra="forbid")

    product_id: ProductIdIn


class CreatorAuthorizationCreated(ResponseModel):
    id: IdStr
    creator_id: IdStr
    app_key: str
    scopes: list[str]
    auth_code: str = Field(description="Single use: exchange it at GET /api/v2/token/get")
    auth_code_expires_at: datetime = Field(description="Wall time, 10 minutes after issue")


class LiveRoom(PartnerData):
    """``GET /affiliate/202309/live_rooms``: the creator's last live."""

    id: str
    start_time: int
    status: str  # LIVE or ENDED
    title: str


class Image(PartnerData):
    url: str
    width: int | None = None
    height: int | None = None


class Commission(PartnerData):
    commission_rate: int  # basis points: 2500 is 25.00%
    inclusive_reward_commission_rate: int = 0


class PriceRange(PartnerData):
    currency: str
    lowest_amount: str
    highest_amount: str


class Prices(PartnerData):
    original_price: PriceRange


class ItemStatus(PartnerData):
    added_status: str  # ADDED or NOT_ADDED
    inventory_status: str  # IN_STOCK or SOLD_OUT
    review_status: str  # APPROVED (open to the creator) or UNAVAILABLE
    is_hidden: bool | None = None


class AffiliateProduct(PartnerData):
    """A product in a live room or a showcase."""

    id: str
    title: str
    shop_name: str
    source: str  # AFFILIATE: another shop's product sold for commission
    main_images: list[Image]
    price: Prices | None = None
    commission: Commission | None = None
    status: ItemStatus
    sale_regions: list[str]


class LiveProducts(PartnerData):
    products: list[AffiliateProduct]
    pinned_product_id: str


class ShowcaseProducts(PartnerData):
    products: list[AffiliateProduct]
    live_product_ids: list[str]
    next_page_token: str
    total_count: int


class AddError(PartnerData):
    code: int
    message: str
    detail: dict[str, str]


class AddResult(PartnerData):
    errors: list[AddError]


class Profile(PartnerData):
    """``GET /affiliate/202309/profiles``."""

    user_name: str
    avatar: Image | None = None
    permissions: list[str]
    user_type: str | None = None
    register_region: str | None = None
    selection_region: str | None = None


class ShopPrice(PartnerData):
    amount: str
    currency: str


class ShopProduct(PartnerData):
    """A product open to the creator (``GET /affiliate/202309/shop_products``); clipshop adds
    the ``commission`` in force for the creator, the reason this list exists."""

    id: str
    title: str
    added_status: str  # ADDABLE or ADDED (to the showcase)
    images: list[Image]
    price: ShopPrice | None = None
    sales_count: int | None = None
    commission: Commission


class ShopProducts(PartnerData):
    """``GET /affiliate/202309/shop_products``."""

    products: list[ShopProduct]
    next_page_token: str
