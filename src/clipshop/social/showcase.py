"""A creator's showcase: products open to it (an accepted invitation or an open offer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core.errors import Conflict, NotFound
from clipshop.identity.principal import Principal
from clipshop.models import AffiliateInvitation, AffiliateOffer, Product, ShowcaseItem
from clipshop.social import access
from clipshop.social.rates import Rate, rates_for


@dataclass(frozen=True)
class OpenProduct:
    product: Product
    rate: Rate


def open_products(session: Session, caller: Principal, creator_id: int) -> list[OpenProduct]:
    """The products open to the creator with the rate in force for it."""
    access.creator_self(caller, creator_id)
    offered = select(AffiliateOffer.product_id).where(AffiliateOffer.status == "ACTIVE")
    invited = select(AffiliateInvitation.product_id).where(
        AffiliateInvitation.creator_id == creator_id, AffiliateInvitation.status == "ACCEPTED"
    )
    ids = set(session.scalars(offered)) | set(session.scalars(invited))
    rates = rates_for(session, creator_id, ids)
    products = session.scalars(select(Product).where(Product.id.in_(sorted(rates))))
    return [OpenProduct(p, rates[p.id]) for p in sorted(products, key=lambda p: p.id)]


def add(session: Session, caller: Principal, creator_id: int, product_id: int) -> ShowcaseItem:
    access.creator_self(caller, creator_id)
    product = access.any_product(session, product_id)
    if not rates_for(session, creator_id, [product_id]):
        raise Conflict("the product is not open to this creator", code="product_not_open")
    item = ShowcaseItem(creator_id=creator_id, product_id=product_id, shop_id=product.shop_id)
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raise Conflict("the product is already in the showcase", code="already_showcased") from None
    return item


def remove(session: Session, caller: Principal, creator_id: int, product_id: int) -> None:
    access.creator_self(caller, creator_id)
    gone = session.execute(
        delete(ShowcaseItem).where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == product_id
        )
    )
    if gone.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("the product is not in the showcase", code="showcase_item_not_found")


def items(
    session: Session, caller: Principal, creator_id: int
) -> list[tuple[ShowcaseItem, Product]]:
    access.creator_self(caller, creator_id)
    stmt = (
        select(ShowcaseItem, Product)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(ShowcaseItem.creator_id == creator_id)
        .order_by(ShowcaseItem.id)
    )
    return [(item, product) for item, product in session.execute(stmt)]
