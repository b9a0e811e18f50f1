"""Eligibility is the single source of the request routes, on SQLite and PostgreSQL: over a
set of orders in every state (UNPAID, ON_HOLD, AWAITING_SHIPMENT with and without a pending
cancellation request, PARTIALLY_SHIPPING, IN_TRANSIT, DELIVERED with a rejected return,
DELIVERED with a line settled by an accepted partial refund offer, COMPLETED, CANCELLED) and
at the times that open and close each window, every action
``GET /orders/{id}/aftersale-eligibility`` offers on a line is accepted by the service the
route runs, and every action it does not offer is refused with ``NotEligible`` carrying the
same code (another role's action: 403). Each attempt runs in a savepoint that is rolled
back, so one world serves every (order, line, action, caller)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import cancellations, disputes, eligibility, returns
from clipshop.core.db import Database
from clipshop.core.errors import DomainError, PermissionDenied
from clipshop.identity.principal import Principal, Role
from clipshop.models import OrderLineItem, Return, ReturnLine
from tests.conftest import Actor, World
from tests.fulfillment_support import carrier_event, paid_orders, ship, tracking_number
from tests.integration.checkout_api import API, DECLINED_CARD, add_card, checkout, get_order, ok
from tests.integration.deadline_support import D, H, Week, move_to, scan

Attempt = Callable[[Session, Principal, int, int], Any]


def _escalate(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
    ret = session.scalar(
        select(Return.id)
        .join(ReturnLine, ReturnLine.return_id == Return.id)
        .where(
            ReturnLine.line_item_id == line_id, Return.status.in_(eligibility.ESCALATABLE_RETURNS)
        )
    )
    claim = disputes.Claim("ESCALATION", "REQUEST_REJECTED", [line_id], return_id=ret)
    return disputes.open_dispute(session, who, order_id, claim)


def _claim(kind: str, reason: str) -> Attempt:
    def attempt(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
        return disputes.open_dispute(
            session, who, order_id, disputes.Claim(kind, reason, [line_id])
        )

    return attempt


def _return(kind: str) -> Attempt:
    def attempt(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
        return returns.create_return(session, who, order_id, kind, "DAMAGED", [line_id], "")

    return attempt


def _buyer_cancel(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
    return cancellations.request(session, who, order_id, "changed my mind", [line_id])


def _seller_cancel(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
    return cancellations.cancel_as_seller(session, who, order_id, "PRICING_ERROR", [line_id], "")


def _operator_cancel(session: Session, who: Principal, order_id: int, line_id: int) -> Any:
    return cancellations.cancel_as_operator(session, who, order_id, "fraud", [line_id])


# The route each eligibility action is asked through (the buyer's CANCEL and
# REQUEST_CANCELLATION are one route: it cancels at once where CANCEL is offered).
BUYER: dict[str, Attempt] = {
    "REQUEST_CANCELLATION": _buyer_cancel,
    "REFUND": _return("REFUND"),
    "RETURN_AND_REFUND": _return("RETURN_AND_REFUND"),
    "REPLACEMENT": _return("REPLACEMENT"),
    "DAMAGE_CLAIM": _claim("DAMAGE_CLAIM", "DAMAGED"),
    "BUYER_PROTECTION": _claim("BUYER_PROTECTION", "WRONG_ITEM"),
    "ESCALATE": _escalate,
}


def _try(session: Session, attempt: Attempt, who: Principal, order_id: int, line: int) -> Any:
    """The attempt's result or the DomainError it raised; nothing it wrote is kept."""
    savepoint = session.begin_nested()
    try:
        return attempt(session, who, order_id, line)
    except DomainError as error:
        return error
    finally:
        savepoint.rollback()


def _refused(outcome: Any, code: str | None, where: str) -> None:
    assert isinstance(outcome, eligibility.NotEligible), f"{where}: accepted, not offered"
    assert (outcome.status, outcome.code) == (409, code), where
    assert outcome.extra["line_item_id"] and outcome.detail, where


