"""A shop's price-level promotions: product discounts and flash deals, either live-only
(docs/deals.md). Sellers create, update, deactivate and list their shop's; a RESTRICTED or
SUSPENDED shop creates and changes none (and the quote does not apply them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog.shops import get_shop, get_shop_for_write
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.money import AmountError, check_cap
from clipshop.deadlines.standing import NO_PROMOTIONS, check_may_promote
from clipshop.identity.principal import Principal
from clipshop.models import LiveSession, Promotion, Shop, Sku
from clipshop.promotions.deal_schemas import PromotionIn, PromotionUpdate
from clipshop.promotions.errors import InvalidPromotion, LiveSessionNotLive, PromotionNotFound


def _check(promotion: Promotion, sku: Sku, currency: str) -> None:
    """The rules of one promotion as it would be saved (InvalidPromotion)."""
    if promotion.ends_at <= promotion.starts_at:
        raise InvalidPromotion("ends_at must be after starts_at", code="invalid_window")
    if (promotion.percent_off is None) == (promotion.deal_price is None):
        raise InvalidPromotion("give either percent_off or deal_price")
    flash = promotion.kind == "FLASH_DEAL"
    if flash and (promotion.deal_price is None or promotion.quantity is None):
        raise InvalidPromotion("a flash deal needs deal_price and quantity")
    if not flash and (promotion.quantity is not None or promotion.per_buyer_limit is not None):
        raise InvalidPromotion("quantity and per_buyer_limit are for flash deals")
    if promotion.deal_price is not None:
        if promotion.deal_price >= sku.price:
            raise InvalidPromotion(f"deal_price must be below the SKU's price {sku.price}")
        try:
            check_cap(promotion.deal_price, currency, "deal_price")
        except AmountError as exc:
            raise InvalidPromotion(str(exc), code="amount_too_large") from None
    if promotion.quantity is not None and promotion.quantity < promotion.sold:
        raise InvalidPromotion(f"quantity may not go below the {promotion.sold} units sold")


def _live_session(session: Session, shop: Shop, live_session_id: int) -> None:
    """A live-only promotion's session: the shop's own or a creator's, LIVE now."""
    live = session.get(LiveSession, live_session_id)
    if live is None or live.shop_id not in (None, shop.id):
        raise NotFound("live session not found", code="live_session_not_found")
    if live.status != "LIVE":
        raise LiveSessionNotLive(f"live session {live_session_id} has ended")


def _shop(session: Session, principal: Principal, shop_id: int) -> Shop:
    shop = get_shop_for_write(session, principal, shop_id)
    check_may_promote(shop)
    return shop


def create(session: Session, principal: Principal, shop_id: int, data: PromotionIn) -> Promotion:
    shop = _shop(session, principal, shop_id)
    sku = session.get(Sku, data.sku_id)
    if sku is None or sku.shop_id != shop.id:
        raise NotFound("sku not found")
    if data.live_session_id is not None:
        _live_session(session, shop, data.live_session_id)
    # dict(data): the fields' values as validated (ids as ints); model_dump renders ids as text
    promotion = Promotion(shop_id=shop.id, sold=0, active=True, **dict(data))
    _check(promotion, sku, shop.currency)
    session.add(promotion)
    session.flush()
    return promotion


def _find(session: Session, shop_id: int, promotion_id: int) -> Promotion:
    promotion = session.get(Promotion, promotion_id)
    if promotion is None or promotion.shop_id != shop_id:
        raise PromotionNotFound("promotion not found")
    return promotion


def get(session: Session, principal: Principal, shop_id: int, promotion_id: int) -> Promotion:
    """One promotion of the shop (404 for another shop's)."""
    get_shop(session, principal, shop_id)
    return _find(session, shop_id, promotion_id)


def update(
    session: Session,
    principal: Principal,
    shop_id: int,
    promotion_id: int,
    data: PromotionUpdate,
) -> Promotion:
    shop = _shop(session, principal, shop_id)
    promotion = _find(session, shop_id, promotion_id)
    changes: dict[str, Any] = {  # null leaves a field as it is, but removes a per-buyer limit
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k == "per_buyer_limit"
    }
    if "percent_off" in changes and changes["percent_off"] is not None:
        changes["deal_price"] = None
    if "deal_price" in changes and changes["deal_price"] is not None:
        changes["percent_off"] = None
    for name, value in changes.items():
        setattr(promotion, name, value)
    _check(promotion, session.get_one(Sku, promotion.sku_id), shop.currency)
    session.flush()
    return promotion


def deactivate(
    session: Session, principal: Principal, shop_id: int, promotion_id: int
) -> Promotion:
    """Stops applying from now on (claims already taken stay; a RESTRICTED shop may stop
    its promotions)."""
    get_shop_for_write(session, principal, shop_id)
    promotion = _find(session, shop_id, promotion_id)
    promotion.active = False
    session.flush()
    return promotion


def list_for_shop(
    session: Session, principal: Principal, shop_id: int, active: bool | None = None
) -> list[Promotion]:
    get_shop(session, principal, shop_id)
    query = select(Promotion).where(Promotion.shop_id == shop_id)
    if active is not None:
        query = query.where(Promotion.active.is_(active))
    return list(session.scalars(query.order_by(Promotion.id.desc()).limit(500)))


def live_deal(
    session: Session, sku_id: int, now: datetime | None = None
) -> tuple[Promotion, Sku, Shop]:
    """The SKU's flash deal running now with units left (the one with the lowest deal price),
    for the buyer's product page; NotFound when none (or its shop may not promote)."""
    now = now or utcnow()
    found = session.execute(
        select(Promotion, Sku, Shop)
        .join(Sku, Sku.id == Promotion.sku_id)
        .join(Shop, Shop.id == Promotion.shop_id)
        .outerjoin(LiveSession, LiveSession.id == Promotion.live_session_id)
        .where(
            Promotion.sku_id == sku_id,
            Promotion.kind == "FLASH_DEAL",
            Promotion.active.is_(True),
            Promotion.starts_at <= now,
            Promotion.ends_at > now,
            Promotion.sold < Promotion.quantity,
            Shop.standing.not_in(sorted(NO_PROMOTIONS)),
            (Promotion.live_session_id.is_(None)) | (LiveSession.status == "LIVE"),
        )
        .order_by(Promotion.deal_price, Promotion.id)
        .limit(1)
    ).first()
    if found is None:
        raise NotFound("no flash deal on this sku now", code="no_live_deal")
    return found[0], found[1], found[2]
