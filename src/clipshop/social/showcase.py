"""A creator's showcase: products open to it (an accepted invitation or an open offer), in the
creator's order (docs/creators.md). A new product goes to the end; moving products to the top
keeps the others' order; a removal closes the gap (positions are always 0..n-1).

Every change first holds the creator's user row (a no-op UPDATE), so one creator's showcase
changes are serialized by the database; the unique (creator, position) constraint backs it.
Renumbering moves the changed rows through negative positions first, so no step collides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core.errors import Conflict, NotFound
from clipshop.identity.principal import Principal
from clipshop.models import AffiliateInvitation, AffiliateOffer, Product, ShowcaseItem, User
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


def _hold(session: Session, creator_id: int) -> None:
    """Lock the creator's row until the end of the transaction (its showcase changes queue)."""
    session.execute(update(User).where(User.id == creator_id).values(is_active=User.is_active))


def _renumber(session: Session, ordered: list[ShowcaseItem]) -> None:
    """Give ``ordered`` the positions 0..n-1 (only the rows that move are written)."""
    moving = [(index, item) for index, item in enumerate(ordered) if item.position != index]
    for index, item in moving:
        item.position = -1 - index
    session.flush()
    for index, item in moving:
        item.position = index
    session.flush()


def add(session: Session, caller: Principal, creator_id: int, product_id: int) -> ShowcaseItem:
    """Add the product at the end of the showcase."""
    access.creator_self(caller, creator_id)
    product = access.any_product(session, product_id)
    if not rates_for(session, creator_id, [product_id]):
        raise Conflict("the product is not open to this creator", code="product_not_open")
    _hold(session, creator_id)
    last = select(func.max(ShowcaseItem.position)).where(ShowcaseItem.creator_id == creator_id)
    end = session.scalar(last)
    item = ShowcaseItem(
        creator_id=creator_id,
        product_id=product_id,
        shop_id=product.shop_id,
        position=0 if end is None else end + 1,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raise Conflict("the product is already in the showcase", code="already_showcased") from None
    return item


def _ordered(session: Session, creator_id: int) -> list[ShowcaseItem]:
    stmt = (
        select(ShowcaseItem)
        .where(ShowcaseItem.creator_id == creator_id)
        .order_by(ShowcaseItem.position)
    )
    return list(session.scalars(stmt))


def remove(session: Session, caller: Principal, creator_id: int, product_id: int) -> None:
    """Take the product out; the ones after it move up one place."""
    access.creator_self(caller, creator_id)
    _hold(session, creator_id)
    current = _ordered(session, creator_id)
    gone = next((item for item in current if item.product_id == product_id), None)
    if gone is None:
        raise NotFound("the product is not in the showcase", code="showcase_item_not_found")
    session.delete(gone)
    session.flush()
    _renumber(session, [item for item in current if item is not gone])


def top(session: Session, caller: Principal, creator_id: int, product_ids: list[int]) -> None:
    """Move the products (all in the showcase, else nothing changes) to the top in the order
    given; the others keep their order after them."""
    access.creator_self(caller, creator_id)
    _hold(session, creator_id)
    current = {item.product_id: item for item in _ordered(session, creator_id)}
    missing = [x for x in product_ids if x not in current]
    if missing:
        raise NotFound("the product is not in the showcase", code="showcase_item_not_found")
    named = list(dict.fromkeys(product_ids))
    rest = [item for pid, item in current.items() if pid not in set(named)]
    _renumber(session, [current[pid] for pid in named] + rest)


def items(
    session: Session, caller: Principal, creator_id: int
) -> list[tuple[ShowcaseItem, Product]]:
    """The showcase in its order, the top first."""
    access.creator_self(caller, creator_id)
    stmt = (
        select(ShowcaseItem, Product)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(ShowcaseItem.creator_id == creator_id)
        .order_by(ShowcaseItem.position)
    )
    return [(item, product) for item, product in session.execute(stmt)]
