"""The lives, videos and affiliate part of the authorization matrix: its rows (with an eighth
column, the creator caller), its world and the valid requests of those routes.

World, per scope: shop A's ("own") and shop B's ("foreign") live (its first product pinned),
video, open offers on both of the shop's products, and an invitation; per creator ("own": the
creator caller, "foreign": creator B) two showcased products (its shop's first, then the other
shop's first: the one the top row moves) and an app authorization. The shops' second products
are what the rows add (pins, showcase, invitations). Everything is made through the services.

Hooked into ``test_authorization_matrix`` by: ``MATRIX_TABLE + ms.ROWS``, a world field set by
``ms.build_social``, and ``ms.requests(...)`` merged into ``REQUESTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clipshop.catalog import products
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.partner.affiliate_apps import grant_for_creator
from clipshop.social import live, offers, showcase, videos
from tests.conftest import Actor, ShopFixture, make_actor

# Columns: anon buyer seller staff agent supervisor admin creator. A seller's live, video, offer
# or invitation is its shop's (a creator, like a buyer, sees none: 404; hosts only, sellers and
# creators, change a live: others 403). A creator's objects are its own: any other caller's id
# in the path is 404 (another creator's, and every other role's, admins excepted); [self]: a
# caller naming itself, so only the role decides (403 but for creators and admins). Apps:
# only the creator authorizes (every other role 403, admins too); the creator or an admin
# revokes (every other role 403). [creator]: the scope's creator's own live (no shop): the
# platform's staff read it, only its creator changes it (admins too get 404).
_TABLE = """
POST   /api/v1/lives                                                  401     403     201/404 201/404 403     403     201     403
GET    /api/v1/lives                                                  401     200     200     200     200     200     200     200
GET    /api/v1/lives/{live_id}                                        401     404     200/404 200/404 200     200     200     404
POST   /api/v1/lives/{live_id}/end                                    401     403     200/404 200/404 403     403     200     404
POST   /api/v1/lives/{live_id}/pins                                   401     403     200/404 200/404 403     403     200     404
DELETE /api/v1/lives/{live_id}/pins/{product_id}                      401     403     200/404 200/404 403     403     200     404
POST   /api/v1/lives/{live_id}/pins/{product_id}/top                  401     403     200/404 200/404 403     403     200     404
GET    /api/v1/lives/{live_id} [creator]                              401     404     404     404     200     200     200     200/404
POST   /api/v1/lives/{live_id}/pins [creator]                         401     403     404     404     403     403     404     200/404
GET    /api/v1/lives/{live_id}/report                                 401     404     200/404 200/404 200     200     200     404
GET    /api/v1/public/lives/{live_id}                                 200     200     200     200     200     200     200     200
POST   /api/v1/videos                                                 401     403     201/404 201/404 403     403     201     403
GET    /api/v1/videos                                                 401     200     200     200     200     200     200     200
GET    /api/v1/videos/{video_id}                                      401     404     200/404 200/404 200     200     200     404
PUT    /api/v1/shops/{shop_id}/affiliate/offers/{product_id}          401     403     200/404 200/404 403     403     200     403
DELETE /api/v1/shops/{shop_id}/affiliate/offers/{product_id}          401     403     200/404 200/404 403     403     200     403
GET    /api/v1/shops/{shop_id}/affiliate/offers                       401     403     200/404 200/404 200     200     200     403
POST   /api/v1/shops/{shop_id}/affiliate/invitations                  401     403     201/404 201/404 403     403     201     403
GET    /api/v1/shops/{shop_id}/affiliate/invitations                  401     403     200/404 200/404 200     200     200     403
POST   /api/v1/shops/{shop_id}/affiliate/invitations/{invitation_id}/close 401 403 200/404 200/404 403 403 200   403
GET    /api/v1/shops/{shop_id}/affiliate/commissions                  401     403     200/404 200/404 200     200     200     403
GET    /api/v1/creators/{creator_id}/invitations                      401     404     404     404     404     404     200     200/404
POST   /api/v1/creators/{creator_id}/invitations/{invitation_id}/accept 401     404     404     404     404     404     200     200/404
POST   /api/v1/creators/{creator_id}/invitations/{invitation_id}/decline 401     404     404     404     404     404     200     200/404
GET    /api/v1/creators/{creator_id}/products                         401     404     404     404     404     404     200     200/404
GET    /api/v1/creators/{creator_id}/showcase                         401     404     404     404     404     404     200     200/404
POST   /api/v1/creators/{creator_id}/showcase                         401     404     404     404     404     404     201     201/404
DELETE /api/v1/creators/{creator_id}/showcase/{product_id}            401     404     404     404     404     404     204     204/404
POST   /api/v1/creators/{creator_id}/showcase/{product_id}/top        401     404     404     404     404     404     200     200/404
GET    /api/v1/creators/{creator_id}/statement                        401     404     404     404     404     404     200     200/404
GET    /api/v1/creators/{creator_id}/statement [self]                 401     403     403     403     403     403     200     200
GET    /api/v1/creators/{creator_id}/statement.csv                    401     404     404     404     404     404     200     200/404
POST   /api/v1/creators/{creator_id}/app-authorizations               401     403     403     403     403     403     403     201/404
DELETE /api/v1/creators/{creator_id}/app-authorizations/{authorization_id} 401 403 403   403     403     403     204     204/404
"""  # noqa: E501
ROWS = "".join(f"{line}\n" for line in _TABLE.splitlines() if line.strip())  # after MATRIX_TABLE
RATE = 1000  # the world's open offers


@dataclass
class Social:
    """Per scope ("own", "foreign") ids of what the rows act on."""

    creators: dict[str, Actor]  # own: the creator caller; foreign: creator B
    second_products: dict[str, int]  # the shop's other product: open, neither pinned nor shown
    lives: dict[str, int]  # the shop's LIVE live, its first product pinned
    creator_lives: dict[str, int]  # the creator's own LIVE live, nothing pinned
    videos: dict[str, int]
    invitations: dict[str, int]  # the shop's invitation of the scope's creator (INVITED)
    grants: dict[str, int]  # the creator's authorization of the matrix app
    showcase_last: dict[str, int] = field(default_factory=dict)  # below the first product


def build_social(
    db: Database, creator: Actor, admin: Actor, shops: dict[str, ShopFixture], app_key: str
) -> Social:
    creators = {"own": creator, "foreign": make_actor(db, Role.CREATOR, "creator.b@matrix.dev")}
    social = Social(creators, {}, {}, {}, {}, {}, {})
    with db.unit_of_work() as session:
        for scope, shop in shops.items():
            seller, maker = shop.owner.principal, creators[scope]
            other, _ = products.create_product(
                session,
                admin.principal,
                shop.id,
                ProductCreate(
                    title="Second", skus=[SkuCreate(seller_sku="S2", name="S2", price="5.00")]
                ),
            )
            social.second_products[scope] = other.id
            for product_id in (shop.product_id, other.id):
                offers.set_offer(session, seller, shop.id, product_id, RATE)
            invitation = offers.invite(session, seller, shop.id, shop.product_id, maker.id, 2000)
            social.invitations[scope] = invitation.id
            showcase.add(session, maker.principal, maker.id, shop.product_id)
            started = live.start(session, seller, "Matrix live", shop.id)
            live.pin(session, seller, started.id, shop.product_id, None)
            social.lives[scope] = started.id
            social.creator_lives[scope] = live.start(session, maker.principal, "Mine", None).id
            video = videos.create(session, seller, "Matrix video", shop.id, [shop.product_id])
            social.videos[scope] = video.id
            social.grants[scope] = grant_for_creator(session, app_key, maker.id).authorization.id
        for scope, maker in creators.items():  # the other shop's first product, last in line
            last = shops["foreign" if scope == "own" else "own"].product_id
            showcase.add(session, maker.principal, maker.id, last)
            social.showcase_last[scope] = last
    return social


Builder = Callable[[Any, str, str], Any]  # (world, caller, scope) -> value


def requests(
    spec: Callable[..., Any], social_of: Callable[[Any], Social], app_key_of: Callable[[Any], str]
) -> dict[tuple[str, str, str], Any]:
    """The REQUESTS entries of these rows; ``spec``: the matrix's RequestSpec,
    ``social_of(world)``: what ``build_social`` made, ``app_key_of(world)``: the matrix app."""

    def ids(**more: Callable[[Social, str], int]) -> Builder:
        def build(world: Any, caller: str, scope: str) -> dict[str, int]:
            s = social_of(world)
            found = {
                "creator_id": s.creators[scope].id,
                "live_id": s.lives[scope],
                "video_id": s.videos[scope],
                "invitation_id": s.invitations[scope],
                "authorization_id": s.grants[scope],
            }
            return found | {name: get(s, scope) for name, get in more.items()}

        return build

    def second(s: Social, scope: str) -> int:
        return s.second_products[scope]

    def creator_live(s: Social, scope: str) -> int:
        return s.creator_lives[scope]

    def shop_id(world: Any, scope: str) -> str:
        return str(world.shop(scope).id)

    def empty(world: Any, caller: str, scope: str) -> dict[str, Any]:
        return {}

    plain = ids()
    lives, shops, creators = (
        "/api/v1/lives/{live_id}",
        "/api/v1/shops/{shop_id}",
        "/api/v1/creators",
    )
    found: dict[tuple[str, str, str], Any] = {
        ("POST", "/api/v1/lives", ""): spec(
            body=lambda w, c, s: {"title": "New live", "shop_id": shop_id(w, s)}
        ),
        ("GET", lives, ""): spec(ids=plain, not_found_code="live_not_found"),
        ("POST", f"{lives}/end", ""): spec(ids=plain, body=empty, not_found_code="live_not_found"),
        ("POST", f"{lives}/pins", ""): spec(
            ids=plain,
            body=lambda w, c, s: {"product_id": str(second(social_of(w), s)), "position": 0},
            not_found_code="live_not_found",
        ),
        ("DELETE", f"{lives}/pins/{{product_id}}", ""): spec(
            ids=plain, not_found_code="live_not_found"
        ),
        ("POST", f"{lives}/pins/{{product_id}}/top", ""): spec(
            ids=ids(product_id=second), body=empty, not_found_code="live_not_found"
        ),
        ("GET", f"{lives}/report", ""): spec(ids=plain, not_found_code="live_not_found"),
        ("GET", lives, "creator"): spec(
            ids=ids(live_id=creator_live), not_found_code="live_not_found"
        ),
        ("POST", f"{lives}/pins", "creator"): spec(
            ids=ids(live_id=creator_live),
            body=lambda w, c, s: {"product_id": str(second(social_of(w), s))},
            not_found_code="live_not_found",
        ),
        ("GET", "/api/v1/public/lives/{live_id}", ""): spec(ids=plain),
        ("POST", "/api/v1/videos", ""): spec(
            body=lambda w, c, s: {
                "title": "New video",
                "shop_id": shop_id(w, s),
                "product_ids": [str(w.shop(s).product_id)],
            }
        ),
        ("GET", "/api/v1/videos/{video_id}", ""): spec(ids=plain, not_found_code="video_not_found"),
        ("PUT", f"{shops}/affiliate/offers/{{product_id}}", ""): spec(
            body=lambda w, c, s: {"rate_bps": RATE + 500}
        ),
        ("POST", f"{shops}/affiliate/invitations", ""): spec(
            body=lambda w, c, s: {
                "product_id": str(second(social_of(w), s)),
                "creator_id": str(social_of(w).creators["own"].id),
                "rate_bps": 1500,
            }
        ),
        ("POST", f"{shops}/affiliate/invitations/{{invitation_id}}/close", ""): spec(
            ids=plain, body=empty
        ),
    }
    mine = "{creator_id}"
    for path in ("invitations", "products", "showcase", "statement", "statement.csv"):
        found["GET", f"{creators}/{mine}/{path}", ""] = spec(
            ids=plain, not_found_code="creator_not_found"
        )
    for answer in ("accept", "decline"):
        found["POST", f"{creators}/{mine}/invitations/{{invitation_id}}/{answer}", ""] = spec(
            ids=plain, body=empty, not_found_code="creator_not_found"
        )
    found["GET", f"{creators}/{mine}/statement", "self"] = spec(
        ids=lambda w, c, s: {"creator_id": w.callers.get(c, social_of(w).creators["own"]).id}
    )
    found["POST", f"{creators}/{mine}/showcase", ""] = spec(
        ids=plain,
        body=lambda w, c, s: {"product_id": str(second(social_of(w), s))},
        not_found_code="creator_not_found",
    )
    found["DELETE", f"{creators}/{mine}/showcase/{{product_id}}", ""] = spec(
        ids=plain, not_found_code="creator_not_found"
    )
    found["POST", f"{creators}/{mine}/showcase/{{product_id}}/top", ""] = spec(
        ids=ids(product_id=lambda s, scope: s.showcase_last[scope]),
        body=empty,
        not_found_code="creator_not_found",
    )
    found["POST", f"{creators}/{mine}/app-authorizations", ""] = spec(
        ids=plain,
        body=lambda w, c, s: {"app_key": app_key_of(w)},
        not_found_code="creator_not_found",
    )
    found["DELETE", f"{creators}/{mine}/app-authorizations/{{authorization_id}}", ""] = spec(
        ids=plain, not_found_code="creator_not_found"
    )
    return found
