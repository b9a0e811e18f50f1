"""The platform's claim windows, as pure functions of times and the region policy: when a
damage claim, a buyer-protection claim, a "not received" claim and an escalation may be made.

``disputes`` refuses claims with them and ``eligibility`` shows them, so the two can never
disagree. Each returns a ``Window``: ``opens``/``closes`` (None: no bound) and, when the claim
is not possible at ``now``, the stable reason code (the same code the refusal carries).

- DAMAGE_CLAIM: from delivery to delivery + damage_claim_days (7); refused with
  order_not_delivered or damage_claim_window_closed.
- BUYER_PROTECTION: from delivery to delivery + buyer_protection_days (90), even after the
  order completed; refused with order_not_delivered or protection_window_closed.
- BUYER_PROTECTION for NOT_RECEIVED: opens not_received_claim_after_hours (48) after the
  carrier's delivered event (carriers report delivery early); before, not_received_claim_too_early.
- ESCALATION of a rejected request: at once, no end.
- ESCALATION of an unanswered request: dispute_escalation_hours (72) after the request;
  before, escalation_too_early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from clipshop.deadlines.policies import RegionPolicy

PROTECTION_REASONS = ("NOT_RECEIVED", "WRONG_ITEM", "NOT_AS_DESCRIBED", "DAMAGED")


@dataclass(frozen=True)
class Window:
    opens: datetime | None
    closes: datetime | None
    refused: str | None = None  # the reason code when not open at the time asked

    @property
    def open(self) -> bool:
        return self.refused is None


def _between(
    opens: datetime, closes: datetime | None, now: datetime, early: str, late: str
) -> Window:
    if now < opens:
        return Window(opens, closes, early)
    if closes is not None and now > closes:
        return Window(opens, closes, late)
    return Window(opens, closes)


def damage_claim(delivered_at: datetime | None, policy: RegionPolicy, now: datetime) -> Window:
    if delivered_at is None:
        return Window(None, None, "order_not_delivered")
    closes = delivered_at + timedelta(days=policy.damage_claim_days)
    return _between(delivered_at, closes, now, "order_not_delivered", "damage_claim_window_closed")


def buyer_protection(
    delivered_at: datetime | None, reason: str, policy: RegionPolicy, now: datetime
) -> Window:
    """Any protection reason within buyer_protection_days of delivery (even after the order
    completed); NOT_RECEIVED only once the carrier's "delivered" is old enough to be doubted."""
    if delivered_at is None:
        return Window(None, None, "order_not_delivered")
    closes = delivered_at + timedelta(days=policy.buyer_protection_days)
    opens = delivered_at
    if reason == "NOT_RECEIVED":
        opens = delivered_at + timedelta(hours=policy.not_received_claim_after_hours)
    return _between(opens, closes, now, "not_received_claim_too_early", "protection_window_closed")


def escalation(
    requested_at: datetime, rejected: bool, policy: RegionPolicy, now: datetime
) -> Window:
    """A rejected request may be escalated at once; a pending one once the seller has left
    it unanswered for dispute_escalation_hours."""
    if rejected:
        return Window(requested_at, None)
    opens = requested_at + timedelta(hours=policy.dispute_escalation_hours)
    return _between(opens, None, now, "escalation_too_early", "escalation_too_early")
