"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from clipshop.core.tables import IdempotencyRecord
from clipshop.models.affiliate import (
    AffiliateInvitation,
    AffiliateOffer,
    Commission,
    LivePin,
    ShowcaseItem,
    VideoProduct,
)
from clipshop.models.aftersales import (
    AftersaleRecord,
    Cancellation,
    Dispute,
    RefundAllocation,
    Return,
    ReturnLine,
)
from clipshop.models.base import Base
from clipshop.models.catalog import Product, Shop, Sku, Warehouse
from clipshop.models.checkout import (
    CartItem,
    PlatformVoucher,
    ShippingProfile,
    SkuDiscount,
    TaxRate,
)
from clipshop.models.conversations import (
    ChatSettings,
    ChatWait,
    Conversation,
    ConversationMessage,
    QuickReply,
)
from clipshop.models.coupons import (
    Bundle,
    CouponUse,
    CouponWallet,
    FreeShippingPromotion,
    ShopCoupon,
)
from clipshop.models.files import StoredFile
from clipshop.models.fulfillment import Package, PackageEvent, SimCarrierStep
from clipshop.models.identity import ApiToken, ShopMember, User
from clipshop.models.inventory import InventoryMovement, StockLevel
from clipshop.models.notifications import (
    Notification,
    NotificationMail,
    NotificationPreference,
)
from clipshop.models.orders import Order, OrderEdit, OrderEvent, OrderLineItem
from clipshop.models.outbox import FeedEvent, OutboxDelivery, OutboxEvent
from clipshop.models.partner import AppAuthorization, AuthCode, PartnerApp, PartnerToken
from clipshop.models.payments import (
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentTransaction,
    SimGatewayOperation,
)
from clipshop.models.promotions import Promotion, PromotionBuyerUse, PromotionClaim
from clipshop.models.rules import ClockState, ShopStandingEvent, Timer
from clipshop.models.social import LiveSession, Video
from clipshop.models.support import SupportCase, SupportMessage
from clipshop.models.web import SigninFailure, WebSession
from clipshop.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "AffiliateInvitation",
    "AffiliateOffer",
    "AftersaleRecord",
    "ApiToken",
    "AppAuthorization",
    "AuthCode",
    "Base",
    "Bundle",
    "Cancellation",
    "CartItem",
    "ChatSettings",
    "ChatWait",
    "ClockState",
    "Commission",
    "Conversation",
    "ConversationMessage",
    "CouponUse",
    "CouponWallet",
    "Dispute",
    "FeedEvent",
    "FreeShippingPromotion",
    "IdempotencyRecord",
    "InventoryMovement",
    "LivePin",
    "LiveSession",
    "Notification",
    "NotificationMail",
    "NotificationPreference",
    "Order",
    "OrderEdit",
    "OrderEvent",
    "OrderLineItem",
    "OutboxDelivery",
    "OutboxEvent",
    "Package",
    "PackageEvent",
    "PartnerApp",
    "PartnerToken",
    "Payment",
    "PaymentAttempt",
    "PaymentMethod",
    "PaymentTransaction",
    "PlatformVoucher",
    "Product",
    "Promotion",
    "PromotionBuyerUse",
    "PromotionClaim",
    "QuickReply",
    "RefundAllocation",
    "Return",
    "ReturnLine",
    "ShippingProfile",
    "Shop",
    "ShopCoupon",
    "ShopMember",
    "ShopStandingEvent",
    "ShowcaseItem",
    "SigninFailure",
    "SimCarrierStep",
    "SimGatewayOperation",
    "Sku",
    "SkuDiscount",
    "StockLevel",
    "StoredFile",
    "SupportCase",
    "SupportMessage",
    "TaxRate",
    "Timer",
    "User",
    "Video",
    "VideoProduct",
    "Warehouse",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
