"""Authorization matrix: every native API route x every role x own/foreign object.

The routes come from the app's OpenAPI schema, so a route added without a row in ``MATRIX``
fails (its own parametrized case and ``test_every_route_has_a_matrix_row`` name it).

Columns (callers):
  anon        no Authorization header
  buyer       a buyer
  seller      seller A, OWNER of shop A
  staff       a seller who is a STAFF member of shop A
  agent, supervisor, admin
  creator     creator A (only in the rows with an eighth cell: lives, videos, affiliate,
              matrix_social; "foreign" there is creator B's object)

Scopes: "own" means shop A's objects (for user and token routes: the caller's own user or
token, for anon: shop A / seller A); "foreign" means shop B's objects, owned by seller B
(for user and token routes: seller B's user or token). A cell is one status for both
scopes, or "own/foreign".

For checkout, payment and order routes the world also has a second buyer ("buyer B"): "own"
is the buyer's order in shop A (and the buyer's payment, saved card, cart SKU of shop A),
"foreign" is buyer B's order in shop B (buyer B's payment and card, shop B's SKU).
Fulfilment and order-change routes use the same two buyers and shops, with orders awaiting
shipment, a pending edit, a shipped package and its stored photo (``matrix_fulfillment``);
dispute routes add a delivered order per buyer with an open dispute on one of its lines.

Every request is valid (body, path ids that exist), so only authorization decides. Besides
the status, each case checks the problem code of a refusal, that a refusal or a read left the
database (and the platform clock) exactly as it was, and that an allowed write changed it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from clipshop.api.app import create_app
from clipshop.catalog import shops
from clipshop.checkout import cart
from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.core.storage import LocalFileStorage
from clipshop.identity.principal import Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import principal_for
from clipshop.models import Base, IdempotencyRecord, Order, Payment, User
from clipshop.payments import methods
from clipshop.payments.simulated import SimulatedGateway, tokenize_card
from tests.conftest import Actor, ShopFixture, make_actor, make_shop, problem_code
from tests.integration import matrix_conversations as mconv
from tests.integration import matrix_coupons as mc
from tests.integration import matrix_deals as md
from tests.integration import matrix_fulfillment as mf
from tests.integration import matrix_notifications as mnote
from tests.integration import matrix_partner as mp
from tests.integration import matrix_returns as mr
from tests.integration import matrix_social as ms
from tests.integration import matrix_support as msup
from tests.integration import matrix_webhooks as mw
from tests.integration.fulfillment_files_api import (
    JPEG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
    sx,
)

CALLERS = ("anon", "buyer", "seller", "staff", "agent", "supervisor", "admin")
CREATOR = "creator"  # an eighth column, in the rows that have one (matrix_social)
SCOPES = ("own", "foreign")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SKIPPED_PREFIXES = ("/docs", "/redoc", "/openapi")

MATRIX_TABLE = """
# method path [variant]                                               anon    buyer   seller  staff   agent   superv. admin
GET    /healthz                                                       200     200     200     200     200     200     200
GET    /api/v1/me                                                     401     200     200     200     200     200     200
POST   /api/v1/users                                                  401     403     403     403     403     403     201
GET    /api/v1/users                                                  401     403     403     403     403     403     200
GET    /api/v1/users/{user_id}                                        401     200/403 200/403 200/403 200/403 200/403 200
POST   /api/v1/tokens                                                 401     201/403 201/403 201/403 201/403 201/403 201
GET    /api/v1/tokens                                                 401     200/403 200/403 200/403 200/403 200/403 200
DELETE /api/v1/tokens/{token_id}                                      401     200/404 200/404 200/404 200/404 200/404 200
POST   /api/v1/shops                                                  401     403     201/403 201/403 403     403     201
GET    /api/v1/shops                                                  401     403     200     200     200     200     200
GET    /api/v1/shops/{shop_id}                                        401     403     200/404 200/404 200     200     200
PATCH  /api/v1/shops/{shop_id}                                        401     403     200/404 200/404 403     403     200
PATCH  /api/v1/shops/{shop_id} [verified]                             401     403     403/404 403/404 403     403     200
GET    /api/v1/shops/{shop_id}/members                                401     403     200/404 200/404 200     200     200
POST   /api/v1/shops/{shop_id}/members                                401     403     201/404 403/404 403     403     201
POST   /api/v1/shops/{shop_id}/warehouses                             401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{shop_id}/warehouses                             401     403     200/404 200/404 200     200     200
GET    /api/v1/warehouses/{warehouse_id}                              401     403     200/404 200/404 200     200     200
PATCH  /api/v1/warehouses/{warehouse_id}                              401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/products                               401     403     201/404 201/404 403     403     201
GET    /api/v1/shops/{shop_id}/products                               401     403     200/404 200/404 200     200     200
GET    /api/v1/products/{product_id}                                  401     403     200/404 200/404 200     200     200
PATCH  /api/v1/products/{product_id}                                  401     403     200/404 200/404 403     403     200
POST   /api/v1/products/{product_id}/skus                             401     403     201/404 201/404 403     403     201
GET    /api/v1/skus/{sku_id}                                          401     403     200/404 200/404 200     200     200
PATCH  /api/v1/skus/{sku_id}                                          401     403     200/404 200/404 403     403     200
GET    /api/v1/skus/{sku_id}/stock                                    401     403     200/404 200/404 200     200     200
PUT    /api/v1/skus/{sku_id}/stock/{warehouse_id}                     401     403     200/404 200/404 403     403     200
PUT    /api/v1/skus/{sku_id}/stock/{warehouse_id} [cross-shop]        401     403     404     404     403     403     404
POST   /api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust              401     403     200/404 200/404 403     403     200
POST   /api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust [cross-shop] 401     403     404     404     403     403     404
GET    /api/v1/skus/{sku_id}/movements                                401     403     200/404 200/404 200     200     200
GET    /api/v1/shops/{shop_id}/low-stock                              401     403     200/404 200/404 200     200     200
GET    /api/v1/shops/{shop_id}/shipping-profiles                      401     403     200/404 200/404 200     200     200
PUT    /api/v1/shops/{shop_id}/shipping-profiles/{service}            401     403     200/404 200/404 403     403     200
POST   /api/v1/skus/{sku_id}/discounts                                401     403     201/404 201/404 403     403     201
PUT    /api/v1/tax-rates/{country}/{state}                            401     403     403     403     403     403     200
POST   /api/v1/vouchers                                               401     403     403     403     403     403     201
GET    /api/v1/cart                                                   401     200     403     403     403     403     403
PUT    /api/v1/cart/items/{sku_id}                                    401     200     403     403     403     403     403
DELETE /api/v1/cart/items/{sku_id}                                    401     200     403     403     403     403     403
POST   /api/v1/checkout/quote                                         401     200     403     403     403     403     403
POST   /api/v1/checkout                                               401     201     403     403     403     403     403
GET    /api/v1/payments/{payment_id}                                  401     200/404 404     404     404     404     404
POST   /api/v1/payments/{payment_id}/retry                            401     200/404 404     404     404     404     404
POST   /api/v1/payment-methods                                        401     201     403     403     403     403     403
GET    /api/v1/payment-methods                                        401     200     403     403     403     403     403
DELETE /api/v1/payment-methods/{method_id}                            401     200/404 403     403     403     403     403
GET    /api/v1/orders                                                 401     200     200     200     200     200     200
GET    /api/v1/orders/{order_id}                                      401     200/404 200/404 200/404 200     200     200
POST   /api/v1/orders/{order_id}/cancel                               401     200/404 404     404     404     404     404
POST   /api/v1/orders/{order_id}/review                               401     403     403     403     200     200     200
POST   /api/v1/orders/{order_id}/address                              401     200/404 403     403     403     403     403
GET    /api/v1/orders/{order_id}/edits                                401     200/404 200/404 200/404 200     200     200
POST   /api/v1/orders/{order_id}/edits                                401     403     201/404 201/404 403     403     201
GET    /api/v1/orders/{order_id}/edits/{edit_id}                      401     200/404 200/404 200/404 200     200     200
POST   /api/v1/orders/{order_id}/edits/{edit_id}/accept               401     200/404 403     403     403     403     403
POST   /api/v1/orders/{order_id}/edits/{edit_id}/decline              401     200/404 403     403     403     403     403
POST   /api/v1/orders/{order_id}/edits/{edit_id}/withdraw             401     403     200/404 200/404 403     403     200
GET    /api/v1/orders/{order_id}/tracking                             401     200/404 200/404 200/404 200     200     200
GET    /api/v1/orders/{order_id}/handover-slots                       401     200/404 200/404 200/404 200     200     200
POST   /api/v1/packages                                               401     403     201/404 201/404 403     403     201
GET    /api/v1/packages                                               401     200     200     200     200     200     200
GET    /api/v1/packages/{package_id}                                  401     200/404 200/404 200/404 200     200     200
POST   /api/v1/packages/{package_id}/tracking                         401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/packages/upload                        401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/stock/upload                           401     403     200/404 200/404 403     403     200
GET    /api/v1/packages/{package_id}/label                            401     403     200/404 200/404 403     403     200
GET    /api/v1/packages/{package_id}/packing-slip                     401     403     200/404 200/404 403     403     200
POST   /api/v1/packages/labels                                        401     403     200/404 200/404 403     403     200
POST   /api/v1/packages/labels [mixed]                                401     403     404     404     403     403     200
POST   /api/v1/packages/{package_id}/photos                           401     403     201/404 201/404 403     403     201
GET    /api/v1/packages/{package_id}/photos                           401     200/404 200/404 200/404 200     200     200
GET    /api/v1/files/{file_id}                                        401     200/404 200/404 200/404 200     200     200
POST   /api/v1/carriers/{carrier}/events                              202     202     202     202     202     202     202
POST   /api/v1/carriers/{carrier}/events [bad-signature]              401     401     401     401     401     401     401
POST   /api/v1/sandbox/clock/advance                                  401     403     200     200     403     403     200
GET    /api/v1/shops/{shop_id}/performance                            401     403     200/404 200/404 200     200     200
GET    /api/v1/events                                                 401     403     200     200     200     200     200
POST   /api/v1/shops/{shop_id}/webhooks                               401     403     201/404 201/404 403     403     403
GET    /api/v1/shops/{shop_id}/webhooks                               401     403     200/404 200/404 403     403     200
GET    /api/v1/shops/{shop_id}/webhooks/{webhook_id}                  401     403     200/404 200/404 403     403     200
PATCH  /api/v1/shops/{shop_id}/webhooks/{webhook_id}                  401     403     200/404 200/404 403     403     403
DELETE /api/v1/shops/{shop_id}/webhooks/{webhook_id}                  401     403     200/404 200/404 403     403     403
POST   /api/v1/shops/{shop_id}/webhooks/{webhook_id}/rotate-secret    401     403     200/404 200/404 403     403     403
GET    /api/v1/shops/{shop_id}/webhooks/{webhook_id}/deliveries       401     403     200/404 200/404 403     403     200
POST   /api/v1/shops/{shop_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry 401 403 202/404 202/404 403 403 403
POST   /api/v1/shops/{shop_id}/webhooks/{webhook_id}/test             401     403     202/404 202/404 403     403     403
POST   /api/v1/shops/{shop_id}/webhooks/{webhook_id}/replay           401     403     202/404 202/404 403     403     403
POST   /api/v1/apps                                                   401     403     403     403     403     403     201
POST   /api/v1/shops/{shop_id}/app-authorizations                     401     403     201/404 403/404 403     403     403
DELETE /api/v1/shops/{shop_id}/app-authorizations/{authorization_id}  401     403     204/404 403/404 403     403     204
POST   /api/v1/shops/{shop_id}/standing                               401     403     403/404 403/404 403     403     200
POST   /api/v1/orders/{order_id}/cancellations                        401     201/404 403     403     403     403     403
POST   /api/v1/cancellations/{cancel_id}/approve                      401     403     200/404 200/404 403     403     200
POST   /api/v1/cancellations/{cancel_id}/reject                       401     403     200/404 200/404 403     403     200
POST   /api/v1/cancellations/{cancel_id}/withdraw                     401     200/404 403     403     403     403     403
POST   /api/v1/orders/{order_id}/seller-cancel                        401     403     201/404 201/404 403     403     201
POST   /api/v1/orders/{order_id}/operator-cancel                      401     403     403     403     201     201     201
GET    /api/v1/cancellations                                          401     200     200     200     200     200     200
GET    /api/v1/cancellations/{cancel_id}                              401     200/404 200/404 200/404 200     200     200
POST   /api/v1/orders/{order_id}/disputes                             401     201/404 403     403     403     403     403
GET    /api/v1/disputes                                               401     200     200     200     200     200     200
GET    /api/v1/disputes/{dispute_id}                                  401     200/404 200/404 200/404 200     200     200
POST   /api/v1/disputes/{dispute_id}/evidence                         401     201/404 403/404 403/404 403     403     403
POST   /api/v1/disputes/{dispute_id}/decide                           401     403     403     403     200     200     200
POST   /api/v1/disputes/{dispute_id}/withdraw                         401     200/404 403     403     403     403     403
GET    /api/v1/orders/{order_id}/aftersale-eligibility                401     200/404 200/404 200/404 200     200     200
POST   /api/v1/orders/{order_id}/returns                              401     201/404 403     403     403     403     403
POST   /api/v1/returns/calculate                                      401     200/404 403     403     403     403     403
GET    /api/v1/returns                                                401     200     200     200     200     200     200
GET    /api/v1/returns/{return_id}                                    401     200/404 200/404 200/404 200     200     200
GET    /api/v1/returns/{return_id}/records                            401     200/404 200/404 200/404 200     200     200
POST   /api/v1/returns/{return_id}/approve                            401     403     200/404 200/404 403     403     200
POST   /api/v1/returns/{return_id}/reject                             401     403     200/404 200/404 403     403     200
POST   /api/v1/returns/{return_id}/partial-refund/accept              401     200/404 403     403     403     403     403
POST   /api/v1/returns/{return_id}/partial-refund/decline             401     200/404 403     403     403     403     403
POST   /api/v1/returns/{return_id}/ship                               401     200/404 403     403     403     403     403
GET    /api/v1/returns/{return_id}/label                              401     200/404 200/404 200/404 200     200     200
POST   /api/v1/returns/{return_id}/cancel                             401     200/404 403     403     403     403     403
POST   /api/v1/returns/{return_id}/evidence                           401     201/404 403     403     403     403     403
GET    /api/v1/returns/{return_id}/evidence                           401     200/404 200/404 200/404 200     200     200
"""  # noqa: E501
# [verified]: the body sets ``verified`` (admins only) instead of renaming.
# [cross-shop]: the SKU and the warehouse belong to different shops ("own" = own SKU with the
# other shop's warehouse, "foreign" = the other shop's SKU with an own warehouse).
# Cart, quote and checkout refuse every role but buyers with 403 ``buyers_only`` (admins too).
# Payments are the buyer's alone: anybody else, admins included, gets 404 for any payment.
# Cancel: only the order's buyer; everybody else gets 404, even staff who may read the order.
# Review: both orders (own and foreign) are on review hold; agents, supervisors, admins decide.
# Sandbox: sellers may move the clock because the test settings run in sandbox mode.
# Address change, accept, decline: only the order's buyer (403 for every other role, even
# admins; another buyer's order is 404). Edits are proposed and withdrawn by whoever ships
# for the shop (its owner, its staff, admins); support staff read them but may not act.
# Order and package reads (tracking, handover slots, packages, photos, files): the buyer of
# the order or package, the shop's members, agents, supervisors and admins. Handover slots
# are carrier pickup times for platform shipping; a buyer may read them for its own order.
# GET /packages is 200 for every signed-in role; test_package_search_shows_only_visible_packages
# checks which packages each one sees.
# Shipping, tracking corrections, the CSV upload, labels, packing slips and handover photos
# need fulfillment:write: buyers, agents and supervisors get 403, even for their own order.
# [mixed]: one label batch naming an own package and a foreign one: refused whole (404).
# Carrier webhook: no user, an HMAC-SHA256 signature of the raw body with the carrier
# secret. A valid signature is accepted (202, the package is picked up) whoever else calls,
# anonymous or not; [bad-signature] (signed with another key) is 401 invalid_signature for
# every caller, admins too: a user token never stands in for the signature.
# Cancellations (the fulfilment world: the open order, and the edited order's pending buyer
# request): only the order's buyer requests and withdraws (403 for every other role, another
# buyer's order 404); the shop's members and admins decide and cancel as seller
# (aftersales:decide); agents, supervisors and admins cancel as operator (disputes:decide),
# for any shop.
# Disputes (the delivered order, its open claim): only the order's buyer claims (403 for every
# other role), withdraws (403 likewise, another buyer's 404) and adds evidence (403 for
# whoever else may read the dispute: the shop's members, agents, supervisors, admins); a
# dispute is read like its order; agents, supervisors and admins decide (disputes:decide,
# any shop), buyers and sellers get 403.

RouteKey = tuple[str, str]  # (METHOD, path template)
RowKey = tuple[str, str, str]  # (METHOD, path template, variant or "")


def _parse_matrix(text: str) -> dict[RowKey, dict[tuple[str, str], int]]:
    rows: dict[RowKey, dict[tuple[str, str], int]] = {}
    for line in text.strip().splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"(\w+)\s+(\S+)(?:\s+\[([\w-]+)\])?\s+(.+)", line.strip())
        assert match, f"cannot parse matrix line: {line!r}"
        method, path, variant, cells = match.groups()
        values = cells.split()
        assert len(values) in (len(CALLERS), len(CALLERS) + 1), f"7 or 8 cells: {line!r}"
        key = (method, path, variant or "")
        assert key not in rows, f"duplicate matrix row: {line!r}"
        expected: dict[tuple[str, str], int] = {}
        for caller, cell in zip((*CALLERS, CREATOR)[: len(values)], values, strict=True):
            own, _, foreign = cell.partition("/")
            expected[caller, "own"] = int(own)
            expected[caller, "foreign"] = int(foreign or own)
        rows[key] = expected
    return rows


MATRIX = _parse_matrix(
    MATRIX_TABLE + mc.ROWS + md.ROWS + ms.ROWS + mconv.ROWS + mnote.ROWS + msup.ROWS
)
# The rows whose requests need a part's world (built only for them: ``build_world``).
PART_ROWS = {
    "conversations": set(_parse_matrix(mconv.ROWS)),
    "notifications": set(_parse_matrix(mnote.ROWS)),
    "support": set(_parse_matrix(msup.ROWS)),
}


def api_routes() -> list[RouteKey]:
    """Every (method, path) of the OpenAPI schema, docs excluded."""
    app = create_app(Settings(env="test", database_url="sqlite://"))
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if not path.startswith(SKIPPED_PREFIXES)
        for method in operations
        if method in HTTP_METHODS
    ]
    return sorted(routes, key=lambda r: (r[1], r[0]))


ROUTES = api_routes()


def _missing_rows() -> list[str]:
    covered = {(method, path) for method, path, _ in MATRIX}
    return [f"{method} {path}" for method, path in ROUTES if (method, path) not in covered]


def test_every_route_has_a_matrix_row() -> None:
    missing = _missing_rows()
    assert not missing, (
        "routes without a row in the authorization matrix (add them to MATRIX_TABLE in "
        f"{__file__}): " + ", ".join(missing)
    )


def test_every_matrix_row_is_a_route() -> None:
    stale = sorted({f"{m} {p}" for m, p, _ in MATRIX if (m, p) not in set(ROUTES)})
    assert not stale, "matrix rows for routes that do not exist: " + ", ".join(stale)


# ---------------------------------------------------------------------------------------------
# The world the matrix runs against


@dataclass
class MatrixWorld:
    callers: dict[str, Actor]  # by column name, without "anon"
    seller_b: Actor
    newcomer: Actor  # a seller in no shop: the member to add
    shop_a: ShopFixture
    shop_b: ShopFixture
    spare_tokens: dict[int, int] = field(default_factory=dict)  # user id -> a revocable token
    buyer_b: Actor | None = None  # the second buyer, with commerce or fulfilment
    commerce: Commerce | None = None  # built only for the routes that need it
    fulfillment: mf.Fulfillment | None = None  # likewise
    returns: mr.Returns | None = None  # likewise
    webhooks: dict[str, int] = field(default_factory=dict)  # scope -> a subscription
    deliveries: dict[str, int] = field(default_factory=dict)  # scope -> one of its deliveries
    partner: mp.PartnerWorld | None = None  # an app authorized on both shops
    promotions: dict[str, dict[str, int]] = field(default_factory=dict)  # matrix_coupons
    deals: dict[str, int] = field(default_factory=dict)  # matrix_deals: a flash deal per scope
    social: ms.Social | None = None  # lives, videos, offers, creators (matrix_social)
    conversations: Any = None  # matrix_conversations
    notifications: Any = None  # matrix_notifications
    support: Any = None  # matrix_support

    def buyer(self, scope: str) -> Actor:
        """The buyer of a scope's orders: the buyer column's own, buyer B's foreign."""
        if scope == "own":
            return self.callers["buyer"]
        assert self.buyer_b is not None
        return self.buyer_b

    @property
    def rets(self) -> mr.Returns:
        assert self.returns is not None, "the row needs returns=True in REQUESTS"
        return self.returns

    @property
    def ful(self) -> mf.Fulfillment:
        assert self.fulfillment is not None, "the row needs fulfillment=True in REQUESTS"
        return self.fulfillment

    def shop(self, scope: str) -> ShopFixture:
        return self.shop_a if scope == "own" else self.shop_b

    def other_shop(self, scope: str) -> ShopFixture:
        return self.shop_b if scope == "own" else self.shop_a

    def user_for(self, caller: str, scope: str) -> Actor:
        """Whose user/token a request of this scope is about."""
        if scope == "foreign":
            return self.seller_b
        return self.callers.get(caller, self.callers["seller"])

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "anon" else self.callers[caller].headers


@dataclass
class Commerce:
    """Per scope: "own" is the buyer's, in shop A; "foreign" is buyer B's, in shop B."""

    buyer_b: Actor
    orders: dict[str, int]  # ON_HOLD on review hold (billing differs from shipping), paid
    payments: dict[str, int]  # FAILED (declined card); its order is UNPAID
    cards: dict[str, int]  # the default card (4242); each buyer also saved a declined one
    # The buyer's cart holds one unit of shop A's SKU and one of shop B's.


ADDRESS = {
    "name": "Ada Buyer",
    "phone": "+1 555 0100",
    "address_line1": "2 Elm St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62702",
    "country": "US",
}
OTHER_BILLING = {**ADDRESS, "address_line1": "9 Far Rd", "postal_code": "10001", "state": "NY"}
OK_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def _save_card(db: Database, buyer: Actor, number: str) -> int:
    with db.unit_of_work() as session:
        card = tokenize_card(number, 12, utcnow().year + 3, "123")
        return methods.save_method(session, buyer.principal, card).id


def _checkout(db: Database, buyer: Actor, sku_id: int, **extra: Any) -> int:
    request = CheckoutRequest(shipping_address=dict(ADDRESS), items={sku_id: 1}, **extra)
    return place_order(db, SimulatedGateway(db), buyer.principal, request)


def build_commerce(db: Database, world: MatrixWorld) -> Commerce:
    """Checkouts through the service: per buyer a paid order on review hold and a failed one."""
    buyers = {scope: world.buyer(scope) for scope in SCOPES}
    commerce = Commerce(buyers["foreign"], {}, {}, {})
    for scope, buyer in buyers.items():
        sku_id = world.shop(scope).sku_id
        commerce.cards[scope] = _save_card(db, buyer, OK_CARD)  # the first: the default
        declined = _save_card(db, buyer, DECLINED_CARD)
        paid = _checkout(db, buyer, sku_id, billing_address=dict(OTHER_BILLING))
        commerce.payments[scope] = _checkout(db, buyer, sku_id, payment_method_id=declined)
        with db.unit_of_work(write=False) as session:
            (order,) = session.scalars(select(Order).where(Order.payment_id == paid))
            assert (order.status, order.review_hold) == ("ON_HOLD", True), order.status
            assert session.get_one(Payment, commerce.payments[scope]).status == "FAILED"
            commerce.orders[scope] = order.id
    with db.unit_of_work() as session:
        for scope in SCOPES:
            cart.set_quantity(session, buyers["own"].principal, world.shop(scope).sku_id, 1)
    return commerce


def build_world(
    db: Database,
    with_commerce: bool = False,
    with_fulfillment: bool = False,
    files_dir: Path | None = None,
    with_returns: bool = False,
    with_disputes: bool = False,
    parts: frozenset[str] = frozenset(),
) -> MatrixWorld:
    """The callers and two shops; commerce and fulfilment only when asked for (the
    fulfilment world stores its photos under ``files_dir``, the client's storage)."""
    admin = make_actor(db, Role.ADMIN, "admin@matrix.dev")
    seller_a = make_actor(db, Role.SELLER, "seller.a@matrix.dev")
    seller_b = make_actor(db, Role.SELLER, "seller.b@matrix.dev")
    staff = make_actor(db, Role.SELLER, "staff.a@matrix.dev")
    callers = {
        "buyer": make_actor(db, Role.BUYER, "buyer@matrix.dev"),
        "seller": seller_a,
        "staff": staff,
        "agent": make_actor(db, Role.AGENT, "agent@matrix.dev"),
        "supervisor": make_actor(db, Role.SUPERVISOR, "supervisor@matrix.dev"),
        "admin": admin,
        CREATOR: make_actor(db, Role.CREATOR, "creator@matrix.dev"),
    }
    world = MatrixWorld(
        callers=callers,
        seller_b=seller_b,
        newcomer=make_actor(db, Role.SELLER, "newcomer@matrix.dev"),
        shop_a=make_shop(db, seller_a, admin, "ShopA"),
        shop_b=make_shop(db, seller_b, admin, "ShopB"),
    )
    with db.unit_of_work() as session:
        admin_p = principal_for(session, session.get_one(User, admin.id))
        shops.add_member(session, admin_p, world.shop_a.id, staff.id, "STAFF")
        for actor in [*callers.values(), seller_b]:
            world.spare_tokens[actor.id] = issue_token(session, actor.id, "spare").token.id
    owners = {"own": seller_a, "foreign": seller_b}
    world.webhooks, world.deliveries = mw.build_subscriptions(
        db, owners, {s: world.shop(s) for s in SCOPES}
    )
    world.partner = mp.build_partner(db, {s: world.shop(s) for s in SCOPES})
    world.promotions = mc.build_promotions(db, owners, {s: world.shop(s) for s in SCOPES})
    world.deals = md.build_deals(db, owners, {s: world.shop(s) for s in SCOPES})
    world.social = ms.build_social(
        db, callers[CREATOR], admin, {s: world.shop(s) for s in SCOPES}, world.partner.app_key
    )
    if with_commerce or with_fulfillment or with_returns:
        world.buyer_b = make_actor(db, Role.BUYER, "buyer.b@matrix.dev")
    if with_commerce:
        world.commerce = build_commerce(db, world)
    if with_fulfillment:
        assert files_dir is not None
        buyers = {scope: world.buyer(scope) for scope in SCOPES}
        shops_by_scope = {scope: world.shop(scope) for scope in SCOPES}
        storage = LocalFileStorage(files_dir)
        world.fulfillment = mf.build_fulfillment(db, storage, buyers, shops_by_scope, with_disputes)
    if with_returns:
        buyers = {scope: world.buyer(scope) for scope in SCOPES}
        world.returns = mr.build_returns(db, buyers, {s: world.shop(s) for s in SCOPES})
    # the parts' worlds only for their own routes (every route builds its world anew)
    if "conversations" in parts:
        world.conversations = mconv.build(db, world)
    if "notifications" in parts:
        world.notifications = mnote.build(db, world)
    if "support" in parts:
        world.support = msup.build(db, world)
    return world


Snapshot = dict[str, list[tuple[Any, ...]]]
IDEMPOTENCY = IdempotencyRecord.__table__


def snapshot(db: Database, idempotency_key: str | None = None) -> Snapshot:
    """Every row of every table, in a comparable form. The Idempotency-Key middleware keeps
    every answer but 5xx/401/429, refusals included: the row of ``idempotency_key`` is that
    answer, not a change the call made, so it is left out.

    On PostgreSQL each row's text form, read in one query (one round trip, not one per
    table); on SQLite the rows themselves."""
    if db.is_sqlite:
        return table_rows(db, idempotency_key)
    parts = [
        f"SELECT '{table.name}', CAST(t AS text) FROM {table.name} t"
        + (' WHERE t."key" IS DISTINCT FROM :key' if table is IDEMPOTENCY else "")
        for table in Base.metadata.sorted_tables
    ]
    tables: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in Base.metadata.sorted_tables}
    with db.engine.connect() as conn:
        for name, row in conn.execute(text(" UNION ALL ".join(parts)), {"key": idempotency_key}):
            tables[name].append((row,))
    return {name: sorted(rows) for name, rows in tables.items()}


