"""The support part of the authorization matrix: its rows, its world and the valid requests of
those routes.

World, per scope ("own", "foreign"): a buyer's OPEN case (the buyer caller's; buyer B's) and a
seller's (seller A's, in shop A; seller B's), each also RESOLVED once more (for reopen and
close); with the fulfilment world, a FORCE_MAJEURE case of the shop's open order. A buyer
caller acts on the buyer cases, the seller and its shop's staff on the seller cases, platform
staff on the buyer cases. Everything is made through the services.

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + ... + ROWS``, the world field
``support`` set by ``build(db, world)`` (called last, when the rest of the world exists; it may
create ``world.buyer_b`` if that is None), and ``requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clipshop.core.db import Database
from clipshop.identity.principal import Principal, Role
from clipshop.support import actions, cases
from tests.conftest import make_actor
from tests.integration.dispute_support import PNG

# Columns: anon buyer seller staff agent supervisor admin. A case is its opener's: a buyer
# sees its own, a shop's members the cases its sellers opened (another's: 404); platform
# staff see every case. Take, escalate, resolve and the force-majeure decisions are the
# platform staff's (403 for buyers and sellers, before any lookup); reassigning and the queue's
# escalations are the supervisors' (and admins'). The queue is the platform staff's.
_TABLE = """
POST   /api/v1/support/cases                                          401     201     201     201     201     201     201
GET    /api/v1/support/cases                                          401     200     200     200     200     200     200
GET    /api/v1/support/queue                                          401     403     403     403     200     200     200
GET    /api/v1/support/cases/{case_id}                                401     200/404 200/404 200/404 200     200     200
POST   /api/v1/support/cases/{case_id}/messages                       401     201/404 201/404 201/404 201     201     201
POST   /api/v1/support/cases/{case_id}/attachments                    401     201/404 201/404 201/404 201     201     201
POST   /api/v1/support/cases/{case_id}/take                           401     403     403     403     200     200     200
POST   /api/v1/support/cases/{case_id}/escalate                       401     403     403     403     200     200     200
POST   /api/v1/support/cases/{case_id}/reassign                       401     403     403     403     403     200     200
POST   /api/v1/support/cases/{case_id}/resolve                        401     403     403     403     200     200     200
POST   /api/v1/support/cases/{case_id}/reopen                         401     200/404 200/404 200/404 200     200     200
POST   /api/v1/support/cases/{case_id}/close                          401     200/404 200/404 200/404 200     200     200
POST   /api/v1/support/cases/{case_id}/force-majeure/approve          401     403     403     403     200     200     200
POST   /api/v1/support/cases/{case_id}/force-majeure/reject           401     403     403     403     200     200     200
"""  # noqa: E501
ROWS = "".join(f"{line}\n" for line in _TABLE.splitlines() if line.strip())
SELLER_SIDE = ("seller", "staff")


@dataclass
class Support:
    """Per scope ids of the cases the rows act on."""

    buyer_cases: dict[str, int] = field(default_factory=dict)
    seller_cases: dict[str, int] = field(default_factory=dict)
    resolved_buyer: dict[str, int] = field(default_factory=dict)
    resolved_seller: dict[str, int] = field(default_factory=dict)
    force_majeure: dict[str, int] = field(default_factory=dict)


def _open(session: Any, who: Principal, **extra: Any) -> int:
    new = cases.NewCase(category=extra.pop("category", "OTHER"), description="help", **extra)
    return cases.open_case(session, who, new).id


def build(db: Database, world: Any) -> Support:
    """This part's world (what its requests need), made through the services."""
    if world.buyer_b is None:
        world.buyer_b = make_actor(db, Role.BUYER, "buyer.b@matrix.dev")
    agent = world.callers["agent"].principal
    sellers = {"own": world.callers["seller"], "foreign": world.seller_b}
    support = Support()
    with db.unit_of_work() as session:
        for scope in ("own", "foreign"):
            buyer, seller = world.buyer(scope).principal, sellers[scope].principal
            support.buyer_cases[scope] = _open(session, buyer)
            support.seller_cases[scope] = _open(session, seller)
            for who, found in ((buyer, support.resolved_buyer), (seller, support.resolved_seller)):
                found[scope] = _open(session, who)
                actions.resolve(session, agent, found[scope], "answered")
            if world.fulfillment is not None:
                order_id = world.fulfillment.open_orders[scope]
                support.force_majeure[scope] = _open(
                    session,
                    seller,
                    category="FORCE_MAJEURE",
                    order_id=order_id,
                    extension_hours=48,
                )
    return support


def requests(
    spec: Callable[..., Any], part_of: Callable[[Any], Any]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``part_of(world)``: what ``build`` made."""

    def active(world: Any, caller: str, scope: str) -> dict[str, int]:
        s: Support = part_of(world)
        chosen = s.seller_cases if caller in SELLER_SIDE else s.buyer_cases
        return {"case_id": chosen[scope]}

    def resolved(world: Any, caller: str, scope: str) -> dict[str, int]:
        s: Support = part_of(world)
        chosen = s.resolved_seller if caller in SELLER_SIDE else s.resolved_buyer
        return {"case_id": chosen[scope]}

    def force(world: Any, caller: str, scope: str) -> dict[str, int]:
        return {"case_id": part_of(world).force_majeure[scope]}

    def body(value: dict[str, Any]) -> Callable[[Any, str, str], dict[str, Any]]:
        return lambda world, caller, scope: dict(value)

    def png(world: Any, caller: str, scope: str) -> bytes:
        return PNG

    def png_type(world: Any, caller: str, scope: str) -> dict[str, str]:
        return {"Content-Type": "image/png"}

    def reassign(world: Any, caller: str, scope: str) -> dict[str, str]:
        return {"agent_id": str(world.callers["agent"].id)}

    gone = "case_not_found"
    case = "/api/v1/support/cases/{case_id}"
    return {
        ("POST", "/api/v1/support/cases", ""): spec(
            body=body({"category": "OTHER", "description": "help"})
        ),
        ("GET", case, ""): spec(ids=active, not_found_code=gone),
        ("POST", f"{case}/messages", ""): spec(
            ids=active, body=body({"body": "hello"}), not_found_code=gone
        ),
        ("POST", f"{case}/attachments", ""): spec(
            ids=active, body=png, headers=png_type, not_found_code=gone
        ),
        ("POST", f"{case}/take", ""): spec(ids=active, body=body({})),
        ("POST", f"{case}/escalate", ""): spec(ids=active, body=body({"reason": "over limit"})),
        ("POST", f"{case}/reassign", ""): spec(ids=active, body=reassign),
        ("POST", f"{case}/resolve", ""): spec(ids=active, body=body({"resolution": "done"})),
        ("POST", f"{case}/reopen", ""): spec(
            ids=resolved, body=body({"reason": "again"}), not_found_code=gone
        ),
        ("POST", f"{case}/close", ""): spec(ids=resolved, body=body({}), not_found_code=gone),
        ("POST", f"{case}/force-majeure/approve", ""): spec(
            ids=force, body=body({"approved_hours": 24}), fulfillment=True
        ),
        ("POST", f"{case}/force-majeure/reject", ""): spec(
            ids=force, body=body({"note": "not covered"}), fulfillment=True
        ),
    }
