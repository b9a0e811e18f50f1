"""The affiliate module's creator routes over HTTP, signed as a client signs, on both
databases: a creator authorizes an app (user_type 1, no shops, creator scopes), works its live
room (add, top, pin, unpin, remove: the native live shows the same order) and its showcase,
lists the products open to it with their rates; seller and creator tokens never cross; a
creator without a live never reaches another creator's. Answers are validated by our models of
the reference's shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from clipshop.cli import app as cli_app
from clipshop.core.db import Database
from clipshop.core.settings import get_settings
from clipshop.identity.principal import Role
from clipshop.models import AppAuthorization, LivePin, ShowcaseItem
from clipshop.partner import affiliate_schemas as api
from clipshop.partner import errors, scopes
from clipshop.partner.affiliate_showcase import NOT_SUPPORTED
from tests.conftest import Actor, World, make_actor, problem_code
from tests.integration.checkout_api import API, ok
from tests.integration.social_support import add_product, open_offer, pinned, start_live
from tests.partner_support import PartnerClient, answer, connect, make_app, refused

V = "/affiliate/202309"


class Empty(api.PartnerData):
    pass


def creator_client(client: TestClient, db: Database, creator: Actor) -> PartnerClient:
    """An app the creator authorizes over the native API, with a token from its code."""
    key, secret = make_app(db, "Creator tool")
    made = ok(
        client.post(
            f"{API}/creators/{creator.id}/app-authorizations",
            json={"app_key": key},
            headers=creator.headers,
        ),
        201,
    )
    got = client.get(
        "/api/v2/token/get",
        params={
            "app_key": key,
            "app_secret": secret,
            "auth_code": made["auth_code"],
            "grant_type": "authorized_code",
        },
    )
    assert got.status_code == 200 and got.json()["code"] == 0, got.text
    data = got.json()["data"]
    return PartnerClient(
        client, key, secret, data["access_token"], data["refresh_token"], None, data
    )


def offer(client: TestClient, world: World, product_id: int, rate_bps: int) -> None:
    path = f"{API}/shops/{world.shop_a.id}/affiliate/offers/{product_id}"
    ok(client.put(path, json={"rate_bps": rate_bps}, headers=world.seller_a.headers))


def body(*ids: int) -> dict[str, Any]:
    return {"product_ids": [str(x) for x in ids]}


def live_order(partner: PartnerClient) -> tuple[list[int], str]:
    got = answer(partner.get(f"{V}/live_rooms/products"), api.LiveProducts)
    return [int(p.id) for p in got.products], got.pinned_product_id


def pin_rows(db: Database, live_id: str) -> list[int]:
    with db.unit_of_work(write=False) as session:
        stmt = select(LivePin.product_id).where(LivePin.live_id == int(live_id))
        return list(session.scalars(stmt.order_by(LivePin.position)))


def test_a_creator_authorizes_an_app_and_works_its_live_room(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "maya@test.dev")
    other = make_actor(db, Role.CREATOR, "noor@test.dev")
    key, _ = make_app(db, "Other tool")
    # only the creator itself authorizes: another creator 404, a seller 403
    path = f"{API}/creators/{creator.id}/app-authorizations"
    foreign = client.post(path, json={"app_key": key}, headers=other.headers)
    assert foreign.status_code == 404 and problem_code(foreign) == "creator_not_found"
    seller = client.post(path, json={"app_key": key}, headers=world.seller_a.headers)
    assert seller.status_code == 403
    mixed = client.post(
        path, json={"app_key": key, "scopes": [scopes.ORDER_INFO]}, headers=creator.headers
    )
    assert mixed.status_code == 422 and problem_code(mixed) == "unknown_scope"
    partner = creator_client(client, db, creator)
    assert partner.token_data["user_type"] == 1
    assert partner.token_data["seller_name"] == "maya"
    assert sorted(partner.token_data["granted_scopes"]) == sorted(scopes.CREATOR_ALL)
    with db.unit_of_work(write=False) as session:
        grants = session.scalars(select(AppAuthorization)).all()
        assert [(g.creator_user_id, g.shop_id, g.cipher) for g in grants] == [
            (creator.id, None, None)
        ]

    a = world.shop_a.product_id
    b, c, closed = (add_product(db, world, name) for name in ("B", "C", "Shut"))
    open_offer(client, world, 1500)
    offer(client, world, b, 1000)
    offer(client, world, c, 2500)
    no_live = partner.get(f"{V}/live_rooms")
    refused(no_live, 404, errors.NOT_FOUND)
    live = start_live(client, creator, "Friday picks", None)
    room = answer(partner.get(f"{V}/live_rooms"), api.LiveRoom)
    assert (room.id, room.status, room.title) == (live["id"], "LIVE", "Friday picks")

    added = answer(partner.post(f"{V}/live_rooms/products", body(a, b, closed, c)), api.AddResult)
    assert [(e.code, e.detail) for e in added.errors] == [
        (errors.CONFLICT, {"product_id": str(closed)})
    ]
    assert live_order(partner) == ([a, b, c], str(a))
    answer(partner.post(f"{V}/live_rooms/products/{c}/pin"), Empty)
    assert live_order(partner) == ([c, a, b], str(c))
    answer(partner.post(f"{V}/live_rooms/products/top", body(b, a)), Empty)
    assert live_order(partner) == ([b, a, c], str(b))
    native = ok(client.get(f"{API}/lives/{live['id']}", headers=creator.headers))
    assert pinned(native) == [b, a, c] == pin_rows(db, live["id"])
    listed = answer(partner.get(f"{V}/live_rooms/products"), api.LiveProducts).products
    assert [(p.commission.commission_rate if p.commission else None) for p in listed] == [
        1000,
        1500,
        2500,
    ]
    assert listed[1].status.inventory_status == "IN_STOCK"
    assert listed[0].status.inventory_status == "SOLD_OUT"  # B has no stock
    assert {p.status.added_status for p in listed} == {"ADDED"}

    answer(partner.post(f"{V}/live_rooms/products/{b}/unpin"), Empty)
    assert pinned(ok(client.get(f"{API}/lives/{live['id']}", headers=creator.headers))) == [a, c]
    # unpinning what is not in the live, or removing a list with one such: nothing changes
    refused(partner.post(f"{V}/live_rooms/products/{b}/unpin"), 404, errors.NOT_FOUND)
    refused(
        partner.call("DELETE", f"{V}/live_rooms/products", json_body=body(a, b)),
        404,
        errors.NOT_FOUND,
    )
    refused(partner.post(f"{V}/live_rooms/products/top", body(b)), 404, errors.NOT_FOUND)
    assert pin_rows(db, live["id"]) == [a, c]
    answer(partner.call("DELETE", f"{V}/live_rooms/products", json_body=body(c)), Empty)
    assert pin_rows(db, live["id"]) == [a]

    ok(client.post(f"{API}/lives/{live['id']}/end", headers=creator.headers))
    assert answer(partner.get(f"{V}/live_rooms"), api.LiveRoom).status == "ENDED"
    refused(partner.post(f"{V}/live_rooms/products", body(b)), 409, errors.CONFLICT)
    refused(partner.post(f"{V}/live_rooms/products/{a}/pin"), 409, errors.CONFLICT)
    assert live_order(partner) == ([a], str(a)) and pin_rows(db, live["id"]) == [a]

    # revoked by the creator: the token stops at once
    grant_id = grants[0].id
    gone = client.delete(f"{path}/{grant_id}", headers=creator.headers)
    assert gone.status_code == 204
    refused(partner.get(f"{V}/live_rooms"), 401, errors.INVALID_ACCESS_TOKEN)


def showcase_ids(db: Database, creator_id: int) -> list[int]:
    with db.unit_of_work(write=False) as session:
        stmt = select(ShowcaseItem.product_id).where(ShowcaseItem.creator_id == creator_id)
        return list(session.scalars(stmt.order_by(ShowcaseItem.position)))


def showcase_rows(db: Database, creator_id: int) -> list[tuple[int, int]]:
    """(product, position) of the creator's showcase rows, by position."""
    with db.unit_of_work(write=False) as session:
        stmt = select(ShowcaseItem.product_id, ShowcaseItem.position).where(
            ShowcaseItem.creator_id == creator_id
        )
        return [(p, at) for p, at in session.execute(stmt.order_by(ShowcaseItem.position))]


