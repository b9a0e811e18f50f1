"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from clipshop.models.base import Base
from clipshop.models.catalog import Product, Shop, Sku, Warehouse
from clipshop.models.identity import ApiToken, ShopMember, User
from clipshop.models.inventory import InventoryMovement, StockLevel

__all__ = [
    "ApiToken",
    "Base",
    "InventoryMovement",
    "Product",
    "Shop",
    "ShopMember",
    "Sku",
    "StockLevel",
    "User",
    "Warehouse",
]