def table_rows(db: Database, idempotency_key: str | None = None) -> Snapshot:
    """Every row of every table (but ``idempotency_key``'s) as tuples of column values."""
    with db.engine.connect() as conn:
        tables = {}
        for table in Base.metadata.sorted_tables:
            stmt = select(table)
            if table is IDEMPOTENCY and idempotency_key is not None:
                stmt = stmt.where(IDEMPOTENCY.c["key"] != idempotency_key)
            tables[table.name] = sorted((tuple(row) for row in conn.execute(stmt)), key=repr)
        return tables


def restore(db: Database, state: Snapshot) -> None:
    """Put every table back to ``state`` (``table_rows``): the same rows, the same ids."""
    tables = Base.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if rows := state[table.name]:
                keys = [column.key for column in table.columns]
                conn.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in rows])


# ---------------------------------------------------------------------------------------------
# Valid requests per row

Builder = Callable[[MatrixWorld, str, str], Any]  # (world, caller, scope) -> value


@dataclass(frozen=True)
class RequestSpec:
    body: Builder | None = None  # JSON, or bytes sent as they are (with ``headers``)
    query: Builder | None = None
    ids: Builder | None = None  # overrides of path parameters
    headers: Builder | None = None  # extra headers (Content-Type of a raw body, a signature)
    forbidden_code: str = "forbidden"  # the problem code of the row's 403s
    not_found_code: str = "not_found"  # the problem code of the row's 404s
    unauthenticated_code: str = "missing_token"  # the problem code of the row's 401s
    reads_only: bool = False  # an unsafe method that writes nothing (a quote)
    idempotency_key: bool = False  # the route requires an Idempotency-Key header
    commerce: bool = False  # the row needs orders, payments, cards and a cart in the world
    fulfillment: bool = False  # the row needs orders to ship, edits, packages, photos
    returns: bool = False  # the row needs delivered orders with return requests
    disputes: bool = False  # the fulfilment world also holds delivered orders with disputes