def test_showcase_shop_products_and_profile(client: TestClient, db: Database, world: World) -> None:
    creator = make_actor(db, Role.CREATOR, "maya@test.dev")
    partner = creator_client(client, db, creator)
    a = world.shop_a.product_id
    b, c, hidden = (
        add_product(db, world, name, price)
        for name, price in (("B", "7.50"), ("C", "3.25"), ("Never", "1.00"))
    )
    open_offer(client, world, 1500)
    offer(client, world, b, 1000)
    invite = {"product_id": str(c), "creator_id": str(creator.id), "rate_bps": 3000}
    sent = ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/affiliate/invitations",
            json=invite,
            headers=world.seller_a.headers,
        ),
        201,
    )
    accept = f"{API}/creators/{creator.id}/invitations/{sent['id']}/accept"
    ok(client.post(accept, headers=creator.headers))

    shop = answer(partner.get(f"{V}/shop_products", {"page_size": 10}), api.ShopProducts)
    assert [(p.id, p.commission.commission_rate, p.added_status) for p in shop.products] == [
        (str(c), 3000, "ADDABLE"),
        (str(b), 1000, "ADDABLE"),
        (str(a), 1500, "ADDABLE"),
    ]
    by_price = answer(
        partner.get(
            f"{V}/shop_products", {"page_size": 2, "sort_field": "PRICE", "sort_order": "1"}
        ),
        api.ShopProducts,
    )
    assert [(p.id, p.price.amount if p.price else None) for p in by_price.products] == [
        (str(c), "3.25"),
        (str(b), "7.50"),
    ]
    rest = answer(
        partner.get(
            f"{V}/shop_products",
            {
                "page_size": 2,
                "sort_field": "PRICE",
                "sort_order": "1",
                "page_token": by_price.next_page_token,
            },
        ),
        api.ShopProducts,
    )
    assert [p.id for p in rest.products] == [str(a)] and rest.next_page_token == ""
    keyword = answer(
        partner.get(f"{V}/shop_products", {"page_size": 10, "title_keyword": "b t"}),
        api.ShopProducts,
    )
    assert [p.id for p in keyword.products] == [str(b)]

    added = answer(partner.post(f"{V}/showcases/products", body(c, hidden, a)), api.AddResult)
    assert [(e.code, e.detail["product_id"]) for e in added.errors] == [
        (errors.CONFLICT, str(hidden))
    ]
    assert showcase_ids(db, creator.id) == [c, a]
    again = answer(partner.post(f"{V}/showcases/products", body(a)), api.AddResult)
    assert again.errors == [] and showcase_ids(db, creator.id) == [c, a]
    page = answer(partner.get(f"{V}/showcases/products", {"page_size": 1}), api.ShowcaseProducts)
    assert ([p.id for p in page.products], page.total_count) == ([str(c)], 2)
    assert page.products[0].commission and page.products[0].commission.commission_rate == 3000
    last = answer(
        partner.get(f"{V}/showcases/products", {"page_token": page.next_page_token}),
        api.ShowcaseProducts,
    )
    assert [p.id for p in last.products] == [str(a)] and last.next_page_token == ""
    # origin LIVE: added means in the live room
    live = start_live(client, creator, "Showcase live", None)
    answer(partner.post(f"{V}/live_rooms/products", body(a)), api.AddResult)
    from_live = answer(
        partner.get(f"{V}/showcases/products", {"origin": "LIVE"}), api.ShowcaseProducts
    )
    assert from_live.live_product_ids == [str(a)]
    assert [p.status.added_status for p in from_live.products] == ["NOT_ADDED", "ADDED"]
    assert pin_rows(db, live["id"]) == [a]
    shop = answer(partner.get(f"{V}/shop_products", {"page_size": 10}), api.ShopProducts)
    assert {p.id: p.added_status for p in shop.products} == {
        str(c): "ADDED",
        str(b): "ADDABLE",
        str(a): "ADDED",
    }

    refused(
        partner.call("DELETE", f"{V}/showcases/products", json_body=body(a, b)),
        404,
        errors.NOT_FOUND,
    )
    assert showcase_ids(db, creator.id) == [c, a]
    answer(partner.call("DELETE", f"{V}/showcases/products", json_body=body(c)), Empty)
    assert showcase_ids(db, creator.id) == [a]

    me = answer(partner.get(f"{V}/profiles"), api.Profile)
    assert me.user_name == "maya" and me.permissions == ["LIVE_STREAM_PERMISSION"]
    check = "/affiliate/202402/anchors/prerequisite_check"
    answer(partner.post(check, {"product_id": str(b)}), Empty)
    refused(partner.post(check, {"product_id": str(hidden)}), 409, errors.CONFLICT)
    refused(
        partner.post("/affiliate/202403/anchors/content_check", {"title": "x"}), 400, NOT_SUPPORTED
    )


