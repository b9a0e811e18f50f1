"""CSV upload of tracking numbers: each row applies or not; file problems refuse the file."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.fulfillment.uploads import MAX_CSV_BYTES, MAX_ROWS
from clipshop.models import OrderEvent, Package, SimCarrierStep
from tests.conftest import World
from tests.integration.checkout_api import API, count, ok
from tests.integration.fulfillment_files_api import (
    PNG,
    bad_check_digit,
    fclient_fixture,  # noqa: F401  (fixture "fclient")
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
    order_state,
    packages_in_db,
    place,
    release,
    ship,
    sim_steps,
    sp,
    sx,
    with_card,
)
from tests.integration.native_api import refused


def upload(
    client: TestClient, world: World, text: str | bytes, shop_id: int | None = None, **kw: Any
) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"{API}/shops/{shop_id or world.shop_a.id}/packages/upload",
        content=data,
        headers={"Content-Type": "text/csv", **world.seller_a.headers},
        **kw,
    )


def rows_of(body: dict[str, Any]) -> list[tuple[int, str, str | None]]:
    return [(r["row"], r["status"], r["code"]) for r in body["rows"]]


def test_mixed_rows_good_ones_apply_bad_ones_leave_nothing(
    fclient: TestClient,
    db: Database,
    world: World,
) -> None:
    client, a, b = fclient, world.shop_a, world.shop_b
    with_card(client, world.buyer)
    o1, o2, o3, o4 = (place(client, world.buyer, a) for _ in range(4))
    o5 = place(client, world.buyer, a, units=2)
    express = place(client, world.buyer, a, service="EXPRESS")
    foreign = place(client, world.buyer, b)
    release(client, world.admin)
    on_hold = place(client, world.buyer, a)  # still in its remorse window
    taken = ship(client, world.seller_b, [foreign["id"]], sx(900))["tracking_number"]
    assert taken == sx(900)

    watched = [o2, o3, o4, express, foreign, on_hold]
    before = {o["id"]: order_state(db, o["id"]) for o in watched}
    split_line = o5["line_items"][1]["id"]
    csv_text = (
        "order_id,provider_code,tracking_number,line_item_ids\r\n"
        f"{o1['id']},SIMEX,{sx(1)},\r\n"  # 1 ok
        f"999999,SIMEX,{sx(2)},\r\n"  # 2 unknown order
        f"{foreign['id']},SIMEX,{sx(3)},\r\n"  # 3 order of shop B
        f"{on_hold['id']},SIMEX,{sx(4)},\r\n"  # 4 ON_HOLD
        f"{o2['id']},SIMEX,{bad_check_digit(sx(5))},\r\n"  # 5 check digit
        f"{o3['id']},SIMEX,{sx(1).lower()},\r\n"  # 6 same number as row 1
        f"{o4['id']},SIMEX,{taken},\r\n"  # 7 number already in the database
        f"{express['id']},SIMPOST,{sp(6)},\r\n"  # 8 SIMPOST does not carry EXPRESS
        f"{o5['id']},simpost,{sp(7)},{split_line}\r\n"  # 9 ok: one of two items
        "\r\n"  # blank lines are skipped, not counted
        f"{o2['id']},SIMEX,{sx(8)},\r\n"  # 10 ok: row 5's order, fixed
        f"abc,SIMEX,{sx(9)},\r\n"  # 11 not an id
        f"{o3['id']},OTHER, ab-123456 ,\r\n"  # 12 ok: row 6's order, other carrier
        f"{o4['id']},SIMEX,{sx(10)}\r\n"  # 13 a field short
        f"{o4['id']},SIMEX,{sx(11)},,extra\r\n"  # 14 a field too many
        f"{o4['id']},UPS,1Z999,\r\n"  # 15 unknown provider
        f"{o4['id']},SIMEX,,\r\n"  # 16 no tracking number
        f"{o5['id']},SIMEX,{sx(12)},{split_line}\r\n"  # 17 that item already shipped
    )
    body = ok(upload(client, world, csv_text))

    assert rows_of(body) == [
        (1, "OK", None),
        (2, "ERROR", "not_found"),
        (3, "ERROR", "not_found"),
        (4, "ERROR", "order_on_hold"),
        (5, "ERROR", "invalid_tracking_number"),
        (6, "ERROR", "tracking_number_taken"),
        (7, "ERROR", "tracking_number_taken"),
        (8, "ERROR", "shipping_provider_not_allowed"),
        (9, "OK", None),
        (10, "OK", None),
        (11, "ERROR", "invalid_row"),
        (12, "OK", None),
        (13, "ERROR", "invalid_row"),
        (14, "ERROR", "invalid_row"),
        (15, "ERROR", "shipping_provider_not_allowed"),
        (16, "ERROR", "invalid_row"),
        (17, "ERROR", "line_items_not_shippable"),
    ]
    assert (body["total"], body["succeeded"], body["failed"]) == (17, 4, 13)
    # An unknown order and another shop's order read the same: nothing leaks.
    assert body["rows"][1]["message"] == "order 999999 not found in this shop"
    assert body["rows"][2]["message"] == f"order {foreign['id']} not found in this shop"
    assert body["rows"][12]["message"] == "expected 4 fields, found 3"
    assert body["rows"][13]["message"] == "expected 4 fields, found 5"
    assert body["rows"][0] == {
        "row": 1,
        "status": "OK",
        "order_id": o1["id"],
        "tracking_number": sx(1),
        "package_id": body["rows"][0]["package_id"],
        "code": None,
        "message": None,
    }
    assert all(r["package_id"] is None for r in body["rows"] if r["status"] == "ERROR")

    # Exactly these packages exist: the four good rows and shop B's own.
    assert packages_in_db(db) == {
        sx(900): ("SIMEX", "PROCESSING", b.id),
        sx(1): ("SIMEX", "PROCESSING", a.id),
        sp(7): ("SIMPOST", "PROCESSING", a.id),
        sx(8): ("SIMEX", "PROCESSING", a.id),
        "AB-123456": ("OTHER", "PROCESSING", a.id),
    }
    # The simulated carrier scripts only the good rows (OTHER has no feed).
    assert sim_steps(db) == {sx(900), sx(1), sp(7), sx(8)}

    seller = world.seller_a.headers
    for row, order, lines in ((0, o1, None), (8, o5, [split_line]), (9, o2, None)):
        package = ok(
            client.get(f"{API}/packages/{body['rows'][row]['package_id']}", headers=seller)
        )
        assert package["order_ids"] == [order["id"]]
        assert package["shipping_type"] == "SELLER"
        assert package["line_item_ids"] == (lines or [li["id"] for li in order["line_items"]])
    assert order_state(db, o1["id"])[0] == "AWAITING_COLLECTION"
    assert order_state(db, o2["id"])[0] == "AWAITING_COLLECTION"
    assert order_state(db, o3["id"])[0] == "AWAITING_COLLECTION"
    assert order_state(db, o5["id"])[0] == "PARTIALLY_SHIPPING"

    # Orders whose every row failed are exactly as they were: status and timeline.
    for order in (o4, express, foreign, on_hold):
        assert order_state(db, order["id"]) == before[order["id"]]
    assert order_state(db, on_hold["id"])[0] == "ON_HOLD"
    assert order_state(db, o4["id"])[0] == "AWAITING_SHIPMENT"
    # Orders with a failed row then a good one carry one PACKAGE_CREATED event, not two.
    for order in (o2, o3):
        kinds = [k for k, _ in order_state(db, order["id"])[1]]
        assert kinds.count("PACKAGE_CREATED") == 1


def test_multipart_upload_and_a_utf8_bom_header(
    fclient: TestClient,
    db: Database,
    world: World,
) -> None:
    client = fclient
    with_card(client, world.buyer)
    order = place(client, world.buyer, world.shop_a)
    release(client, world.admin)
    text = f"\ufeffOrder_ID , Provider_Code,TRACKING_NUMBER\n{order['id']},SIMEX,{sx(1)}\n"
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/packages/upload",
        files={"file": ("tracking.csv", text.encode(), "text/csv")},
        headers=world.seller_a.headers,
    )
    body = ok(response)
    assert rows_of(body) == [(1, "OK", None)]
    assert packages_in_db(db) == {sx(1): ("SIMEX", "PROCESSING", world.shop_a.id)}


def _refused_whole_file(
    client: TestClient, db: Database, world: World, data: str | bytes, status: int, code: str
) -> dict[str, Any]:
    before = (count(db, Package), count(db, OrderEvent), count(db, SimCarrierStep))
    body = refused(upload(client, world, data), status, code)
    assert (count(db, Package), count(db, OrderEvent), count(db, SimCarrierStep)) == before
    return body


def test_file_problems_refuse_the_whole_file(
    fclient: TestClient,
    db: Database,
    world: World,
) -> None:
    client = fclient
    with_card(client, world.buyer)
    order = place(client, world.buyer, world.shop_a)
    release(client, world.admin)
    good = f"{order['id']},SIMEX,{sx(1)}"

    body = _refused_whole_file(
        client, db, world, f"order_id,tracking_number\n{good}\n", 422, "invalid_csv_header"
    )
    assert body["missing"] == ["provider_code"]
    assert body["unknown"] == []
    # A misspelt optional column would silently ship every item: refused too.
    body = _refused_whole_file(
        client,
        db,
        world,
        f"order_id,provider_code,tracking_number,line_items\n{good},1\n",
        422,
        "invalid_csv_header",
    )
    assert body["unknown"] == ["line_items"]
    body = _refused_whole_file(
        client,
        db,
        world,
        f"order_id;provider_code;tracking_number\n{good.replace(',', ';')}\n",
        422,
        "invalid_csv_header",
    )
    assert body["detail"].endswith("(columns are separated by commas)")
    _refused_whole_file(
        client,
        db,
        world,
        f"order_id,provider_code,tracking_number,order_id\n{good},1\n",
        422,
        "invalid_csv_header",
    )
    _refused_whole_file(client, db, world, PNG, 422, "invalid_csv")
    _refused_whole_file(client, db, world, "order_id,provider\x00_code\n", 422, "invalid_csv")
    _refused_whole_file(client, db, world, "", 422, "empty_file")
    _refused_whole_file(client, db, world, "\n\n", 422, "invalid_csv")
    _refused_whole_file(
        client, db, world, "order_id,provider_code,tracking_number\n\n", 422, "invalid_csv"
    )
    _refused_whole_file(
        client, db, world, f'order_id,provider_code,tracking_number\n"{good}\n', 422, "invalid_csv"
    )
    many = "order_id,provider_code,tracking_number\n" + f"{good}\n" * (MAX_ROWS + 1)
    body = _refused_whole_file(client, db, world, many, 422, "too_many_rows")
    assert body["max_rows"] == MAX_ROWS
    huge = "order_id,provider_code,tracking_number\n" + "x" * MAX_CSV_BYTES
    body = _refused_whole_file(client, db, world, huge, 413, "file_too_large")
    assert body["limit"] == MAX_CSV_BYTES

    # Exactly MAX_ROWS rows are accepted: the first ships the order, the others find it
    # already shipped, each refused on its own.
    body = ok(
        upload(client, world, "order_id,provider_code,tracking_number\n" + f"{good}\n" * MAX_ROWS)
    )
    assert rows_of(body) == [(1, "OK", None)] + [
        (n, "ERROR", "order_not_shippable") for n in range(2, MAX_ROWS + 1)
    ]
    assert packages_in_db(db) == {sx(1): ("SIMEX", "PROCESSING", world.shop_a.id)}


def test_upload_is_scoped_to_the_callers_shop(
    fclient: TestClient,
    db: Database,
    world: World,
) -> None:
    client = fclient
    with_card(client, world.buyer)
    order_b = place(client, world.buyer, world.shop_b)
    release(client, world.admin)
    text = f"order_id,provider_code,tracking_number\n{order_b['id']},SIMEX,{sx(1)}\n"
    # Seller A posting to shop B: the shop does not exist for them.
    refused(upload(client, world, text, shop_id=world.shop_b.id), 404, "not_found")
    refused(upload(client, world, text, shop_id=123456789), 404, "not_found")
    buyer = client.post(
        f"{API}/shops/{world.shop_b.id}/packages/upload",
        content=text.encode(),
        headers={"Content-Type": "text/csv", **world.buyer.headers},
    )
    refused(buyer, 403, "forbidden")
    agent = client.post(
        f"{API}/shops/{world.shop_b.id}/packages/upload",
        content=text.encode(),
        headers={"Content-Type": "text/csv", **world.agent.headers},
    )
    refused(agent, 403, "forbidden")
    assert count(db, Package) == 0
    # Shop B's own seller ships it.
    response = client.post(
        f"{API}/shops/{world.shop_b.id}/packages/upload",
        content=text.encode(),
        headers={"Content-Type": "text/csv", **world.seller_b.headers},
    )
    assert rows_of(ok(response)) == [(1, "OK", None)]
    assert packages_in_db(db) == {sx(1): ("SIMEX", "PROCESSING", world.shop_b.id)}
