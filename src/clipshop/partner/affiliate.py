"""The affiliate module's live room, over ``social.live`` (docs/tiktok-api.md, "Affiliate
(creators)"): the creator's live room is its newest live session still LIVE (of its
``RECENT`` newest), else its newest one; its products are the live's ordered pins, the top
one is ``pinned_product_id``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from clipshop.core.errors import DomainError
from clipshop.core.pagination import PageRequest
from clipshop.identity.principal import Principal, Role
from clipshop.models import LiveSession
from clipshop.partner import affiliate_schemas as api
from clipshop.partner import errors
from clipshop.partner.affiliate_products import describe
from clipshop.partner.errors import PartnerError, code_for_status, not_found
from clipshop.social import live

RECENT = 20  # lives looked at for one still LIVE


def creator(creator_id: int) -> Principal:
    """The creator as its app acts for it."""
    return Principal(creator_id, Role.CREATOR)


def ids_of(raw: list[str]) -> list[int]:
    """Body product ids (digits, checked by the schema) in order, repeats dropped."""
    return list(dict.fromkeys(int(x) for x in raw))


def current_live(session: Session, creator_id: int) -> LiveSession | None:
    lives = live.list_lives(session, creator(creator_id), PageRequest(limit=RECENT)).items
    return next((x for x in lives if x.status == "LIVE"), lives[0] if lives else None)


def _live(session: Session, creator_id: int) -> LiveSession:
    found = current_live(session, creator_id)
    if found is None:
        raise not_found("the creator has no live room")
    return found


def room(session: Session, creator_id: int) -> api.LiveRoom:
    found = _live(session, creator_id)
    return api.LiveRoom(
        id=str(found.id),
        start_time=int(found.started_at.timestamp()),
        status=found.status,
        title=found.title,
    )


def _pinned(session: Session, live_id: int) -> list[int]:
    return [pin.product_id for pin, _ in live.pins(session, live_id)]


def products(session: Session, creator_id: int) -> api.LiveProducts:
    found = _live(session, creator_id)
    pins = live.pins(session, found.id)
    listed = [product for _, product in pins]
    added = {p.id for p in listed}
    return api.LiveProducts(
        products=describe(session, creator_id, listed, added),
        pinned_product_id=str(listed[0].id) if listed else "",
    )


def each(session: Session, ids: list[int], act: Callable[[int], object]) -> api.AddResult:
    """``act`` on every id in its own savepoint; a refused one is an entry of ``errors``."""
    errors = []
    for product_id in ids:
        try:
            with session.begin_nested():
                act(product_id)
        except DomainError as exc:
            errors.append(
                api.AddError(
                    code=code_for_status(exc.status),
                    message=exc.detail,
                    detail={"product_id": str(product_id)},
                )
            )
    return api.AddResult(errors=errors)


def add(session: Session, creator_id: int, ids: list[int]) -> api.AddResult:
    """Pin the products at the end of the live's list (those already there stay put)."""
    found = _on_air(session, creator_id)
    there = set(_pinned(session, found.id))
    who = creator(creator_id)
    return each(
        session,
        [x for x in ids if x not in there],
        lambda pid: live.pin(session, who, found.id, pid, None),
    )


def _on_air(session: Session, creator_id: int) -> LiveSession:
    """The live room for a change: refused once it ended (``social.live`` holds the live's
    row while it changes the pins, so an end racing this waits or refuses it)."""
    found = _live(session, creator_id)
    if found.status != "LIVE":
        raise PartnerError(errors.CONFLICT, "the live room has ended", 409)
    return found


def _listed(session: Session, creator_id: int, ids: list[int]) -> LiveSession:
    found = _on_air(session, creator_id)
    there = set(_pinned(session, found.id))
    missing = [str(x) for x in ids if x not in there]
    if missing:
        raise not_found(f"not in the live room: {', '.join(missing)}")
    return found


def remove(session: Session, creator_id: int, ids: list[int]) -> None:
    """Unpin every product (all of them in the live's list, else nothing changes)."""
    found = _listed(session, creator_id, ids)
    for product_id in ids:
        live.unpin(session, creator(creator_id), found.id, product_id)


def top(session: Session, creator_id: int, ids: list[int]) -> None:
    """Move the products to the top, in the order given."""
    found = _listed(session, creator_id, ids)
    for position, product_id in enumerate(ids):
        live.pin(session, creator(creator_id), found.id, product_id, position)


def pin(session: Session, creator_id: int, product_id: int) -> None:
    top(session, creator_id, [product_id])


def unpin(session: Session, creator_id: int, product_id: int) -> None:
    remove(session, creator_id, [product_id])