def listed(partner: PartnerClient) -> list[int]:
    got = answer(partner.get(f"{V}/showcases/products"), api.ShowcaseProducts)
    return [int(p.id) for p in got.products]


def native_showcase(client: TestClient, creator: Actor) -> list[int]:
    found = ok(client.get(f"{API}/creators/{creator.id}/showcase", headers=creator.headers))
    return [int(p["product_id"]) for p in found]


def test_the_showcase_keeps_its_order_and_moves_products_to_the_top(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "maya@test.dev")
    partner = creator_client(client, db, creator)
    a = world.shop_a.product_id
    b, c, d, e = (add_product(db, world, name) for name in ("B", "C", "D", "E"))
    open_offer(client, world, 1500)
    for product_id in (b, c, d, e):
        offer(client, world, product_id, 1000)
    answer(partner.post(f"{V}/showcases/products", body(a, b, c)), api.AddResult)
    native = f"{API}/creators/{creator.id}/showcase"
    ok(client.post(native, json={"product_id": str(d)}, headers=creator.headers), 201)
    assert showcase_rows(db, creator.id) == [(a, 0), (b, 1), (c, 2), (d, 3)]

    # the named products first, in the order given; the others keep theirs
    answer(partner.post(f"{V}/showcases/products/top", body(c, a)), Empty)
    assert showcase_rows(db, creator.id) == [(c, 0), (a, 1), (b, 2), (d, 3)]
    assert listed(partner) == native_showcase(client, creator) == [c, a, b, d]
    moved = ok(client.post(f"{native}/{b}/top", headers=creator.headers))
    assert [int(p["product_id"]) for p in moved] == [b, c, a, d]
    assert listed(partner) == [b, c, a, d]

    # one product not in the showcase: nothing moves
    refused(partner.post(f"{V}/showcases/products/top", body(d, e)), 404, errors.NOT_FOUND)
    refused(
        partner.post(f"{V}/showcases/products/top", {"product_ids": ["x"]}),
        400,
        errors.INVALID_PARAMETER,
    )
    missing = client.post(f"{native}/{e}/top", headers=creator.headers)
    assert missing.status_code == 404 and problem_code(missing) == "showcase_item_not_found"
    assert showcase_rows(db, creator.id) == [(b, 0), (c, 1), (a, 2), (d, 3)]

    # another creator reaches neither this showcase nor its products through its own
    other = make_actor(db, Role.CREATOR, "other@test.dev")
    foreign = client.post(f"{native}/{a}/top", headers=other.headers)
    assert foreign.status_code == 404
    own = client.post(f"{API}/creators/{other.id}/showcase/{a}/top", headers=other.headers)
    assert own.status_code == 404 and problem_code(own) == "showcase_item_not_found"
    assert showcase_rows(db, creator.id) == [(b, 0), (c, 1), (a, 2), (d, 3)]

    # a removal closes the gap; a new product goes to the end
    answer(partner.call("DELETE", f"{V}/showcases/products", json_body=body(c)), Empty)
    assert showcase_rows(db, creator.id) == [(b, 0), (a, 1), (d, 2)]
    gone = client.delete(f"{native}/{b}", headers=creator.headers)
    assert gone.status_code == 204
    answer(partner.post(f"{V}/showcases/products", body(e)), api.AddResult)
    assert showcase_rows(db, creator.id) == [(a, 0), (d, 1), (e, 2)]
    assert listed(partner) == native_showcase(client, creator) == [a, d, e]


