"""The scopes an app may be granted; each partner route declares the one it needs."""

from __future__ import annotations

AUTHORIZATION_INFO = "seller.authorization.info"
SHOP_INFO = "seller.shop.info"
ORDER_INFO = "seller.order.info"
FULFILLMENT = "seller.fulfillment.basic"
LOGISTICS = "seller.logistics"
RETURN_REFUND = "seller.return_refund.basic"
PRODUCT_BASIC = "seller.product.basic"
PRODUCT_WRITE = "seller.product.write"
WEBHOOKS = "seller.webhook"

ALL = (
    AUTHORIZATION_INFO,
    SHOP_INFO,
    ORDER_INFO,
    FULFILLMENT,
    LOGISTICS,
    RETURN_REFUND,
    PRODUCT_BASIC,
    PRODUCT_WRITE,
    WEBHOOKS,
)
