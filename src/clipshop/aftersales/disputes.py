"""Disputes: the buyer escalates a rejected or unanswered request, claims damage, or claims
buyer protection; a platform agent decides SUPPORT_BUYER (refund through ``orders.refunds``)
or SUPPORT_SELLER. Services only flush; ``dispute_actions`` opens the units of work.

Whether a claim may be opened now on each line is ``aftersales.eligibility`` (windows from
``aftersales.protection``), the same verdicts GET /orders/{id}/aftersale-eligibility shows. One
open dispute per line: opening one locks the order row first, so two claims on the same line
cannot both pass the check. Every step is an ``AftersaleRecord`` (subject DISPUTE) and an order
timeline event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility, order_facts, protection
from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipshop.core.events import DisputeStatusChanged, announce
from clipshop.core.ids import new_id
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import (
    AftersaleRecord,
    Cancellation,
    Dispute,
    Order,
    OrderLineItem,
    Return,
    ReturnLine,
    StoredFile,
)
from clipshop.orders import aftersale_steps, changes, queries, refunds
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.timeline import record_event
from clipshop.orders.transitions import transition
from clipshop.payments.errors import OverRefund
from clipshop.payments.ledger import clip

SUBJECT = "DISPUTE"
OPEN = order_facts.DISPUTE_OPEN
WITHDRAWN = "CLOSED"  # the buyer withdrew it before a decision
# The eligibility action each kind of claim is.
CLAIM_ACTIONS = {
    "ESCALATION": "ESCALATE",
    "DAMAGE_CLAIM": "DAMAGE_CLAIM",
    "BUYER_PROTECTION": "BUYER_PROTECTION",
}


class DisputeDecided(Conflict):
    code = "dispute_already_decided"


class EvidenceRequired(Conflict):
    code = "evidence_required"


class LineNotInOrder(InvalidInput):
    code = "line_not_in_order"


@dataclass(frozen=True)
class Claim:
    kind: str  # ESCALATION, DAMAGE_CLAIM, BUYER_PROTECTION
    reason: str
    line_item_ids: list[int]
    description: str = ""
    return_id: int | None = None


# -- reading ------------------------------------------------------------------------------


def scoped(principal: Principal) -> Select[Dispute]:
    """Disputes the caller may see: staff all, a buyer its own, a seller its shops'."""
    return queries.visible_to(principal, Dispute)


def get_dispute(session: Session, principal: Principal, dispute_id: int) -> Dispute:
    return aftersale_steps.get_visible(session, principal, Dispute, dispute_id)


def records(session: Session, dispute_id: int) -> list[AftersaleRecord]:
    return aftersale_steps.records_of(session, SUBJECT, dispute_id)


# -- opening ------------------------------------------------------------------------------


def record_step(
    session: Session,
    order: Order,
    dispute: Dispute,
    event: str,
    actor: Actor,
    actor_id: int | None,
    note: str,
) -> None:
    """A step of a dispute: its record and the order's timeline event of the same kind."""
    aftersale_steps.add_record(session, SUBJECT, dispute, event, actor, actor_id, note)
    record_event(session, order, event, actor, actor_id, clip(note, 500))


lock_order = changes.relock  # the order row, locked and re-read


def _escalated_lines(session: Session, order: Order, claim: Claim) -> tuple[list[int] | None, str]:
    """The lines of the request an escalation names (a return of the order, else the order's
    pending cancellation request; None when there is none) and what it escalates. Whether
    it may be escalated now is eligibility's (ESCALATE)."""
    if claim.return_id is not None:
        ret = session.get(Return, claim.return_id)
        if ret is None or ret.order_id != order.id:
            raise NotFound("return not found")
        lines = list(
            session.scalars(select(ReturnLine.line_item_id).where(ReturnLine.return_id == ret.id))
        )
        return lines, f"return {ret.id} ({ret.status})"
    cancel = session.scalar(
        select(Cancellation)
        .where(Cancellation.order_id == order.id, Cancellation.status == order_facts.PENDING_CANCEL)
        .order_by(Cancellation.id.desc())
    )
    if cancel is None:
        return None, ""
    return [int(i) for i in cancel.line_item_ids], f"cancellation request {cancel.id}"