def agree(db: Database, actors: list[Actor], order_ids: list[str]) -> set[tuple[str, bool]]:
    """Check every (order, line, action, caller); the (action, offered) pairs seen."""
    seen: set[tuple[str, bool]] = set()
    with db.unit_of_work() as session:
        for order_id in map(int, order_ids):
            for actor in actors:
                who = actor.principal
                _, facts = eligibility.facts_of(session, who, order_id)
                lines = {line.id: line for line in facts.lines}
                for line_id, verdicts in eligibility.evaluate(facts).items():
                    by_action = {v.action: v for v in verdicts}
                    for v in verdicts:
                        seen.add((v.action, v.eligible))
                        where = f"order {order_id} ({facts.status}) line {line_id} {v.action} "
                        where += f"by {actor.role} at {facts.now}: {v}"
                        _check(session, actor, facts, lines[line_id], v, by_action, where)
        session.rollback()
    return seen


def _check(
    session: Session,
    actor: Actor,
    facts: eligibility.Facts,
    line: eligibility.LineFacts,
    v: eligibility.Verdict,
    by_action: dict[str, eligibility.Verdict],
    where: str,
) -> None:
    who, order_id = actor.principal, _order_of(session, line.id)
    if who.role is not Role.BUYER:
        if v.action == "CANCEL":
            attempt = _seller_cancel if who.role is Role.SELLER else _operator_cancel
            outcome = _try(session, attempt, who, order_id, line.id)
            if v.eligible:
                assert not isinstance(outcome, DomainError), f"{where}: {outcome!r}"
            else:
                _refused(outcome, v.ineligible_code, where)
            return
        assert v.ineligible_code == "role_not_allowed", where
        outcome = _try(session, BUYER.get(v.action, _buyer_cancel), who, order_id, line.id)
        assert isinstance(outcome, PermissionDenied), f"{where}: {outcome!r}"
        return
    if v.action == "CANCEL":
        return  # asked through REQUEST_CANCELLATION's route, checked there
    outcome = _try(session, BUYER[v.action], who, order_id, line.id)
    if v.action == "REQUEST_CANCELLATION":
        at_once = by_action["CANCEL"]
        if at_once.eligible or v.eligible:
            assert not isinstance(outcome, DomainError), f"{where}: {outcome!r}"
            cancellation, _ = outcome
            expected = "COMPLETE" if at_once.eligible else "PENDING"
            assert cancellation.status == f"CANCELLATION_REQUEST_{expected}", where
        else:
            _refused(outcome, v.ineligible_code, where)
        return
    if v.eligible:
        assert not isinstance(outcome, DomainError), f"{where}: {outcome!r}"
    else:
        _refused(outcome, v.ineligible_code, where)
    if v.action == "BUYER_PROTECTION":  # NOT_RECEIVED: the reason's own window
        exact = eligibility.verdict(facts, line, v.action, "NOT_RECEIVED")
        outcome = _try(session, _claim(v.action, "NOT_RECEIVED"), who, order_id, line.id)
        if exact.eligible:
            assert not isinstance(outcome, DomainError), f"{where} NOT_RECEIVED: {outcome!r}"
        else:
            _refused(outcome, exact.ineligible_code, f"{where} NOT_RECEIVED {exact}")


def _settle(client: TestClient, world: World, order_id: str) -> None:
    """A refund request on the order's line, settled by a partial refund offer the buyer
    accepts: the line keeps money to refund but is closed for new requests."""
    (line,) = get_order(client, world.buyer, order_id)["line_items"]
    body = {"return_type": "REFUND", "reason": "DAMAGED", "line_item_ids": [line["id"]]}
    created = client.post(
        f"{API}/orders/{order_id}/returns", json=body, headers=world.buyer.headers
    )
    rid = ok(created, 201)["return_id"]
    offer = {"decision": "OFFER_PARTIAL_REFUND", "partial_refund": {"amount": 100}}
    ok(client.post(f"{API}/returns/{rid}/approve", json=offer, headers=world.seller_a.headers))
    accepted = client.post(
        f"{API}/returns/{rid}/partial-refund/accept", headers=world.buyer.headers
    )
    assert ok(accepted)["partial_refund_status"] == "ACCEPTED"
    shown = client.get(
        f"{API}/orders/{order_id}/aftersale-eligibility", headers=world.buyer.headers
    )
    (row,) = ok(shown)["line_item_eligibility"]
    codes = {a["request_type"]: a["ineligible_code"] for a in row["actions"]}
    assert codes["REFUND"] == codes["REPLACEMENT"] == "line_settled"  # agree() checks the route


