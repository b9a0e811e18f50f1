"""Boundary schemas of the catalog: what clients send and receive."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, WithJsonSchema, field_validator

from clipshop.catalog.listing import is_delisted, is_sellable
from clipshop.core.schemas import (
    LINE_PATTERN,
    Count,
    Currency,
    FilledLine,
    IdStr,
    Line,
    MoneyOut,
    MoneyString,
    Name,
    PageOut,
    RequestModel,
    ResponseModel,
    Text,
)
from clipshop.models import Sku

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
ShopType = Literal["LOCAL", "CROSS_BORDER"]
PostalCode = Annotated[FilledLine, StringConstraints(min_length=1, max_length=20)]
Title = Annotated[FilledLine, StringConstraints(min_length=1, max_length=255)]
Attributes = Annotated[
    dict[
        Annotated[FilledLine, StringConstraints(min_length=1, max_length=50)],
        Annotated[Line, StringConstraints(max_length=100)],
    ],
    # pydantic would put the key's pattern under patternProperties, which leaves other keys free
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"minLength": 1, "maxLength": 50, "pattern": LINE_PATTERN},
            "additionalProperties": {"type": "string", "maxLength": 100, "pattern": LINE_PATTERN},
        }
    ),
]


class ShopCreate(RequestModel):
    name: Name
    region: CountryCode = Field(description="ISO 3166 country the shop sells in, e.g. US")
    currency: Currency = Field(description="ISO 4217 code, e.g. USD, JPY, KWD")
    shop_type: ShopType = "LOCAL"
    owner_user_id: IdStr | None = Field(None, description="Admins only: the owning seller")


class ShopUpdate(RequestModel):
    name: Name | None = None
    verified: bool | None = Field(None, description="Admins only")


class ShopOut(ResponseModel):
    id: IdStr
    name: str
    region: str
    currency: str
    shop_type: ShopType
    verified: bool
    created_at: datetime


class ShopPage(PageOut):
    items: list[ShopOut]


class MemberCreate(RequestModel):
    user_id: IdStr
    role: Literal["OWNER", "STAFF"] = "STAFF"


class MemberOut(ResponseModel):
    shop_id: IdStr
    user_id: IdStr
    role: str
    created_at: datetime


class WarehouseFields(RequestModel):
    name: Name
    address_line1: Name
    address_line2: Line | None = Field(None, max_length=200)
    city: Name
    state: Line | None = Field(None, max_length=100)
    postal_code: PostalCode
    country: CountryCode
    is_default: bool = False


class WarehouseUpdate(RequestModel):
    name: Name | None = None
    address_line1: Name | None = None
    address_line2: Line | None = Field(None, max_length=200)
    city: Name | None = None
    state: Line | None = Field(None, max_length=100)
    postal_code: PostalCode | None = None
    country: CountryCode | None = None
    is_default: Literal[True] | None = Field(
        None, description="Make this the default warehouse (another one stops being it)"
    )


class WarehouseOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    name: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str
    is_default: bool
    created_at: datetime


class WarehousePage(PageOut):
    items: list[WarehouseOut]


class SkuCreate(RequestModel):
    seller_sku: Annotated[FilledLine, StringConstraints(min_length=1, max_length=100)]
    name: Title
    attributes: Attributes = Field(default_factory=dict, description='e.g. {"size": "M"}')
    price: MoneyString
    weight_grams: int = Field(0, ge=0, le=1_000_000)
    active: bool = True
    low_stock_threshold: Count | None = None
    auto_delist: bool = False


class SkuUpdate(RequestModel):
    name: Title | None = None
    attributes: Attributes | None = None
    price: MoneyString | None = None
    weight_grams: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = None
    low_stock_threshold: Count | None = None
    auto_delist: bool | None = None


class SkuOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    product_id: IdStr
    seller_sku: str
    name: str
    attributes: dict[str, Any]
    price: MoneyOut
    weight_grams: int
    active: bool
    low_stock_threshold: int | None
    auto_delist: bool
    delisted_low_stock: bool
    sellable: bool

    @classmethod
    def of(cls, sku: Sku, total_available: int) -> SkuOut:
        """``total_available``: the SKU's stock over all warehouses (decides the delisting)."""
        return cls(
            id=sku.id,
            shop_id=sku.shop_id,
            product_id=sku.product_id,
            seller_sku=sku.seller_sku,
            name=sku.name,
            attributes=sku.attributes,
            price=MoneyOut.of(sku.price, sku.currency),
            weight_grams=sku.weight_grams,
            active=sku.active,
            low_stock_threshold=sku.low_stock_threshold,
            auto_delist=sku.auto_delist,
            delisted_low_stock=is_delisted(sku, total_available),
            sellable=is_sellable(sku, total_available),
        )


class ProductCreate(RequestModel):
    title: Title
    description: Text = Field("", max_length=10_000)
    status: Literal["ACTIVE", "INACTIVE"] = "ACTIVE"
    skus: list[SkuCreate] = Field(min_length=1, max_length=100)


class ProductUpdate(RequestModel):
    title: Title | None = None
    description: Text | None = Field(None, max_length=10_000)
    status: Literal["ACTIVE", "INACTIVE"] | None = None


class ProductOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    title: str
    description: str
    status: str
    created_at: datetime
    updated_at: datetime
    skus: list[SkuOut]


class ProductPage(PageOut):
    items: list[ProductOut]


class StockSet(RequestModel):
    available: int = Field(ge=0, le=10_000_000)
    expected_available: Count | None = Field(
        None, description="Compare-and-swap: refuse (409) unless the level is this now"
    )
    note: Text = Field("", max_length=500)


class StockAdjust(RequestModel):
    delta: int = Field(ge=-10_000_000, le=10_000_000, json_schema_extra={"not": {"const": 0}})
    reason: Literal["ADJUST", "RECEIVED", "DAMAGED", "STOCK_TAKE", "RETURNED"] = "ADJUST"
    note: Text = Field("", max_length=500)

    @field_validator("delta")
    @classmethod
    def _non_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class StockLevelOut(ResponseModel):
    sku_id: IdStr
    warehouse_id: IdStr
    available: int
    committed: int


class SkuStockOut(ResponseModel):
    sku_id: IdStr
    total_available: int
    total_committed: int
    low_stock: bool
    levels: list[StockLevelOut]


class MovementOut(ResponseModel):
    id: IdStr
    sku_id: IdStr
    warehouse_id: IdStr
    delta_available: int
    delta_committed: int
    available_after: int
    committed_after: int
    reason: str
    note: str
    actor_user_id: IdStr | None
    created_at: datetime


class MovementPage(PageOut):
    items: list[MovementOut]


class LowStockOut(ResponseModel):
    sku: SkuOut
    total_available: int
    low_stock_threshold: int