def test_two_products_never_share_a_place(client: TestClient, db: Database, world: World) -> None:
    creator = make_actor(db, Role.CREATOR, "maya@test.dev")
    open_offer(client, world, 1500)
    b = add_product(db, world, "B")
    offer(client, world, b, 1000)
    native = f"{API}/creators/{creator.id}/showcase"
    ok(
        client.post(
            native, json={"product_id": str(world.shop_a.product_id)}, headers=creator.headers
        ),
        201,
    )
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(
            ShowcaseItem(creator_id=creator.id, product_id=b, shop_id=world.shop_a.id, position=0)
        )
        session.flush()
    assert showcase_rows(db, creator.id) == [(world.shop_a.product_id, 0)]


def test_tokens_never_cross_and_lives_stay_their_creators(
    client: TestClient, db: Database, world: World
) -> None:
    maya = make_actor(db, Role.CREATOR, "maya@test.dev")
    noor = make_actor(db, Role.CREATOR, "noor@test.dev")
    seller = connect(client, db, [world.shop_a.id])
    creator = creator_client(client, db, maya)
    for method, path in (
        ("GET", f"{V}/live_rooms"),
        ("GET", f"{V}/profiles"),
        ("POST", f"{V}/showcases/products"),
        ("POST", f"{V}/live_rooms/products/1/pin"),
    ):
        got = seller.call(
            method, path, json_body=body(world.shop_a.product_id) if method == "POST" else None
        )
        refused(got, 403, errors.SCOPE_DENIED)
    refused(creator.get("/authorization/202309/shops"), 403, errors.SCOPE_DENIED)
    refused(
        creator.post("/product/202309/products/search", {}, {"page_size": 5}),
        403,
        errors.SCOPE_DENIED,
    )
    refused(creator.get("/order/202309/orders", {"ids": "1"}), 403, errors.SCOPE_DENIED)

    open_offer(client, world, 1500)
    a = world.shop_a.product_id
    live = start_live(client, noor, "Noor's live", None)
    ok(
        client.post(
            f"{API}/lives/{live['id']}/pins", json={"product_id": str(a)}, headers=noor.headers
        )
    )
    # maya has no live: noor's is never hers to read or change
    refused(creator.get(f"{V}/live_rooms"), 404, errors.NOT_FOUND)
    refused(creator.get(f"{V}/live_rooms/products"), 404, errors.NOT_FOUND)
    refused(creator.post(f"{V}/live_rooms/products/{a}/unpin"), 404, errors.NOT_FOUND)
    refused(creator.post(f"{V}/live_rooms/products", body(a)), 404, errors.NOT_FOUND)
    assert pin_rows(db, live["id"]) == [a]
    # a creator's token reaches no shop, and a shop's grant takes no creator scope
    with db.unit_of_work(write=False) as session:
        grant = session.scalars(
            select(AppAuthorization).where(AppAuthorization.creator_user_id == maya.id)
        ).one()
        assert grant.shop_id is None
    shop_grant = client.post(
        f"{API}/shops/{world.shop_a.id}/app-authorizations",
        json={"app_key": seller.app_key, "scopes": [scopes.CREATOR_LIVE]},
        headers=world.seller_a.headers,
    )
    assert shop_grant.status_code == 422 and problem_code(shop_grant) == "unknown_scope"