def _order_of(session: Session, line_id: int) -> int:
    return session.get_one(OrderLineItem, line_id).order_id


def test_what_eligibility_offers_the_routes_accept(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    actors = [world.buyer, world.seller_a, world.agent]
    sku = world.shop_a.sku_id
    waiting, partly, parcel, asked, transit, settled = (
        paid_orders(client, world.buyer, {sku: units})[0] for units in (1, 2, 2, 1, 1, 1)
    )
    add_card(client, world.buyer, DECLINED_CARD, make_default=True)
    (unpaid,) = checkout(client, world.buyer, {sku: 1})["orders"]
    everything = [o["id"] for o in (unpaid, waiting, partly, parcel, asked, transit, settled)]
    seen = agree(db, actors, everything)  # UNPAID and ON_HOLD

    move_to(client, world, week.monday + H)  # out of the remorse window
    first_of_partly = get_order(client, world.buyer, partly["id"])["line_items"][0]["id"]
    ship(
        client,
        world.seller_a,
        [partly["id"]],
        tracking_number("SX", "4000000001"),
        line_item_ids=[first_of_partly],
    )
    ask = client.post(
        f"{API}/orders/{asked['id']}/cancellations",
        json={"reason": "changed my mind"},
        headers=world.buyer.headers,
    )
    assert ask.status_code == 201, ask.text
    tracking, other = tracking_number("SX", "4000000002"), tracking_number("SX", "4000000003")
    ship(client, world.seller_a, [parcel["id"]], tracking)
    ship(client, world.seller_a, [transit["id"]], other)
    third = tracking_number("SX", "4000000004")
    ship(client, world.seller_a, [settled["id"]], third)
    picked = week.monday + 3 * H
    scan(
        client,
        world,
        carrier_event("a1", tracking, "PICKED_UP", picked),
        carrier_event("b1", other, "PICKED_UP", picked),
        carrier_event("c1", third, "PICKED_UP", picked),
    )
    seen |= agree(db, actors, everything)

    delivered_at = week.monday + D + 3 * H
    scan(
        client,
        world,
        carrier_event("a2", tracking, "DELIVERED", delivered_at),
        carrier_event("c2", third, "DELIVERED", delivered_at),
    )
    line_one, line_two = (
        line["id"] for line in get_order(client, world.buyer, parcel["id"])["line_items"]
    )
    created = client.post(
        f"{API}/orders/{parcel['id']}/returns",
        json={"return_type": "REFUND", "reason": "CHANGED_MIND", "line_item_ids": [line_two]},
        headers=world.buyer.headers,
    )
    rejected = client.post(
        f"{API}/returns/{ok(created, 201)['return_id']}/reject",
        json={"reject_reason": "used item"},
        headers=world.seller_a.headers,
    )
    ok(rejected)
    _settle(client, world, settled["id"])
    seen |= agree(db, actors, everything)  # delivered: NOT_RECEIVED too early; escalation open

    for later in (3 * D, 8 * D, 31 * D, 91 * D):  # NOT_RECEIVED opens, damage, returns, protection
        move_to(client, world, delivered_at + later)
        seen |= agree(db, actors, everything)
    assert get_order(client, world.buyer, parcel["id"])["status"] == "COMPLETED"

    offered = {action for action, ok_ in seen if ok_}
    refused = {action for action, ok_ in seen if not ok_}
    assert offered == refused == set(eligibility.ACTIONS)  # every action both ways
    assert line_one  # the damaged, unreturned line was checked too
