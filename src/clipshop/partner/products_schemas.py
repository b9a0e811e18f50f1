"""Our models of the seller API's product answers and bodies (products search at 202309 and
202502, product detail, inventory search, inventory and price updates), written from the
reference's shapes: ids as strings, times in Unix seconds, money as decimal strings beside a
``currency``. Answers refuse unknown fields (the tests validate with these models); bodies
ignore them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.core.schemas import COUNT_MAX

Str = str | None
Ids = Annotated[list[Annotated[str, StringConstraints(max_length=20)]], Field(max_length=100)]
Time = Annotated[int, Field(ge=0, le=COUNT_MAX)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Inventory(Shape):
    warehouse_id: str
    quantity: int


class Price(Shape):
    currency: str
    sale_price: str
    tax_exclusive_price: str


class SearchSku(Shape):
    id: str
    seller_sku: str
    price: Price
    inventory: list[Inventory]


class SearchProduct(Shape):
    id: str
    title: str
    status: str
    create_time: int
    update_time: int
    skus: list[SearchSku]
    sales_regions: list[str]


class SearchData(Shape):
    products: list[SearchProduct]
    next_page_token: str
    total_count: int


class SalesAttribute(Shape):
    name: str
    value_name: str


class DetailSku(Shape):
    id: str
    seller_sku: str
    price: Price
    inventory: list[Inventory]
    sales_attributes: list[SalesAttribute]


class ProductDetail(Shape):
    id: str
    title: str
    description: str
    status: str
    create_time: int
    update_time: int
    skus: list[DetailSku]
    main_images: list[dict[str, str]] = Field(default_factory=list)
    category_chains: list[dict[str, str]] = Field(default_factory=list)


class WarehouseInventory(Shape):
    warehouse_id: str
    available_quantity: int
    committed_quantity: int


class InventorySku(Shape):
    id: str
    seller_sku: str
    total_available_quantity: int
    total_committed_quantity: int
    warehouse_inventory: list[WarehouseInventory]


class ProductInventory(Shape):
    product_id: str
    skus: list[InventorySku]


class InventoryData(Shape):
    inventory: list[ProductInventory]


class UpdateData(Shape):
    errors: list[dict[str, str]] = Field(default_factory=list)


# --- bodies -------------------------------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SearchFilters(Body):
    status: Str = None
    seller_skus: Annotated[list[str], Field(max_length=100)] = Field(default_factory=list)
    sku_ids: Ids = Field(default_factory=list)
    create_time_ge: Time | None = None
    create_time_le: Time | None = None
    update_time_ge: Time | None = None
    update_time_le: Time | None = None


class InventorySearch(Body):
    product_ids: Ids = Field(default_factory=list)
    sku_ids: Ids = Field(default_factory=list)


class InventoryIn(Body):
    warehouse_id: Str = None
    quantity: Annotated[int, Field(ge=0, le=99_999)]


class InventorySkuIn(Body):
    id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    inventory: Annotated[list[InventoryIn], Field(min_length=1, max_length=100)]


class InventoryUpdate(Body):
    skus: Annotated[list[InventorySkuIn], Field(min_length=1, max_length=100)]


class PriceIn(Body):
    amount: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    currency: Annotated[str, StringConstraints(min_length=1, max_length=3)]


class PriceSkuIn(Body):
    id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    price: PriceIn


class PriceUpdate(Body):
    skus: Annotated[list[PriceSkuIn], Field(min_length=1, max_length=100)]