def open_dispute(session: Session, principal: Principal, order_id: int, claim: Claim) -> Dispute:
    """Open a claim on some lines of the buyer's order; whether each line may be claimed now
    is ``eligibility.require`` (ESCALATE, DAMAGE_CLAIM or BUYER_PROTECTION with the reason)."""
    if principal.role is not Role.BUYER:
        raise PermissionDenied("only the buyer of the order opens a dispute")
    queries.get_order(session, principal, order_id)  # 404 unless the caller's order
    order = lock_order(session, order_id)
    if claim.kind == "BUYER_PROTECTION" and claim.reason not in protection.PROTECTION_REASONS:
        raise InvalidInput(
            f"buyer protection covers {', '.join(protection.PROTECTION_REASONS)}",
            code="invalid_reason",
        )
    lines = set(session.scalars(select(OrderLineItem.id).where(OrderLineItem.order_id == order.id)))
    wanted = list(dict.fromkeys(claim.line_item_ids))
    what = ""
    escalating = None
    if claim.kind == "ESCALATION":
        allowed, what = _escalated_lines(session, order, claim)
        if allowed is not None and not set(wanted) <= set(allowed):
            raise LineNotInOrder("an escalation covers only the lines of the request it escalates")
        # No request at all: every line, so that eligibility says nothing_to_escalate.
        wanted = wanted or (allowed if allowed is not None else sorted(lines))
        escalating = eligibility.Escalating(claim.return_id)
    elif claim.return_id is not None:
        raise InvalidInput("return_id is for escalations", code="invalid_claim")
    if not wanted:
        raise InvalidInput("name the line items the claim is about", code="invalid_claim")
    unknown = [i for i in wanted if i not in lines]
    if unknown:
        raise LineNotInOrder(f"line {unknown[0]} is not in order {order.id}")
    facts = eligibility.facts_for(session, principal, order, escalating=escalating)
    eligibility.require(facts, CLAIM_ACTIONS[claim.kind], wanted, reason=claim.reason)
    dispute = Dispute(
        id=new_id(),
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        return_id=claim.return_id,
        kind=claim.kind,
        reason=claim.reason,
        description=claim.description,
        status=OPEN,
        line_item_ids=[str(i) for i in sorted(wanted)],
    )
    session.add(dispute)
    session.flush()
    _announce(session, dispute, None)
    note = f"{claim.kind} ({claim.reason}) opened: dispute {dispute.id}"
    record_step(
        session,
        order,
        dispute,
        "DISPUTE_OPENED",
        Actor.BUYER,
        principal.user_id,
        f"{note}{'; escalates ' + what if what else ''}",
    )
    return dispute


# -- deciding -----------------------------------------------------------------------------


def refund_plan(
    session: Session, order: Order, line_ids: list[int], amount: int | None
) -> tuple[dict[int, int], int]:
    """SUPPORT_BUYER pays back what is left of the claimed lines (and the shipping fee when
    that leaves nothing of the order unrefunded), or exactly ``amount`` spread over the
    claimed lines in id order, each up to what it has left."""
    lines = session.scalars(
        select(OrderLineItem).where(OrderLineItem.id.in_(line_ids)).order_by(OrderLineItem.id)
    ).all()
    left = {line.id: refunds.line_cap(line) for line in lines}
    if amount is None:
        everything, shipping = refunds.full_refund_plan(session, order)
        whole = everything == {k: v for k, v in left.items() if v > 0}
        return {k: v for k, v in left.items() if v > 0}, shipping if whole else 0
    if amount > sum(left.values()):
        raise OverRefund(
            f"{amount} is more than the claimed lines have left to refund ({sum(left.values())})",
            refundable=sum(left.values()),
        )
    plan: dict[int, int] = {}
    for line_id, cap in left.items():
        share = min(cap, amount)
        if share:
            plan[line_id] = share
        amount -= share
    return plan, 0


