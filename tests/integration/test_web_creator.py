"""Affiliate selling on the pages over plain HTTP, on both databases: a seller opens a product
and invites a creator (a bad rate refused); the creator accepts, showcases the product, hosts a
live of its showcase, and reads only its own earnings statement and CSV; the shop sees the
commission on its orders."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import AffiliateInvitation, AffiliateOffer
from tests.conftest import World, make_actor
from tests.fulfillment_support import paid_orders
from tests.web_support import PASSWORD, page_code, session_token, sign_in


def _post(client: TestClient, path: str, **form: Any) -> Any:
    body = {"csrf_token": session_token(client), **form}
    return client.post(path, data=body, follow_redirects=False)


def _sign_out(client: TestClient) -> None:
    client.post("/signout", data={"csrf_token": session_token(client)})


def _offers(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(AffiliateOffer)) or 0)


def test_seller_opens_and_invites_and_the_creator_sells_and_earns(
    client: TestClient, web: World, db: Database
) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev", password=PASSWORD)
    other = make_actor(db, Role.CREATOR, "other.creator@test.dev", password=PASSWORD)
    shop, product = web.shop_a, web.shop_a.product_id
    sign_in(client, "seller.a@test.dev")
    bad = _post(client, "/center/affiliate/offers", shop_id=shop.id, product_id=product, rate="101")
    assert (bad.status_code, page_code(bad)) == (422, "invalid_rate") and _offers(db) == 0
    assert 'value="101"' in bad.text
    opened = _post(client, "/center/affiliate/offers", shop_id=shop.id, product_id=product,
                   rate="10")  # fmt: skip
    assert opened.status_code == 303
    invited = _post(client, "/center/affiliate/invitations", shop_id=shop.id,
                    product_id=product, creator_id=str(creator.id), rate="12.5")  # fmt: skip
    assert invited.status_code == 303
    page = client.get("/center/affiliate")
    assert "10.00 %" in page.text and "12.50 %" in page.text and "INVITED" in page.text
    _sign_out(client)

    assert sign_in(client, "creator@test.dev").headers["location"] == "/center/creator"
    with db.unit_of_work(write=False) as session:
        invitation = session.scalars(select(AffiliateInvitation)).one().id
    home = client.get("/center/creator")
    assert home.status_code == 200 and f'id="invitation-{invitation}"' in home.text
    assert _post(client, f"/center/creator/invitations/{invitation}/accept").status_code == 303
    again = _post(client, f"/center/creator/invitations/{invitation}/accept")
    assert (again.status_code, page_code(again)) == (409, "invitation_not_open")
    assert _post(client, "/center/creator/showcase", product_id=product).status_code == 303
    home = client.get("/center/creator")
    assert "in your showcase" in home.text and "12.50 % (targeted)" in home.text
    started = _post(client, "/center/lives", title="My picks")
    live = int(started.headers["location"].rsplit("/", 1)[1])
    assert _post(client, f"/center/lives/{live}/pins", product_id=product).status_code == 303

    paid_orders(client, web.buyer, {shop.sku_id: 2}, source={"type": "LIVE", "id": str(live)})
    statement = client.get("/center/creator")
    assert "due 2.50 USD" in statement.text  # 12.5 % of 2 x 10.00
    exported = client.get("/center/creator/statement.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["due"], r["rate_bps"], r["source_type"]) for r in rows] == [
        ("1.25", "1250", "LIVE")
    ] * 2
    _sign_out(client)

    sign_in(client, "other.creator@test.dev")
    assert "nothing earned yet" in client.get("/center/creator").text
    assert list(csv.DictReader(io.StringIO(client.get("/center/creator/statement.csv").text))) == []
    foreign = _post(client, f"/center/creator/invitations/{invitation}/decline")
    assert (foreign.status_code, page_code(foreign)) == (404, "invitation_not_found")
    assert page_code(client.get(f"/center/lives/{live}")) == "live_not_found"
    assert other.id != creator.id
    _sign_out(client)

    sign_in(client, "seller.a@test.dev")
    assert client.get("/center/affiliate").text.count("1.25 USD") == 2


def test_buyers_and_another_shop_are_refused(client: TestClient, web: World, db: Database) -> None:
    sign_in(client, "buyer@test.dev")
    assert page_code(client.get("/center/creator")) == "forbidden"
    _sign_out(client)
    sign_in(client, "seller.b@test.dev")
    assert page_code(client.get("/center/creator")) == "forbidden"
    other = client.get(f"/center/affiliate?shop_id={web.shop_a.id}")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    refused = _post(client, "/center/affiliate/offers", shop_id=web.shop_a.id,
                    product_id=web.shop_a.product_id, rate="10")  # fmt: skip
    assert refused.status_code == 404 and _offers(db) == 0
