"""Opening and reading support cases; the case number; the one place a case change is
announced (``SupportCaseChanged``).

Who sees a case: platform staff every case; a buyer the cases it opened; a seller the cases
opened by a seller of one of its shops (a shop's cases are its members'). Anything else is
"not found" (404). The case number is ``CS-`` and the case id in base 32 (RFC 4648, 13
letters and digits): unique because the id is, readable aloud, and it needs no counter."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import InvalidInput, NotFound, PermissionDenied
from clipshop.core.events import SupportCaseChanged, announce
from clipshop.core.ids import new_id
from clipshop.deadlines import policies
from clipshop.identity.principal import PLATFORM_ROLES, Principal, Role
from clipshop.models import Order, Shop, SupportCase, SupportMessage
from clipshop.models.support import CASE_CATEGORIES
from clipshop.orders import queries
from clipshop.support.states import CaseStatus

CATEGORIES = CASE_CATEGORIES
SYSTEM = "system"


class CaseNotFound(NotFound):
    code = "case_not_found"


class InvalidCase(InvalidInput):
    code = "invalid_case"


@dataclass(frozen=True)
class NewCase:
    category: str
    description: str
    order_id: int | None = None
    shop_id: int | None = None  # a seller's case about no order: which of its shops
    extension_hours: int | None = None  # FORCE_MAJEURE: the extension asked for


def case_number(case_id: int) -> str:
    return "CS-" + base64.b32encode(case_id.to_bytes(8, "big")).decode().rstrip("=")


def is_staff(principal: Principal) -> bool:
    return principal.role in PLATFORM_ROLES


def is_supervisor(principal: Principal) -> bool:
    return principal.role in (Role.SUPERVISOR, Role.ADMIN)


def require_staff(principal: Principal) -> None:
    if not is_staff(principal):
        raise PermissionDenied("only support agents and supervisors do this")


def scoped(principal: Principal) -> Select[SupportCase]:
    """The cases the caller may see (the module docstring's rule)."""
    stmt = select(SupportCase)
    if is_staff(principal):
        return stmt
    if principal.role is Role.BUYER:
        return stmt.where(
            SupportCase.opened_by_role == Role.BUYER.value,
            SupportCase.opened_by_id == principal.user_id,
        )
    if principal.role is Role.SELLER:
        return stmt.where(
            SupportCase.opened_by_role == Role.SELLER.value,
            SupportCase.shop_id.in_(principal.shop_ids),
        )
    return stmt.where(SupportCase.id.is_(None))  # other roles open no cases


def get_case(
    session: Session, principal: Principal, case_id: int, lock: bool = False
) -> SupportCase:
    stmt = scoped(principal).where(SupportCase.id == case_id)
    case = session.scalar(stmt.with_for_update() if lock else stmt)
    if case is None:
        raise CaseNotFound("support case not found")
    return case


def messages(session: Session, principal: Principal, case: SupportCase) -> list[SupportMessage]:
    """The case's history, oldest first; internal notes only for staff."""
    stmt = select(SupportMessage).where(SupportMessage.case_id == case.id)
    if not is_staff(principal):
        stmt = stmt.where(SupportMessage.internal.is_(False))
    return list(session.scalars(stmt.order_by(SupportMessage.id)))


def list_cases(
    session: Session, principal: Principal, status: str | None, limit: int, before: int | None
) -> list[SupportCase]:
    """The caller's visible cases, newest first (``before``: an id to page below)."""
    stmt = scoped(principal)
    if status is not None:
        stmt = stmt.where(SupportCase.status == status)
    if before is not None:
        stmt = stmt.where(SupportCase.id < before)
    return list(session.scalars(stmt.order_by(SupportCase.id.desc()).limit(limit)))


def region_policy(session: Session, shop_id: int | None) -> policies.RegionPolicy:
    """The policy of the case's shop's region; the default region's for a case about no shop."""
    region = session.scalar(select(Shop.region).where(Shop.id == shop_id)) if shop_id else None
    return policies.for_region(region or "")


def _shop_of(
    session: Session, principal: Principal, new: NewCase, order: Order | None
) -> int | None:
    if order is not None:
        if new.shop_id is not None and new.shop_id != order.shop_id:
            raise InvalidCase("shop_id is not the order's shop")
        return order.shop_id
    if principal.role is not Role.SELLER:
        if new.shop_id is not None and not is_staff(principal):
            raise InvalidCase("only sellers and staff name a shop")
        return new.shop_id
    if new.shop_id is not None:
        principal.check_shop(new.shop_id)
        return new.shop_id
    if len(principal.shop_ids) == 1:
        return next(iter(principal.shop_ids))
    raise InvalidCase("name the shop (shop_id) the case is about")


def open_case(session: Session, principal: Principal, new: NewCase) -> SupportCase:
    """A buyer, a seller or an agent opens a case; its order, if any, must be one the caller
    may read (a buyer's own, a seller's shop's: otherwise 404)."""
    if principal.role not in (Role.BUYER, Role.SELLER) and not is_staff(principal):
        raise PermissionDenied("buyers, sellers and support staff open support cases")
    if new.category not in CATEGORIES or new.category == "DISPUTE":
        raise InvalidCase("DISPUTE cases are opened by the platform when a dispute is opened")
    order = queries.get_order(session, principal, new.order_id) if new.order_id else None
    shop_id = _shop_of(session, principal, new, order)
    if new.category == "FORCE_MAJEURE":
        _check_force_majeure(session, principal, new, order)
    elif new.extension_hours is not None:
        raise InvalidCase("extension_hours is for FORCE_MAJEURE cases")
    now = utcnow()
    hours = region_policy(session, shop_id).case_first_response_hours
    case = add_case(
        session,
        category=new.category,
        shop_id=shop_id,
        order_id=order.id if order else None,
        opened_by=(principal.user_id, principal.role.value),
        description=new.description,
        first_response_due=now + timedelta(hours=hours),
    )
    case.fm_requested_hours = new.extension_hours
    add_message(session, case, principal.user_id, principal.role.value, new.description)
    changed(session, case, None, "OPENED")
    return case


def _check_force_majeure(
    session: Session, principal: Principal, new: NewCase, order: Order | None
) -> None:
    if principal.role is not Role.SELLER or order is None:
        raise InvalidCase("a seller opens FORCE_MAJEURE on an order of its shop (order_id)")
    limit = region_policy(session, order.shop_id).force_majeure_max_days * 24
    hours = new.extension_hours
    if hours is None or not 1 <= hours <= limit:
        raise InvalidCase(f"ask for an extension of 1 to {limit} hours", max_hours=limit)


def add_case(
    session: Session,
    *,
    category: str,
    shop_id: int | None,
    order_id: int | None,
    opened_by: tuple[int, str],
    description: str,
    first_response_due: datetime,
    dispute_id: int | None = None,
) -> SupportCase:
    case_id = new_id()
    now = utcnow()
    case = SupportCase(
        id=case_id,
        number=case_number(case_id),
        category=category,
        status=CaseStatus.OPEN.value,
        shop_id=shop_id,
        order_id=order_id,
        dispute_id=dispute_id,
        opened_by_id=opened_by[0],
        opened_by_role=opened_by[1],
        description=description,
        first_response_due=first_response_due,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    return case


def add_message(
    session: Session,
    case: SupportCase,
    author_id: int | None,
    role: str,
    body: str,
    internal: bool = False,
) -> SupportMessage:
    message = SupportMessage(
        id=new_id(),
        case_id=case.id,
        author_id=author_id,
        author_role=role,
        body=body,
        internal=internal,
        created_at=utcnow(),
    )
    session.add(message)
    case.updated_at = utcnow()
    session.flush()
    return message


def changed(session: Session, case: SupportCase, before: str | None, action: str) -> None:
    """Announce a change of the case (every change: opened, answered, noted, taken...)."""
    announce(
        session,
        SupportCaseChanged(
            shop_id=case.shop_id or 0,
            at=utcnow(),
            case_id=case.id,
            case_number=case.number,
            category=case.category,
            order_id=case.order_id,
            opened_by_role=case.opened_by_role,
            opened_by_id=case.opened_by_id,
            from_status=before,
            to_status=case.status,
            action=action,
        ),
    )