def _shop_ids(shop: ShopFixture) -> dict[str, int]:
    return {
        "shop_id": shop.id,
        "warehouse_id": shop.warehouse_id,
        "product_id": shop.product_id,
        "sku_id": shop.sku_id,
    }


def default_ids(world: MatrixWorld, caller: str, scope: str) -> dict[str, int | str]:
    user = world.user_for(caller, scope)
    ids: dict[str, int | str] = {
        **_shop_ids(world.shop(scope)),
        "user_id": user.id,
        "token_id": world.spare_tokens[user.id],
        "webhook_id": world.webhooks[scope],
        "delivery_id": world.deliveries[scope],
    }
    if world.partner is not None:
        ids["authorization_id"] = world.partner.authorizations[scope]
    if world.commerce is not None:
        ids["order_id"] = world.commerce.orders[scope]
        ids["payment_id"] = world.commerce.payments[scope]
        ids["method_id"] = world.commerce.cards[scope]
    if (f := world.fulfillment) is not None:
        ids["order_id"] = f.open_orders[scope]
        ids["package_id"] = f.packages[scope]
        ids["file_id"] = f.photos[scope]
        ids["carrier"] = mf.CARRIER
        if f.disputes:
            ids["dispute_id"] = f.disputes[scope]
    return ids