def _close(session: Session, dispute: Dispute, status: str, **values: object) -> None:
    """End an open dispute (a conditional UPDATE from IN_PROGRESS, so of an agent's decision
    and the buyer's withdrawal racing, one wins; the other is ``dispute_already_decided``)."""
    now = utcnow()
    won = session.execute(
        update(Dispute)
        .where(Dispute.id == dispute.id, Dispute.status == OPEN)
        .values(status=status, decided_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise DisputeDecided(f"dispute {dispute.id} was already decided or withdrawn")
    session.refresh(dispute)
    _announce(session, dispute, OPEN)


def _announce(session: Session, dispute: Dispute, before: str | None) -> None:
    changed = DisputeStatusChanged(
        dispute_id=dispute.id,
        order_id=dispute.order_id,
        shop_id=dispute.shop_id,
        buyer_id=dispute.buyer_id,
        kind=dispute.kind,
        from_status=before,
        to_status=dispute.status,
        at=utcnow(),
    )
    announce(session, changed)


def withdraw(session: Session, principal: Principal, dispute_id: int, reason: str) -> Dispute:
    """The buyer takes back an open dispute before an agent decides it: CLOSED, no refund;
    its lines may be claimed again while their windows are open."""
    if principal.role is not Role.BUYER:
        raise PermissionDenied("only the buyer who opened the dispute withdraws it")
    dispute = get_dispute(session, principal, dispute_id)
    order = lock_order(session, dispute.order_id)
    _close(session, dispute, WITHDRAWN, decision_note=reason or None)
    dispute.refund_amount = 0
    note = f"dispute {dispute.id} withdrawn" + (f": {reason}" if reason else "")
    record_step(session, order, dispute, "DISPUTE_WITHDRAWN", Actor.BUYER, principal.user_id, note)
    session.flush()
    return dispute


def decide(
    session: Session,
    principal: Principal,
    dispute_id: int,
    decision: str,
    note: str,
    amount: int | None,
) -> int | None:
    """The agent's decision. Returns the queued refund's transaction id, if any."""
    principal.require(Permission.DISPUTES_DECIDE)
    dispute = get_dispute(session, principal, dispute_id)
    order = lock_order(session, dispute.order_id)
    if (
        dispute.kind == "DAMAGE_CLAIM"
        and decision == "SUPPORT_BUYER"
        and not evidence_count(session, dispute.id)
    ):
        raise EvidenceRequired("a damage claim needs photos or a video before it is upheld")
    _close(session, dispute, decision, agent_id=principal.user_id, decision_note=note)
    txn_id = None
    if decision == "SUPPORT_BUYER":
        per_line, shipping = refund_plan(
            session, order, [int(i) for i in dispute.line_item_ids], amount
        )
        txn = refunds.refund(session, order, per_line, shipping, f"dispute {dispute.id}: {note}")
        dispute.refund_amount = sum(per_line.values()) + shipping
        txn_id = txn.id if txn is not None else None
    else:
        dispute.refund_amount = 0
    money = f"; refund {dispute.refund_amount}" if decision == "SUPPORT_BUYER" else ""
    record_step(
        session,
        order,
        dispute,
        "DISPUTE_DECIDED",
        Actor.OPERATOR,
        principal.user_id,
        f"dispute {dispute.id}: {decision}{money}: {note}",
    )
    if order.status == "DELIVERED" and order.refunded_amount == order.total_amount:
        transition(
            session,
            order,
            OrderStatus.COMPLETED,
            Actor.OPERATOR,
            principal.user_id,
            f"refunded in full by dispute {dispute.id}",
        )
    session.flush()
    return txn_id


# -- evidence -----------------------------------------------------------------------------

EVIDENCE = "DISPUTE_EVIDENCE"


def evidence_count(session: Session, dispute_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(StoredFile)
            .where(StoredFile.owner_kind == EVIDENCE, StoredFile.owner_id == dispute_id)
        )
        or 0
    )


def evidence_files(session: Session, dispute_id: int) -> list[StoredFile]:
    stmt = select(StoredFile).where(
        StoredFile.owner_kind == EVIDENCE, StoredFile.owner_id == dispute_id
    )
    return list(session.scalars(stmt.order_by(StoredFile.id)))
