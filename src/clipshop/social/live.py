"""Live sessions: start, end (once), and the ordered list of pinned products (docs/creators.md).

Every pin change first runs a conditional UPDATE of the live's row (``status = 'LIVE'``): it
refuses a live that ended and holds the row, so pin changes and the end of one live are
serialized by the database; positions are then renumbered 0..n-1."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, NotFound
from clipshop.core.events import LiveStarted, announce
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import LivePin, LiveSession, Product, ShowcaseItem
from clipshop.social import access
from clipshop.social.rates import rates_for


def start(session: Session, caller: Principal, title: str, shop_id: int | None) -> LiveSession:
    access.require_host(caller, shop_id)
    live = LiveSession(
        host_user_id=caller.user_id,
        shop_id=shop_id,
        title=title,
        status="LIVE",
        started_at=utcnow(),
    )
    session.add(live)
    session.flush()
    announce(
        session,
        LiveStarted(
            shop_id=shop_id or 0,
            at=live.started_at,
            live_id=live.id,
            title=title,
            creator_id=caller.user_id if caller.role is Role.CREATOR else None,
        ),
    )
    return live


def get(session: Session, caller: Principal, live_id: int) -> LiveSession:
    return access.hosted(session, caller, LiveSession, live_id, "live")


def _hosted(session: Session, caller: Principal, live_id: int) -> LiveSession:
    """The live, for a change by its host: its shop's seller or its creator (other roles:
    403 before any look-up)."""
    if not caller.has(Permission.CATALOG_WRITE):
        caller.require(Permission.AFFILIATE_SELL)
    live = get(session, caller, live_id)
    if live.shop_id is None and live.host_user_id != caller.user_id:
        raise NotFound("live session not found", code="live_not_found")
    access.require_host(caller, live.shop_id)
    return live


def end(session: Session, caller: Principal, live_id: int) -> LiveSession:
    live = _hosted(session, caller, live_id)
    ended = session.execute(
        update(LiveSession)
        .where(LiveSession.id == live.id, LiveSession.status == "LIVE")
        .values(status="ENDED", ended_at=utcnow())
        .returning(LiveSession),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).scalar_one_or_none()
    if ended is None:
        raise Conflict("the live session has already ended", code="live_ended")
    return ended


def list_lives(session: Session, caller: Principal, page: PageRequest) -> Page[LiveSession]:
    stmt = access.hosted_scope(select(LiveSession), LiveSession, caller)
    return paginate(session, stmt, LiveSession.id, page)


def pins(session: Session, live_id: int) -> list[tuple[LivePin, Product]]:
    """The pinned products in order, the top first."""
    stmt = (
        select(LivePin, Product)
        .join(Product, Product.id == LivePin.product_id)
        .where(LivePin.live_id == live_id)
        .order_by(LivePin.position, LivePin.id)
    )
    return [(pin, product) for pin, product in session.execute(stmt)]


def _hold_live(session: Session, live: LiveSession) -> None:
    held = session.execute(
        update(LiveSession)
        .where(LiveSession.id == live.id, LiveSession.status == "LIVE")
        .values(status="LIVE")
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("pins change only while the session is live", code="live_ended")


def _pinnable(session: Session, live: LiveSession, product_id: int) -> Product:
    """A seller's live pins its shop's products; a creator's, those open to it or showcased."""
    if live.shop_id is not None:
        return access.shop_product(session, live.shop_id, product_id)
    product = access.any_product(session, product_id)
    showcased = session.scalar(
        select(ShowcaseItem.id).where(
            ShowcaseItem.creator_id == live.host_user_id, ShowcaseItem.product_id == product_id
        )
    )
    if showcased is None and not rates_for(session, live.host_user_id, [product_id]):
        raise Conflict("the product is not open to this creator", code="product_not_open")
    return product


def _reorder(session: Session, live: LiveSession, product_id: int, position: int | None) -> None:
    """Put ``product_id`` at ``position`` (None: take it out), the others keep their order."""
    current = [pin for pin, _ in pins(session, live.id)]
    moving = next((pin for pin in current if pin.product_id == product_id), None)
    rest = [pin for pin in current if pin is not moving]
    if position is not None:
        if moving is None:
            product = _pinnable(session, live, product_id)
            moving = LivePin(live_id=live.id, product_id=product_id, shop_id=product.shop_id)
            moving.position = len(rest)
            session.add(moving)
        rest.insert(min(position, len(rest)), moving)
    elif moving is None:
        raise NotFound("the product is not pinned", code="pin_not_found")
    else:
        session.delete(moving)
    for index, pin in enumerate(rest):
        pin.position = index
    session.flush()


def pin(
    session: Session, caller: Principal, live_id: int, product_id: int, position: int | None
) -> LiveSession:
    """Pin a product (or move a pinned one) at ``position`` (0 is the top; None: the end)."""
    live = _hosted(session, caller, live_id)
    _hold_live(session, live)
    _reorder(session, live, product_id, 10**6 if position is None else position)
    return live


def unpin(session: Session, caller: Principal, live_id: int, product_id: int) -> LiveSession:
    live = _hosted(session, caller, live_id)
    _hold_live(session, live)
    _reorder(session, live, product_id, None)
    return live


def public(session: Session, live_id: int) -> LiveSession:
    """The live for the buyer's page (anyone)."""
    return access.hosted(session, None, LiveSession, live_id, "live")
