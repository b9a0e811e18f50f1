"""Sellers open products for affiliate selling: to every creator at one rate (an open offer)
or to one creator at its own rate (an invitation the creator accepts). Rates are basis points."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.errors import Conflict, NotFound
from clipshop.identity.principal import Permission, Principal
from clipshop.models import AffiliateInvitation, AffiliateOffer
from clipshop.social import access

_SYNC = {"populate_existing": True, "synchronize_session": False}


def _seller(caller: Principal, shop_id: int, need: Permission = Permission.CATALOG_WRITE) -> None:
    """The shop's sellers change (and the platform's staff read, ``need`` catalog:read)."""
    caller.require(need)
    caller.check_shop(shop_id)


def set_offer(
    session: Session, caller: Principal, shop_id: int, product_id: int, rate_bps: int
) -> AffiliateOffer:
    """Open ``product_id`` to every creator at ``rate_bps`` (or change the rate: orders
    placed before keep theirs)."""
    _seller(caller, shop_id)
    access.shop_product(session, shop_id, product_id)
    offer = session.scalar(select(AffiliateOffer).where(AffiliateOffer.product_id == product_id))
    if offer is None:
        offer = AffiliateOffer(shop_id=shop_id, product_id=product_id, rate_bps=rate_bps)
        session.add(offer)
    else:
        offer.rate_bps, offer.status = rate_bps, "ACTIVE"
    session.flush()
    return offer


def close_offer(
    session: Session, caller: Principal, shop_id: int, product_id: int
) -> AffiliateOffer:
    _seller(caller, shop_id)
    offer = session.scalar(
        select(AffiliateOffer).where(
            AffiliateOffer.product_id == product_id, AffiliateOffer.shop_id == shop_id
        )
    )
    if offer is None:
        raise NotFound("affiliate offer not found", code="offer_not_found")
    offer.status = "CLOSED"
    session.flush()
    return offer


def shop_offers(session: Session, caller: Principal, shop_id: int) -> list[AffiliateOffer]:
    _seller(caller, shop_id, Permission.CATALOG_READ)
    stmt = select(AffiliateOffer).where(AffiliateOffer.shop_id == shop_id)
    return list(session.scalars(stmt.order_by(AffiliateOffer.id)))


def invite(
    session: Session,
    caller: Principal,
    shop_id: int,
    product_id: int,
    creator_id: int,
    rate_bps: int,
) -> AffiliateInvitation:
    """Invite a creator to sell a product at ``rate_bps``; inviting again with a new rate
    asks the creator to accept again (the old rate stays in force until it does not)."""
    _seller(caller, shop_id)
    access.shop_product(session, shop_id, product_id)
    access.check_creator(session, creator_id)
    found = session.scalar(
        select(AffiliateInvitation).where(
            AffiliateInvitation.product_id == product_id,
            AffiliateInvitation.creator_id == creator_id,
        )
    )
    if found is None:
        found = AffiliateInvitation(
            shop_id=shop_id, product_id=product_id, creator_id=creator_id, rate_bps=rate_bps
        )
        session.add(found)
    else:
        found.rate_bps, found.status = rate_bps, "INVITED"
    session.flush()
    return found


def shop_invitations(
    session: Session, caller: Principal, shop_id: int
) -> list[AffiliateInvitation]:
    _seller(caller, shop_id, Permission.CATALOG_READ)
    stmt = select(AffiliateInvitation).where(AffiliateInvitation.shop_id == shop_id)
    return list(session.scalars(stmt.order_by(AffiliateInvitation.id)))


def close_invitation(
    session: Session, caller: Principal, shop_id: int, invitation_id: int
) -> AffiliateInvitation:
    _seller(caller, shop_id)
    found = session.get(AffiliateInvitation, invitation_id)
    if found is None or found.shop_id != shop_id:
        raise NotFound("invitation not found", code="invitation_not_found")
    found.status = "CLOSED"
    session.flush()
    return found


def creator_invitations(
    session: Session, caller: Principal, creator_id: int
) -> list[AffiliateInvitation]:
    access.creator_self(caller, creator_id)
    stmt = select(AffiliateInvitation).where(AffiliateInvitation.creator_id == creator_id)
    return list(session.scalars(stmt.order_by(AffiliateInvitation.id)))


def answer(
    session: Session, caller: Principal, creator_id: int, invitation_id: int, accept: bool
) -> AffiliateInvitation:
    """The creator accepts or declines an invitation still INVITED (409 otherwise)."""
    access.creator_self(caller, creator_id)
    found = session.get(AffiliateInvitation, invitation_id)
    if found is None or found.creator_id != creator_id:
        raise NotFound("invitation not found", code="invitation_not_found")
    answered = session.execute(
        update(AffiliateInvitation)
        .where(AffiliateInvitation.id == found.id, AffiliateInvitation.status == "INVITED")
        .values(status="ACCEPTED" if accept else "DECLINED")
        .returning(AffiliateInvitation),
        execution_options=_SYNC,
    ).scalar_one_or_none()
    if answered is None:
        raise Conflict(f"the invitation is {found.status}", code="invitation_not_open")
    return answered