def _cross_shop(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    return {"warehouse_id": world.other_shop(scope).warehouse_id}


def _token_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "matrix"}
    if scope == "foreign":
        body["user_id"] = str(world.seller_b.id)
    return body


def _shop_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "New shop", "region": "US", "currency": "USD"}
    if scope == "foreign":  # a shop owned by somebody else
        body["owner_user_id"] = str(world.seller_b.id)
    elif caller == "admin":  # an admin must always name the owner
        body["owner_user_id"] = str(world.callers["seller"].id)
    return body


WAREHOUSE_BODY = {
    "name": "Second DC",
    "address_line1": "2 Dock Rd",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97201",
    "country": "US",
}
SKU_BODY = {"seller_sku": "MATRIX-NEW", "name": "Matrix tee", "price": "12.50"}
SHIPPING_PROFILE_BODY = {
    "name": "Matrix standard",
    "min_days": 2,
    "max_days": 5,
    "rates": [{"zone": "*", "max_weight_grams": None, "fee": 499}],
}
WINDOW = {"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}
VOUCHER_BODY = {"code": "MATRIX10", "currency": "USD", "percent_off": 10, "max_discount": 500}


def _checkout_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    """One unit of the scope's shop SKU, paid with the buyer's default card."""
    return {
        "items": [{"sku_id": str(world.shop(scope).sku_id), "quantity": 1}],
        "shipping_address": ADDRESS,
    }


def _card_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    return {
        "type": "CARD",
        "card_number": "5555555555554444",
        "exp_month": 12,
        "exp_year": utcnow().year + 3,
        "cvc": "123",
    }


def _const(value: Any) -> Builder:
    return lambda world, caller, scope: value


# Fulfilment and order changes (the world of ``matrix_fulfillment``): by default the scope's
# open order (awaiting shipment), its shipped package and the package's photo.
NEW_ADDRESS = {**ADDRESS, "address_line1": "3 Oak St"}  # same city: same shipping and tax
NEW_TRACKING = sx(10)  # a ship-by-seller number no package has yet


def _edited(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    """The scope's order with a PROPOSED edit, and the edit."""
    return {"order_id": world.ful.edited_orders[scope], "edit_id": world.ful.edits[scope]}


def _shipped(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    return {"order_id": world.ful.shipped_orders[scope]}


def _proposal(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    """One more unit of the SKU the open order holds."""
    return {
        "changes": [{"action": "ADD", "sku_id": str(world.shop(scope).sku_id)}],
        "note": "matrix",
    }


def _ship_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    return {
        "order_ids": [str(world.ful.open_orders[scope])],
        "shipping_type": "SELLER",
        "provider_code": mf.CARRIER,
        "tracking_number": NEW_TRACKING,
        "sim_scenario": "never_collected",
    }


def _upload_body(world: MatrixWorld, caller: str, scope: str) -> bytes:
    return mf.tracking_csv(world.ful.open_orders[scope], NEW_TRACKING)


def _stock_csv(world: MatrixWorld, caller: str, scope: str) -> bytes:
    shop = world.shop(scope)
    return f"sku_id,warehouse_id,quantity\n{shop.sku_id},{shop.warehouse_id},7\n".encode()


def _labels_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    return {"package_ids": [str(world.ful.packages[scope])], "kind": "LABEL"}


def _mixed_labels_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    return {"package_ids": [str(world.ful.packages[s]) for s in SCOPES], "kind": "LABEL"}


def _carrier_body(world: MatrixWorld, caller: str, scope: str) -> bytes:
    return mf.carrier_batch(world.ful, scope)


def _signed(secret: str | None) -> Builder:
    """Headers signing the carrier batch with ``secret`` (None: the carrier's own)."""

    def headers(world: MatrixWorld, caller: str, scope: str) -> dict[str, str]:
        raw = _carrier_body(world, caller, scope)
        return mf.signature_header(secret or world.ful.webhook_secret, raw)

    return headers


def _cancellation(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    """The buyer's pending cancellation request of the scope's edited order."""
    return {"cancel_id": world.ful.cancellations[scope]}


def _delivered(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
    """The scope's delivered order (its open dispute is the default ``dispute_id``)."""
    return {"order_id": world.ful.delivered_orders[scope]}


def _new_claim(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    """A buyer-protection claim on the delivered order's line no dispute holds yet."""
    line = str(world.ful.free_lines[scope])
    return {"kind": "BUYER_PROTECTION", "reason": "WRONG_ITEM", "line_item_ids": [line]}


# Returns (the world of ``matrix_returns``): each scope's delivered order and its requests.
def _return_of(kind: str) -> Builder:
    def ids(world: MatrixWorld, caller: str, scope: str) -> dict[str, int]:
        found: dict[str, int] = getattr(world.rets, kind)
        return {"return_id": found[scope], "order_id": world.rets.orders[scope]}

    return ids


def _new_return(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    line = str(world.rets.free_lines[scope])
    return {"return_type": "REFUND", "reason": "DAMAGED", "line_item_ids": [line]}


def _calculate_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    return {
        "order_id": str(world.rets.orders[scope]),
        "line_item_ids": [str(world.rets.free_lines[scope])],
        "request_type": "REFUND",
        "reason": "DAMAGED",
    }


def _authorize_body(world: MatrixWorld, caller: str, scope: str) -> dict[str, Any]:
    assert world.partner is not None
    return {"app_key": world.partner.app_key}


REQUESTS: dict[RowKey, RequestSpec] = {
    **mc.requests(RequestSpec, lambda world: world.promotions),
    **md.requests(RequestSpec, lambda world: world.deals),
    **ms.requests(RequestSpec, lambda world: world.social, lambda world: world.partner.app_key),
    **mconv.requests(RequestSpec, lambda world: world.conversations),
    **mnote.requests(RequestSpec, lambda world: world.notifications),
    **msup.requests(RequestSpec, lambda world: world.support),
    ("POST", "/api/v1/apps", ""): RequestSpec(body=_const(mp.APP_BODY)),
    ("POST", "/api/v1/shops/{shop_id}/app-authorizations", ""): RequestSpec(body=_authorize_body),
    ("POST", "/api/v1/shops/{shop_id}/webhooks", ""): RequestSpec(body=_const(mw.CREATE_BODY)),
    ("PATCH", "/api/v1/shops/{shop_id}/webhooks/{webhook_id}", ""): RequestSpec(
        body=_const(mw.UPDATE_BODY)
    ),
    ("POST", "/api/v1/shops/{shop_id}/webhooks/{webhook_id}/rotate-secret", ""): RequestSpec(
        body=_const(mw.ROTATE_BODY)
    ),
    ("POST", "/api/v1/shops/{shop_id}/webhooks/{webhook_id}/replay", ""): RequestSpec(
        body=_const(mw.REPLAY_BODY)
    ),
    ("POST", "/api/v1/shops/{shop_id}/webhooks/{webhook_id}/test", ""): RequestSpec(
        body=_const({})
    ),
    ("POST", "/api/v1/shops/{shop_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", ""): (
        RequestSpec(body=_const({}))
    ),
    ("POST", "/api/v1/users", ""): RequestSpec(
        body=_const({"email": "new.user@matrix.dev", "name": "New User", "role": "seller"})
    ),
    ("POST", "/api/v1/tokens", ""): RequestSpec(body=_token_body),
    ("GET", "/api/v1/tokens", ""): RequestSpec(
        query=lambda w, c, s: {"user_id": str(w.seller_b.id)} if s == "foreign" else {}
    ),
    ("POST", "/api/v1/shops", ""): RequestSpec(body=_shop_body),
    ("PATCH", "/api/v1/shops/{shop_id}", ""): RequestSpec(body=_const({"name": "Renamed"})),
    ("PATCH", "/api/v1/shops/{shop_id}", "verified"): RequestSpec(body=_const({"verified": True})),
    ("POST", "/api/v1/shops/{shop_id}/members", ""): RequestSpec(
        body=lambda w, c, s: {"user_id": str(w.newcomer.id), "role": "STAFF"}
    ),
    ("POST", "/api/v1/shops/{shop_id}/warehouses", ""): RequestSpec(body=_const(WAREHOUSE_BODY)),
    ("PATCH", "/api/v1/warehouses/{warehouse_id}", ""): RequestSpec(
        body=_const({"name": "Renamed DC"})
    ),
    ("POST", "/api/v1/shops/{shop_id}/products", ""): RequestSpec(
        body=_const({"title": "Matrix hoodie", "skus": [SKU_BODY]})
    ),
    ("PATCH", "/api/v1/products/{product_id}", ""): RequestSpec(
        body=_const({"title": "Renamed tee"})
    ),
    ("POST", "/api/v1/products/{product_id}/skus", ""): RequestSpec(body=_const(SKU_BODY)),
    ("PATCH", "/api/v1/skus/{sku_id}", ""): RequestSpec(body=_const({"name": "Renamed"})),
    ("PUT", "/api/v1/skus/{sku_id}/stock/{warehouse_id}", ""): RequestSpec(
        body=_const({"available": 7})
    ),
    ("PUT", "/api/v1/skus/{sku_id}/stock/{warehouse_id}", "cross-shop"): RequestSpec(
        body=_const({"available": 7}), ids=_cross_shop
    ),
    ("POST", "/api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust", ""): RequestSpec(
        body=_const({"delta": 3})
    ),
    ("POST", "/api/v1/skus/{sku_id}/stock/{warehouse_id}/adjust", "cross-shop"): RequestSpec(
        body=_const({"delta": 3}), ids=_cross_shop
    ),
    ("PUT", "/api/v1/shops/{shop_id}/shipping-profiles/{service}", ""): RequestSpec(
        body=_const(SHIPPING_PROFILE_BODY), ids=_const({"service": "STANDARD"})
    ),
    ("POST", "/api/v1/skus/{sku_id}/discounts", ""): RequestSpec(
        body=_const({"discount_amount": 100, **WINDOW})
    ),
    ("PUT", "/api/v1/tax-rates/{country}/{state}", ""): RequestSpec(
        body=_const({"rate_percent": "7.25"}), ids=_const({"country": "US", "state": "IL"})
    ),
    ("POST", "/api/v1/vouchers", ""): RequestSpec(body=_const({**VOUCHER_BODY, **WINDOW})),
    ("GET", "/api/v1/cart", ""): RequestSpec(forbidden_code="buyers_only", commerce=True),
    ("PUT", "/api/v1/cart/items/{sku_id}", ""): RequestSpec(
        body=_const({"quantity": 2}), forbidden_code="buyers_only", commerce=True
    ),
    ("DELETE", "/api/v1/cart/items/{sku_id}", ""): RequestSpec(
        forbidden_code="buyers_only", commerce=True
    ),
    ("POST", "/api/v1/checkout/quote", ""): RequestSpec(
        body=_checkout_body, forbidden_code="buyers_only", reads_only=True
    ),
    ("POST", "/api/v1/checkout", ""): RequestSpec(
        body=_checkout_body, forbidden_code="buyers_only", idempotency_key=True, commerce=True
    ),
    ("GET", "/api/v1/payments/{payment_id}", ""): RequestSpec(commerce=True),
    ("POST", "/api/v1/payments/{payment_id}/retry", ""): RequestSpec(
        body=_const({}), idempotency_key=True, commerce=True
    ),
    ("POST", "/api/v1/payment-methods", ""): RequestSpec(body=_card_body),
    ("GET", "/api/v1/payment-methods", ""): RequestSpec(commerce=True),
    ("DELETE", "/api/v1/payment-methods/{method_id}", ""): RequestSpec(commerce=True),
    ("GET", "/api/v1/orders", ""): RequestSpec(commerce=True),
    ("GET", "/api/v1/orders/{order_id}", ""): RequestSpec(commerce=True),
    ("POST", "/api/v1/orders/{order_id}/cancel", ""): RequestSpec(
        body=_const({"reason": "matrix"}), commerce=True
    ),
    ("POST", "/api/v1/orders/{order_id}/review", ""): RequestSpec(
        body=_const({"decision": "CLEAR", "note": "matrix"}), commerce=True
    ),
    # 49 hours: the clock moves and the failed checkouts' unpaid orders expire.
    ("POST", "/api/v1/sandbox/clock/advance", ""): RequestSpec(
        body=_const({"hours": 49}), commerce=True
    ),
    ("POST", "/api/v1/orders/{order_id}/address", ""): RequestSpec(
        body=_const(NEW_ADDRESS), fulfillment=True
    ),
    ("GET", "/api/v1/orders/{order_id}/edits", ""): RequestSpec(ids=_edited, fulfillment=True),
    ("POST", "/api/v1/orders/{order_id}/edits", ""): RequestSpec(body=_proposal, fulfillment=True),
    ("GET", "/api/v1/orders/{order_id}/edits/{edit_id}", ""): RequestSpec(
        ids=_edited, fulfillment=True
    ),
    ("POST", "/api/v1/orders/{order_id}/edits/{edit_id}/accept", ""): RequestSpec(
        body=_const({}), ids=_edited, fulfillment=True
    ),
    ("POST", "/api/v1/orders/{order_id}/edits/{edit_id}/decline", ""): RequestSpec(
        body=_const({"reason": "matrix"}), ids=_edited, fulfillment=True
    ),
    ("POST", "/api/v1/orders/{order_id}/edits/{edit_id}/withdraw", ""): RequestSpec(
        body=_const({}), ids=_edited, fulfillment=True
    ),
    ("GET", "/api/v1/orders/{order_id}/tracking", ""): RequestSpec(ids=_shipped, fulfillment=True),
    ("GET", "/api/v1/orders/{order_id}/handover-slots", ""): RequestSpec(fulfillment=True),
    ("POST", "/api/v1/packages", ""): RequestSpec(body=_ship_body, fulfillment=True),
    ("GET", "/api/v1/packages", ""): RequestSpec(fulfillment=True),
    ("GET", "/api/v1/packages/{package_id}", ""): RequestSpec(fulfillment=True),
    ("POST", "/api/v1/packages/{package_id}/tracking", ""): RequestSpec(
        body=_const({"tracking_number": sx(11)}), fulfillment=True
    ),
    ("POST", "/api/v1/shops/{shop_id}/packages/upload", ""): RequestSpec(
        body=_upload_body, headers=_const({"Content-Type": "text/csv"}), fulfillment=True
    ),
    ("POST", "/api/v1/shops/{shop_id}/stock/upload", ""): RequestSpec(
        body=_stock_csv, headers=_const({"Content-Type": "text/csv"})
    ),
    ("GET", "/api/v1/packages/{package_id}/label", ""): RequestSpec(fulfillment=True),
    ("GET", "/api/v1/packages/{package_id}/packing-slip", ""): RequestSpec(fulfillment=True),
    ("POST", "/api/v1/packages/labels", ""): RequestSpec(
        body=_labels_body, reads_only=True, fulfillment=True
    ),
    ("POST", "/api/v1/packages/labels", "mixed"): RequestSpec(
        body=_mixed_labels_body, reads_only=True, fulfillment=True
    ),
    ("POST", "/api/v1/packages/{package_id}/photos", ""): RequestSpec(
        body=_const(JPEG), headers=_const({"Content-Type": "image/jpeg"}), fulfillment=True
    ),
    ("GET", "/api/v1/packages/{package_id}/photos", ""): RequestSpec(fulfillment=True),
    ("GET", "/api/v1/files/{file_id}", ""): RequestSpec(fulfillment=True),
    ("POST", "/api/v1/carriers/{carrier}/events", ""): RequestSpec(
        body=_carrier_body, headers=_signed(None), fulfillment=True
    ),
    ("POST", "/api/v1/carriers/{carrier}/events", "bad-signature"): RequestSpec(
        body=_carrier_body,
        headers=_signed("not-the-carrier-secret"),
        unauthenticated_code="invalid_signature",
        fulfillment=True,
    ),
    # Performance is read like the shop; only admins set the standing (shop:verify).
    ("POST", "/api/v1/shops/{shop_id}/standing", ""): RequestSpec(
        body=_const({"standing": "WARNING", "note": "matrix"})
    ),
    ("POST", "/api/v1/orders/{order_id}/cancellations", ""): RequestSpec(
        body=_const({"reason": "matrix"}), fulfillment=True
    ),
    ("POST", "/api/v1/cancellations/{cancel_id}/approve", ""): RequestSpec(
        body=_const({}), ids=_cancellation, fulfillment=True
    ),
    ("POST", "/api/v1/cancellations/{cancel_id}/reject", ""): RequestSpec(
        body=_const({"reject_reason": "matrix"}), ids=_cancellation, fulfillment=True
    ),
    ("POST", "/api/v1/cancellations/{cancel_id}/withdraw", ""): RequestSpec(
        body=_const({}), ids=_cancellation, fulfillment=True
    ),
    ("POST", "/api/v1/orders/{order_id}/seller-cancel", ""): RequestSpec(
        body=_const({"reason_code": "PRICING_ERROR"}), fulfillment=True
    ),
    ("POST", "/api/v1/orders/{order_id}/operator-cancel", ""): RequestSpec(
        body=_const({"reason": "matrix"}), fulfillment=True
    ),
    ("GET", "/api/v1/cancellations", ""): RequestSpec(fulfillment=True),
    ("GET", "/api/v1/cancellations/{cancel_id}", ""): RequestSpec(
        ids=_cancellation, fulfillment=True
    ),
    # Disputes: a claim on the delivered order's free line; the open dispute on its other line.
    ("POST", "/api/v1/orders/{order_id}/disputes", ""): RequestSpec(
        body=_new_claim, ids=_delivered, fulfillment=True, disputes=True
    ),
    ("GET", "/api/v1/disputes", ""): RequestSpec(fulfillment=True),
    ("GET", "/api/v1/disputes/{dispute_id}", ""): RequestSpec(fulfillment=True, disputes=True),
    ("POST", "/api/v1/disputes/{dispute_id}/evidence", ""): RequestSpec(
        body=_const(JPEG),
        headers=_const({"Content-Type": "image/jpeg"}),
        fulfillment=True,
        disputes=True,
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/decide", ""): RequestSpec(
        body=_const({"decision": "SUPPORT_SELLER", "note": "matrix"}),
        fulfillment=True,
        disputes=True,
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/withdraw", ""): RequestSpec(
        body=_const({"reason": "matrix"}), fulfillment=True, disputes=True
    ),
    ("GET", "/api/v1/orders/{order_id}/aftersale-eligibility", ""): RequestSpec(fulfillment=True),
    # Returns: buyers ask, ship, answer offers and withdraw (403 buyers_only for everybody
    # else); the shop's sellers and admins decide; whoever may read the order reads them.
    ("POST", "/api/v1/orders/{order_id}/returns", ""): RequestSpec(
        body=_new_return, ids=_return_of("pending"), forbidden_code="buyers_only", returns=True
    ),
    ("POST", "/api/v1/returns/calculate", ""): RequestSpec(
        body=_calculate_body, forbidden_code="buyers_only", reads_only=True, returns=True
    ),
    ("GET", "/api/v1/returns", ""): RequestSpec(returns=True),
    ("GET", "/api/v1/returns/{return_id}", ""): RequestSpec(
        ids=_return_of("pending"), returns=True
    ),
    ("GET", "/api/v1/returns/{return_id}/records", ""): RequestSpec(
        ids=_return_of("pending"), returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/approve", ""): RequestSpec(
        body=_const({"decision": "APPROVE_REFUND"}), ids=_return_of("pending"), returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/reject", ""): RequestSpec(
        body=_const({"reject_reason": "matrix"}), ids=_return_of("pending"), returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/partial-refund/accept", ""): RequestSpec(
        body=_const({}), ids=_return_of("offered"), forbidden_code="buyers_only", returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/partial-refund/decline", ""): RequestSpec(
        body=_const({}), ids=_return_of("offered"), forbidden_code="buyers_only", returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/ship", ""): RequestSpec(
        body=_const({}), ids=_return_of("awaiting"), forbidden_code="buyers_only", returns=True
    ),
    ("GET", "/api/v1/returns/{return_id}/label", ""): RequestSpec(
        ids=_return_of("awaiting"), returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/cancel", ""): RequestSpec(
        body=_const({}), ids=_return_of("pending"), forbidden_code="buyers_only", returns=True
    ),
    ("POST", "/api/v1/returns/{return_id}/evidence", ""): RequestSpec(
        body=_const(JPEG),
        headers=_const({"Content-Type": "image/jpeg"}),
        ids=_return_of("pending"),
        forbidden_code="buyers_only",
        returns=True,
    ),
    ("GET", "/api/v1/returns/{return_id}/evidence", ""): RequestSpec(
        ids=_return_of("pending"), returns=True
    ),
}


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any
    query: Any
    spec: RequestSpec = RequestSpec()
    headers: dict[str, str] = field(default_factory=dict)  # besides the caller's token

    @property
    def reads(self) -> bool:
        return self.method in READ_METHODS or self.spec.reads_only

    def describe(self) -> str:
        body = self.body
        if isinstance(body, bytes):
            body = body.decode() if body.isascii() else f"<{len(body)} bytes>"
        extra = f" headers={self.headers}" if self.headers else ""
        return f"{self.method} {self.url} query={self.query}{extra} body={body}"


def build_call(row: RowKey, world: MatrixWorld, caller: str, scope: str) -> Call:
    method, template, _ = row
    spec = REQUESTS.get(row, RequestSpec())
    ids = default_ids(world, caller, scope)
    if spec.ids is not None:
        ids.update(spec.ids(world, caller, scope))

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no value for path parameter {{{name}}} of {method} {template}"
        return str(ids[name])

    url = re.sub(r"\{(\w+)\}", fill, template)
    body = spec.body(world, caller, scope) if spec.body else None
    if method not in READ_METHODS | {"DELETE"}:
        assert body is not None, f"no request body declared in REQUESTS for {row}"
    query = spec.query(world, caller, scope) if spec.query else None
    headers = spec.headers(world, caller, scope) if spec.headers else {}
    return Call(method, url, body, query, spec, headers)


def _check(
    client: TestClient,
    db: Database,
    call: Call,
    caller: str,
    expected: int,
    world: MatrixWorld,
    before: Snapshot | None,
) -> tuple[list[str], bool, Snapshot | None]:
    """Run one call (``before``: the database now, if known). Returns the problems found,
    whether the database (or the clock, which the sandbox moves) changed, and the database
    after the call when it can stand for the next call's ``before``."""
    headers = {**world.headers(caller), **call.headers}
    key = None
    if call.spec.idempotency_key:
        key = headers["Idempotency-Key"] = uuid.uuid4().hex
    before = before if before is not None else snapshot(db)
    offset = clock.offset
    raw = call.body if isinstance(call.body, bytes) else None
    response = client.request(
        call.method,
        call.url,
        json=None if raw is not None else call.body,
        content=raw,
        params=call.query,
        headers=headers,
    )
    after = snapshot(db, key)
    changed = after != before or clock.offset != offset
    problems = []
    if response.status_code != expected:
        problems.append(f"expected {expected}, got {response.status_code}: {response.text[:300]}")
    elif expected >= 400:
        code = problem_code(response)
        wanted = {
            403: call.spec.forbidden_code,
            401: call.spec.unauthenticated_code,
            404: call.spec.not_found_code,
        }.get(expected)
        if code != (wanted or code):
            problems.append(f"expected problem code {wanted}, got {code}")
    if (expected >= 400 or call.reads) and changed:
        problems.append("the database changed although the call was a read or was refused")
    if expected < 400 and not call.reads and not changed:
        problems.append("an allowed write left the database unchanged")
    # After a keyed call the database holds its idempotency row, which ``after`` leaves out.
    return problems, changed, None if key is not None else after


def _cases(row: RowKey, world: MatrixWorld) -> Iterator[tuple[str, str, int]]:
    """(caller, scope, expected); a scope whose request equals the other's runs once."""
    for caller in (c for c in (*CALLERS, CREATOR) if (c, "own") in MATRIX[row]):
        seen: dict[str, int] = {}
        for scope in SCOPES:
            expected = MATRIX[row][caller, scope]
            call = build_call(row, world, caller, scope).describe()
            if call in seen:
                assert seen[call] == expected, (
                    f"{row}: the matrix expects {caller} own/foreign to differ but the "
                    "requests are the same; give the row a scope-dependent request in REQUESTS"
                )
                continue
            seen[call] = expected
            yield caller, scope, expected


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_authorization_matrix(
    route: RouteKey, db: Database, fclient: TestClient, files_dir: Path
) -> None:
    rows = [key for key in MATRIX if key[:2] == route]
    if not rows:
        pytest.fail(
            f"no authorization-matrix row for {route[0]} {route[1]}: "
            f"add one to MATRIX_TABLE in {__file__}"
        )
    specs = [REQUESTS.get(row, RequestSpec()) for row in rows]
    commerce = any(spec.commerce for spec in specs)
    fulfillment = any(spec.fulfillment for spec in specs)
    returns = any(spec.returns for spec in specs)
    disputes = any(spec.disputes for spec in specs)
    parts = frozenset(name for name, keys in PART_ROWS.items() if keys.intersection(rows))
    world = build_world(db, commerce, fulfillment, files_dir, returns, disputes, parts)
    client = fclient  # its files live in files_dir, never in the working directory
    initial, initial_rows = snapshot(db), table_rows(db)
    state: Snapshot | None = initial  # the database now, when known
    failures: list[str] = []
    for row in rows:
        for caller, scope, expected in list(_cases(row, world)):
            call = build_call(row, world, caller, scope)
            problems, changed, state = _check(client, db, call, caller, expected, world, state)
            label = f"{row[0]} {row[1]}{f' [{row[2]}]' if row[2] else ''} as {caller} ({scope})"
            failures += [f"{label}: {p}\n    {call.describe()}" for p in problems]
            if changed:  # start the next case from the same world
                clock.reset()
                restore(db, initial_rows)
                state = initial
    assert not failures, f"{len(failures)} authorization mismatches:\n" + "\n".join(failures)


def test_lists_show_only_visible_objects(db: Database, client: TestClient) -> None:
    world = build_world(db, with_commerce=True)
    assert world.commerce is not None
    _checkout(db, world.commerce.buyer_b, world.shop_a.sku_id)  # buyer B buys in shop A too
    a, b = str(world.shop_a.id), str(world.shop_b.id)
    expected_shops = {"seller": [a], "staff": [a], "agent": [b, a], "admin": [b, a]}
    for caller, ids in expected_shops.items():
        response = client.get("/api/v1/shops", headers=world.headers(caller))
        assert response.status_code == 200
        assert [s["id"] for s in response.json()["items"]] == ids, caller
    for caller, actor in world.callers.items():
        response = client.get("/api/v1/tokens", headers=world.headers(caller))
        assert response.status_code == 200
        owners = {t["user_id"] for t in response.json()["items"]}
        assert owners == {str(actor.id)}, caller
    with db.unit_of_work(write=False) as session:
        orders = session.execute(select(Order.id, Order.buyer_id, Order.shop_id)).all()
    newest_first = sorted(orders, reverse=True)
    buyer_id, shop_a = world.callers["buyer"].id, world.shop_a.id
    mine = [str(o.id) for o in newest_first if o.buyer_id == buyer_id]
    in_shop_a = [str(o.id) for o in newest_first if o.shop_id == shop_a]
    every = [str(o.id) for o in newest_first]
    expected_orders = {
        "buyer": mine,
        "seller": in_shop_a,
        "staff": in_shop_a,
        "agent": every,
        "supervisor": every,
        "admin": every,
    }
    assert [len(expected_orders[c]) for c in ("buyer", "seller", "admin")] == [2, 3, 5]
    for caller, ids in expected_orders.items():
        response = client.get("/api/v1/orders", headers=world.headers(caller))
        assert response.status_code == 200
        assert [o["id"] for o in response.json()["items"]] == ids, caller


def test_package_search_shows_only_visible_packages(
    db: Database, fclient: TestClient, files_dir: Path
) -> None:
    world = build_world(db, with_fulfillment=True, files_dir=files_dir)
    own, foreign = (str(world.ful.packages[scope]) for scope in SCOPES)
    expected = {
        "buyer": [own],
        "seller": [own],
        "staff": [own],
        "agent": [foreign, own],
        "supervisor": [foreign, own],
        "admin": [foreign, own],
    }
    for caller, ids in expected.items():
        response = fclient.get("/api/v1/packages", headers=world.headers(caller))
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["items"]] == ids, caller
    # Filtering on an order does not widen the search: buyer B sees only buyer B's package.
    assert world.buyer_b is not None
    for scope, ids in {"own": [], "foreign": [foreign]}.items():
        query = {"order_id": world.ful.shipped_orders[scope]}
        response = fclient.get("/api/v1/packages", params=query, headers=world.buyer_b.headers)
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["items"]] == ids, scope
