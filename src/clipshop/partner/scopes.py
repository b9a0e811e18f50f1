"""The scopes an app may be granted; each partner route declares the one it needs. A shop
grants seller scopes (``ALL``), a creator creator scopes (``CREATOR_ALL``): never a mix, so a
seller's token never passes a creator route's scope check, nor the reverse."""

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
PROMOTION_INFO = "seller.promotion.info"
PROMOTION_WRITE = "seller.promotion.write"
# customer_service (the reference names no scope for it: this name is ours)
CUSTOMER_SERVICE = "seller.customer_service"

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
    PROMOTION_INFO,
    PROMOTION_WRITE,
    CUSTOMER_SERVICE,
)

# The creators' affiliate module (the reference states no scopes for it: these names are ours)
CREATOR_INFO = "creator.affiliate.info"  # profile, live room and products, showcase, shop products
CREATOR_LIVE = "creator.live.write"  # add, remove, top, pin and unpin live room products
CREATOR_SHOWCASE = "creator.showcase.write"  # add, remove and top showcase products

CREATOR_ALL = (CREATOR_INFO, CREATOR_LIVE, CREATOR_SHOWCASE)