def test_the_cli_issues_a_creators_code(
    client: TestClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    creator = make_actor(db, Role.CREATOR, "maya@test.dev")
    key, secret = make_app(db, "CLI tool")
    monkeypatch.setenv("CLIPSHOP_DATABASE_URL", db.settings.database_url)
    get_settings.cache_clear()
    try:
        both = ["apps", "auth-code", "--app", key, "--shop", str(world.shop_a.id)]
        refusal = CliRunner().invoke(cli_app, [*both, "--creator", str(creator.id)])
        assert refusal.exit_code == 1 and "either --shop or --creator" in refusal.output
        seller = ["apps", "auth-code", "--app", key, "--creator", str(world.seller_a.id)]
        not_creator = CliRunner().invoke(cli_app, seller)
        assert not_creator.exit_code == 1 and "creator_not_found" in not_creator.output
        args = ["apps", "auth-code", "--app", key, "--creator", str(creator.id), "--json"]
        made = CliRunner().invoke(cli_app, args)
        assert made.exit_code == 0, made.output
    finally:
        get_settings.cache_clear()
    printed = json.loads(made.stdout)
    assert printed["creator_id"] == str(creator.id) and "shop_cipher" not in printed
    params = {"app_key": key, "app_secret": secret, "auth_code": printed["auth_code"]}
    got = client.get("/api/v2/token/get", params={**params, "grant_type": "authorized_code"})
    assert got.json()["code"] == 0 and got.json()["data"]["user_type"] == 1
    with db.unit_of_work(write=False) as session:
        grants = session.scalars(select(AppAuthorization)).all()
        assert [(g.creator_user_id, g.granted_by) for g in grants] == [(creator.id, creator.id)]
