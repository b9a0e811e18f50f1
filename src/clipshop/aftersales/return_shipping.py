"""Sending a returned item back: the buyer's own carrier and tracking number, or the
platform's return label (Simulated Express, buyer -> the shop's default warehouse; its
tracking number is derived from the return id, so printing it twice prints the same label).
Once shipped the seller has ``RECEIVE_DAYS`` to confirm or reject the package, else the
refund is made for it (``return_decisions.receive_due``)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales.return_errors import InvalidReturnStatus
from clipshop.aftersales.returns import (
    RECEIVE_DAYS,
    ReturnStatus,
    close_timers,
    get_return,
    lock_return,
    order_lines,
    record,
    require_buyer,
    set_status,
)
from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict
from clipshop.deadlines import timers
from clipshop.deadlines.timers import TimerKind
from clipshop.fulfillment.documents import Address, PackageDocument, group_items, render_labels
from clipshop.fulfillment.errors import ProviderNotAllowed
from clipshop.fulfillment.providers import PROVIDERS, with_check_digit
from clipshop.identity.principal import Principal
from clipshop.models import Order, Return, Warehouse
from clipshop.orders.states import Actor

LABEL_PROVIDER = "SIMEX"


class NoReturnWarehouse(Conflict):
    code = "no_return_warehouse"


def label_tracking_number(ret: Return) -> str:
    provider = PROVIDERS[LABEL_PROVIDER]
    return provider.prefix + with_check_digit(f"{ret.id % 10**10:010d}")


def ship_return(
    session: Session,
    principal: Principal,
    return_id: int,
    provider_code: str | None,
    tracking_number: str | None,
) -> Return:
    """The buyer ships the item back: with ``provider_code`` and ``tracking_number``, or with
    neither to use the platform's return label."""
    require_buyer(principal, "ship a return")
    _order, ret = lock_return(session, principal, return_id)
    if ret.status != ReturnStatus.AWAITING_BUYER_SHIP:
        raise InvalidReturnStatus(
            f"the return is {ret.status}; it ships in AWAITING_BUYER_SHIP", return_status=ret.status
        )
    if provider_code is None and tracking_number is None:
        provider_code, number = LABEL_PROVIDER, label_tracking_number(ret)
    else:
        provider = PROVIDERS.get(provider_code or "")
        if provider is None or tracking_number is None:
            raise ProviderNotAllowed(
                "name provider_code (" + ", ".join(sorted(PROVIDERS)) + ") and tracking_number"
            )
        number = provider.validate(tracking_number)
    now = utcnow()
    set_status(session, ret, ReturnStatus.BUYER_SHIPPED_ITEM)
    ret.return_provider = provider_code
    ret.return_tracking_number = number
    close_timers(session, ret)
    due = now + timedelta(days=RECEIVE_DAYS)
    timers.arm(session, TimerKind.RETURN_RECEIVE, ret.id, ret.shop_id, due)
    record(
        session, ret, "BUYER_SHIPPED", Actor.BUYER, principal.user_id, f"{provider_code} {number}"
    )
    session.flush()
    return ret


def _warehouse(session: Session, shop_id: int) -> Warehouse:
    found = session.scalars(
        select(Warehouse)
        .where(Warehouse.shop_id == shop_id)
        .order_by(Warehouse.is_default.desc(), Warehouse.id)
        .limit(1)
    ).first()
    if found is None:
        raise NoReturnWarehouse("the shop has no warehouse to send returns to")
    return found


RESTOCK_REASON = "RETURN_RESTOCK"  # the inventory movement's reason


def restock(session: Session, principal: Principal, ret: Return) -> int:
    """The seller confirmed receipt of resellable goods: each returned unit goes back to
    available stock in the warehouse the return label sends it to (the shop's default),
    one ``RETURN_RESTOCK`` movement per SKU through ``catalog.inventory``. The units."""
    warehouse = _warehouse(session, ret.shop_id)
    counts = Counter(line.sku_id for line in order_lines(session, ret))
    for sku_id, units in sorted(counts.items()):
        inventory.adjust_stock(
            session,
            principal,
            sku_id,
            warehouse.id,
            units,
            reason=RESTOCK_REASON,
            note=f"return {ret.id}: returned goods back in stock",
        )
    return sum(counts.values())


def return_label(session: Session, principal: Principal, return_id: int) -> bytes:
    """The platform's return label (4x6 PDF) while the buyer has the item to send back."""
    ret = get_return(session, principal, return_id)
    if ret.status != ReturnStatus.AWAITING_BUYER_SHIP:
        raise InvalidReturnStatus(
            f"a return label is printed in AWAITING_BUYER_SHIP; the return is {ret.status}",
            return_status=ret.status,
        )
    order = session.get_one(Order, ret.order_id)
    warehouse = _warehouse(session, ret.shop_id)
    buyer = order.recipient_address
    lines = order_lines(session, ret)
    document = PackageDocument(
        package_id=ret.id,
        order_ids=(order.id,),
        carrier_name=PROVIDERS[LABEL_PROVIDER].name,
        service="RETURN",
        tracking_number=label_tracking_number(ret),
        recipient=Address.from_fields(
            warehouse.name,
            {
                "address_line1": warehouse.address_line1,
                "address_line2": warehouse.address_line2,
                "city": warehouse.city,
                "state": warehouse.state,
                "postal_code": warehouse.postal_code,
                "country": warehouse.country,
            },
        ),
        sender=Address.from_fields(str(buyer.get("name", "")), buyer),
        items=group_items((x.product_name, x.sku_name, x.seller_sku) for x in lines),
        created=utcnow().date(),
        notes=(f"Return {ret.id}", "Returned goods: no commercial value"),
    )
    return render_labels([document])
