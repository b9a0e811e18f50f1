"""Setting stock from a CSV on the seller center's inventory page, on both databases: the good
rows are set (each with its movement and ``stock.changed`` event), every bad row is shown with
its line and reason and changes nothing, a file of bad rows changes nothing at all, another
shop's SKU is unknown, a bad file is refused whole, a post without the CSRF token is refused."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World
from tests.integration.checkout_api import API, ok, stock
from tests.integration.test_stock_events import stock_moves
from tests.integration.test_web_center_stock import _token
from tests.web_support import page_code, sign_in


def _import(client: TestClient, web: World, text: str, token: bool = True) -> Any:
    data = {"shop_id": str(web.shop_a.id), **(_token(client) if token else {})}
    files = {"file": ("stock.csv", text.encode(), "text/csv")}
    return client.post("/center/stock/import", data=data, files=files)


def _rows(html: str) -> list[tuple[int, str]]:
    """(line, the result cell's code or 'OK') of each row of the import's result table."""
    table = html.split('class="orders stock-rows"')[1].split("</table>")[0]
    found = re.findall(r"<tr><td>(\d+)</td>.*?<td>(.*?)</td></tr>", table, re.S)
    out = []
    for line, cell in found:
        code = re.search(r'data-code="([^"]+)"', cell)
        out.append((int(line), code.group(1) if code else "OK"))
    return out


def _movements(client: TestClient, web: World, sku_id: int) -> list[dict[str, Any]]:
    moves = client.get(f"{API}/skus/{sku_id}/movements", headers=web.seller_a.headers)
    return list(ok(moves)["items"])


def test_good_rows_are_set_and_each_bad_row_is_shown_with_its_line(
    client: TestClient, db: Database, web: World
) -> None:
    shop = web.shop_a
    second = ok(
        client.post(
            f"{API}/products/{shop.product_id}/skus",
            json={"seller_sku": "ShopA-CAP", "name": "Cap", "price": "5.00"},
            headers=web.seller_a.headers,
        ),
        201,
    )
    foreign = web.shop_b
    text = (
        "seller_sku,sku_id,warehouse_id,quantity\n"
        "ShopA-TEE,,,25\n"  # 2: ok, the default warehouse
        "\n"  # 3: blank, skipped
        f",{second['id']},{shop.warehouse_id},4\n"  # 4: ok, by id
        "NOPE-1,,,5\n"  # 5: unknown SKU
        "ShopB-TEE,,,5\n"  # 6: another shop's SKU: unknown too
        f",{foreign.sku_id},,5\n"  # 7: another shop's SKU by id
        f"ShopA-TEE,,{foreign.warehouse_id},5\n"  # 8: another shop's warehouse
        "ShopA-TEE,,,-1\n"  # 9: not a quantity
        f"ShopA-TEE,{second['id']},,5\n"  # 10: code and id disagree
        "ShopA-TEE,,,5,extra\n"  # 11: too many fields
    )
    sign_in(client, "seller.a@test.dev")
    answer = _import(client, web, text)
    assert answer.status_code == 200
    assert "2 of 9 rows applied" in answer.text
    assert _rows(answer.text) == [
        (2, "OK"),
        (4, "OK"),
        (5, "not_found"),
        (6, "not_found"),
        (7, "not_found"),
        (8, "not_found"),
        (9, "invalid_quantity"),
        (10, "invalid_row"),
        (11, "invalid_row"),
    ]
    assert "no SKU &#39;NOPE-1&#39; in this shop" in answer.text
    assert "25 available in warehouse" in answer.text and "(+15)" in answer.text
    assert stock(client, web.seller_a, shop.sku_id)[0] == 25
    assert stock(client, web.seller_a, int(second["id"]))[0] == 4
    latest = _movements(client, web, shop.sku_id)[0]
    assert (latest["delta_available"], latest["reason"], latest["note"]) == (
        15,
        "SET",
        "CSV import",
    )
    sku, wh = str(shop.sku_id), str(shop.warehouse_id)
    assert stock_moves(db, shop.id)[-2:] == [
        (sku, wh, 15, 25, "SET"),
        (second["id"], wh, 4, 4, "SET"),
    ]
    assert stock(client, web.seller_b, foreign.sku_id)[0] == 10


def test_a_file_of_bad_rows_changes_nothing(client: TestClient, db: Database, web: World) -> None:
    shop = web.shop_a
    before = stock_moves(db, shop.id)
    text = (
        "seller_sku,quantity\n"
        "ShopA-TEE,3\n"  # 2 and 3: the same level twice: both refused
        "ShopA-TEE,4\n"
        "ShopB-TEE,5\n"
        "ShopA-TEE,lots\n"
    )
    sign_in(client, "seller.a@test.dev")
    answer = _import(client, web, text)
    assert answer.status_code == 200 and "0 of 4 rows applied" in answer.text
    assert _rows(answer.text) == [
        (2, "duplicate_row"),
        (3, "duplicate_row"),
        (4, "not_found"),
        (5, "invalid_quantity"),
    ]
    assert stock(client, web.seller_a, shop.sku_id)[0] == 10
    assert len(_movements(client, web, shop.sku_id)) == 1
    assert stock_moves(db, shop.id) == before


def test_a_bad_file_or_a_post_without_the_token_is_refused_whole(
    client: TestClient, db: Database, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    header = _import(client, web, "sku,qty\nShopA-TEE,3\n")
    assert (header.status_code, page_code(header)) == (422, "invalid_csv_header")
    assert "missing seller_sku or sku_id, quantity" in header.text
    empty = _import(client, web, "seller_sku,quantity\n")
    assert (empty.status_code, page_code(empty)) == (422, "invalid_csv")
    forged = _import(client, web, "seller_sku,quantity\nShopA-TEE,3\n", token=False)
    assert (forged.status_code, page_code(forged)) == (403, "csrf_failed")
    sign_in(client, "seller.b@test.dev")
    other = _import(client, web, "seller_sku,quantity\nShopA-TEE,3\n")
    assert other.status_code == 404
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 10
    assert len(stock_moves(db, web.shop_a.id)) == 1


def test_the_same_import_through_the_api(client: TestClient, web: World) -> None:
    text = f"sku_id,quantity\n{web.shop_a.sku_id},7\n{web.shop_b.sku_id},7\n"
    url = f"{API}/shops/{web.shop_a.id}/stock/upload"
    raw = {**web.seller_a.headers, "Content-Type": "text/csv"}
    body = ok(client.post(url, content=text.encode(), headers=raw))
    assert (body["total"], body["succeeded"], body["failed"]) == (2, 1, 1)
    assert [(r["line"], r["status"], r["code"]) for r in body["rows"]] == [
        (2, "OK", None),
        (3, "ERROR", "not_found"),
    ]
    assert (body["rows"][0]["available"], body["rows"][0]["delta"]) == (7, -3)
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 7
    files = {"file": ("s.csv", b"quantity\n1\n", "text/csv")}
    bad = client.post(url, files=files, headers=web.seller_a.headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_csv_header")
    foreign = client.post(
        url, content=text.encode(), headers={**web.seller_b.headers, "Content-Type": "text/csv"}
    )
    assert foreign.status_code == 404
    assert stock(client, web.seller_b, web.shop_b.sku_id)[0] == 10
