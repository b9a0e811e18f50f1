"""The commission rate in force for a creator and a product, and the rounding rule
(docs/creators.md, "Commission"): written once, here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.models import AffiliateInvitation, AffiliateOffer

BPS = 10_000


@dataclass(frozen=True)
class Rate:
    bps: int
    kind: str  # OPEN or TARGETED


def commission_due(base: int, bps: int) -> int:
    """Commission on ``base`` minor units at ``bps`` basis points, rounded down."""
    return base * bps // BPS


def reversed_part(due: int, refunded: int, paid: int) -> int:
    """What is reversed of ``due`` once ``refunded`` of the line's ``paid`` went back: pro
    rata, rounded down; a full refund reverses all of it."""
    if paid <= 0 or refunded >= paid:
        return due
    return due * refunded // paid


def rates_for(session: Session, creator_id: int, product_ids: Iterable[int]) -> dict[int, Rate]:
    """Product id -> the rate in force for ``creator_id``: its accepted invitation's, else the
    active open offer's. Products not open to the creator are left out."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rates = {
        product_id: Rate(bps, "OPEN")
        for product_id, bps in session.execute(
            select(AffiliateOffer.product_id, AffiliateOffer.rate_bps).where(
                AffiliateOffer.product_id.in_(ids), AffiliateOffer.status == "ACTIVE"
            )
        )
    }
    targeted = select(AffiliateInvitation.product_id, AffiliateInvitation.rate_bps).where(
        AffiliateInvitation.product_id.in_(ids),
        AffiliateInvitation.creator_id == creator_id,
        AffiliateInvitation.status == "ACCEPTED",
    )
    for product_id, bps in session.execute(targeted):
        rates[product_id] = Rate(bps, "TARGETED")
    return rates
