"""The order state machine as data. DOMAIN.md's lifecycle, in TikTok's vocabulary."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class Actor(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"
    SYSTEM = "SYSTEM"
    OPERATOR = "OPERATOR"
    CARRIER = "CARRIER"


S = OrderStatus

ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.UNPAID: frozenset({S.ON_HOLD, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.AWAITING_SHIPMENT, S.CANCELLED}),
    S.AWAITING_SHIPMENT: frozenset({S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION, S.CANCELLED}),
    S.PARTIALLY_SHIPPING: frozenset({S.AWAITING_COLLECTION, S.IN_TRANSIT, S.CANCELLED}),
    S.AWAITING_COLLECTION: frozenset({S.IN_TRANSIT, S.CANCELLED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Who may cause each move (DOMAIN.md "Transitions and who makes them").
ACTORS: dict[tuple[OrderStatus, OrderStatus], frozenset[Actor]] = {
    (S.UNPAID, S.ON_HOLD): frozenset({Actor.BUYER, Actor.SYSTEM}),
    (S.UNPAID, S.CANCELLED): frozenset({Actor.BUYER, Actor.SYSTEM, Actor.OPERATOR}),
    (S.ON_HOLD, S.AWAITING_SHIPMENT): frozenset({Actor.SYSTEM, Actor.OPERATOR}),
    (S.ON_HOLD, S.CANCELLED): frozenset({Actor.BUYER, Actor.SELLER, Actor.SYSTEM, Actor.OPERATOR}),
    (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING): frozenset({Actor.SELLER, Actor.OPERATOR}),
    (S.AWAITING_SHIPMENT, S.AWAITING_COLLECTION): frozenset({Actor.SELLER, Actor.OPERATOR}),
    # The buyer only *requests* this cancellation: the seller approves it (or the system does
    # when the seller lets the deadline pass), so the buyer is never the actor here.
    (S.AWAITING_SHIPMENT, S.CANCELLED): frozenset({Actor.SELLER, Actor.SYSTEM, Actor.OPERATOR}),
    (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION): frozenset({Actor.SELLER, Actor.OPERATOR}),
    (S.PARTIALLY_SHIPPING, S.IN_TRANSIT): frozenset({Actor.CARRIER, Actor.SYSTEM}),
    (S.PARTIALLY_SHIPPING, S.CANCELLED): frozenset({Actor.SYSTEM, Actor.OPERATOR}),
    (S.AWAITING_COLLECTION, S.IN_TRANSIT): frozenset({Actor.CARRIER, Actor.SYSTEM}),
    (S.AWAITING_COLLECTION, S.CANCELLED): frozenset({Actor.SYSTEM, Actor.OPERATOR}),
    (S.IN_TRANSIT, S.DELIVERED): frozenset({Actor.CARRIER, Actor.SYSTEM}),
    (S.IN_TRANSIT, S.CANCELLED): frozenset({Actor.SYSTEM, Actor.OPERATOR}),
    (S.DELIVERED, S.COMPLETED): frozenset({Actor.SYSTEM, Actor.OPERATOR}),
}

assert set(ACTORS) == {(a, b) for a, targets in ALLOWED.items() for b in targets}

# Who may cancel which order's items (``aftersales.cancellations``; ``aftersales.eligibility``
# shows the same): the buyer at once, the buyer by request, the seller, a platform operator.
BUYER_CANCELS_AT_ONCE = frozenset({S.UNPAID, S.ON_HOLD})
BUYER_REQUESTS_CANCEL = frozenset({S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING})
SELLER_CANCELLABLE = frozenset({S.ON_HOLD, S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING})
OPERATOR_CANCELLABLE = frozenset(
    {S.UNPAID, S.ON_HOLD, S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION}
    | {S.IN_TRANSIT}
)

# Before these, the seller sees no recipient address (remorse window, fraud checks).
ADDRESS_HIDDEN = frozenset({S.UNPAID, S.ON_HOLD})
