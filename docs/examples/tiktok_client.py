"""A TikTok Shop seller integration written to TikTok's Partner API documentation alone (it
imports nothing of clipshop), pointed at a clipshop sandbox: the whole seller flow, one step a
line, exit status 1 on the first answer whose ``code`` is not 0.

    python3 docs/examples/tiktok_client.py --base-url http://127.0.0.1:8000 \\
        --app-key KEY --app-secret SECRET --auth-code CODE

Standard library only. See docs/tiktok-api.md, "Try it against the sandbox"."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

Json = dict[str, Any]


class ApiError(Exception):
    pass


class Client:
    def __init__(self, base_url: str, app_key: str, app_secret: str) -> None:
        self.base, self.app_key, self.secret = base_url.rstrip("/"), app_key, app_secret
        self.access_token = ""
        self.shop_cipher = ""

    def sign(self, path: str, params: dict[str, str], body: bytes) -> str:
        """TikTok's signature: path + sorted key+value pairs (not sign, not access_token)
        + the raw body, wrapped in the secret, HMAC-SHA256 keyed with the secret."""
        pairs = "".join(k + params[k] for k in sorted(params) if k not in ("sign", "access_token"))
        message = self.secret.encode() + (path + pairs).encode() + body + self.secret.encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Json:
        request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                envelope: Json = json.load(answer)
        except urllib.error.HTTPError as error:
            envelope = json.loads(error.read() or b"{}")
            envelope.setdefault("code", error.code)
        if envelope.get("code") != 0:
            raise ApiError(f"{method} {url.split('?')[0]} answered {json.dumps(envelope)}")
        data: Json = envelope.get("data") or {}
        return data

    def auth(self, path: str, **query: str) -> Json:
        """The token endpoints: not signed, the secret is a parameter."""
        params = {"app_key": self.app_key, "app_secret": self.secret, **query}
        return self._send("GET", f"{self.base}{path}?{urllib.parse.urlencode(params)}", b"", {})

    def call(
        self, method: str, path: str, body: Json | None = None, shop: bool = True, **query: str
    ) -> Json:
        params = {"app_key": self.app_key, "timestamp": str(int(time.time())), **query}
        if shop and self.shop_cipher:
            params["shop_cipher"] = self.shop_cipher
        raw = json.dumps(body).encode() if body is not None else b""
        params["sign"] = self.sign(path, params, raw)
        headers = {"content-type": "application/json", "x-tts-access-token": self.access_token}
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        return self._send(method, url, raw, headers)


def step(name: str, text: str) -> None:
    print(f"{name:<24} {text}", flush=True)


def tokens(c: Client, auth_code: str) -> None:
    got = c.auth("/api/v2/token/get", auth_code=auth_code, grant_type="authorized_code")
    step("token", f"seller {got['seller_name']!r}, {len(got['granted_scopes'])} scopes")
    again = c.auth(
        "/api/v2/token/refresh", refresh_token=got["refresh_token"], grant_type="refresh_token"
    )
    c.access_token = again["access_token"]
    step("refresh", f"new access token, expires at {again['access_token_expire_in']}")


def shops(c: Client, cipher: str | None) -> None:
    found = c.call("GET", "/authorization/202309/shops", shop=False)["shops"]
    shop = next((s for s in found if s["cipher"] == cipher), found[0]) if cipher else found[0]
    c.shop_cipher = shop["cipher"]
    step("authorized shops", f"{len(found)}; using {shop['name']!r} ({shop['cipher']})")


def all_orders(c: Client) -> list[Json]:
    orders: list[Json] = []
    pages, token, total = 0, "", 0
    while True:
        query = {"page_size": "2", **({"page_token": token} if token else {})}
        page = c.call("POST", "/order/202309/orders/search", {}, **query)
        orders += page["orders"]
        pages, total, token = pages + 1, page["total_count"], page["next_page_token"]
        if not token:
            break
    if len(orders) != total:
        raise ApiError(f"orders search: {len(orders)} orders on {pages} pages, total {total}")
    statuses: dict[str, int] = {}
    for order in orders:
        statuses[order["status"]] = statuses.get(order["status"], 0) + 1
    step("orders search", f"{total} orders on {pages} pages of 2: {statuses}")
    return orders


def detail(c: Client, orders: list[Json]) -> list[Json]:
    ids = ",".join(o["id"] for o in orders[:50])
    found: list[Json] = c.call("GET", "/order/202309/orders", ids=ids)["orders"]
    lines = sum(len(o["line_items"]) for o in found)
    step("order detail", f"{len(found)} orders, {lines} line items")
    return found


def provider(c: Client, order: Json, wanted: str) -> str:
    warehouses = c.call("GET", "/logistics/202309/warehouses")["warehouses"]
    home = next((w for w in warehouses if w["is_default"]), warehouses[0])
    path = f"/logistics/202309/warehouses/{home['id']}/delivery_options"
    options = c.call("GET", path)["delivery_options"]
    option = next(o for o in options if o["id"] == order.get("delivery_option_id", o["id"]))
    path = f"/logistics/202309/delivery_options/{option['id']}/shipping_providers"
    providers = c.call("GET", path)["shipping_providers"]
    ids = [p["id"] for p in providers]
    step(
        "logistics",
        f"{len(warehouses)} warehouses, {len(options)} delivery options, "
        f"{option['id']} carried by {', '.join(ids)}",
    )
    if wanted not in ids:
        raise ApiError(f"shipping provider {wanted} is not offered for {option['id']}: {ids}")
    return wanted


def ship(c: Client, orders: list[Json], wanted_provider: str) -> str:
    found = c.call(
        "POST",
        "/fulfillment/202309/packages/search",
        {"package_status": "PROCESSING"},
        page_size="50",
    )["packages"]
    pending = [p for p in found if not p.get("tracking_number")]
    step("packages search", f"{len(found)} PROCESSING, {len(pending)} not shipped yet")
    asked = {o["id"] for o in orders if o.get("is_buyer_request_cancel")}
    ready = [p for p in pending if not {o["id"] for o in p["orders"]} & asked]
    if not ready:
        raise ApiError("no package waiting to ship (without a buyer's cancellation request)")
    package = ready[0]
    order_id = package["orders"][0]["id"]
    order = next(o for o in orders if o["id"] == order_id)
    carrier = provider(c, order, wanted_provider)
    number = f"TT{order_id[-8:]}{int(time.time()) % 100000:05d}"
    body = {"self_shipment": {"tracking_number": number, "shipping_provider_id": carrier}}
    c.call("POST", f"/fulfillment/202309/packages/{package['id']}/ship", body)
    after = c.call("GET", "/order/202309/orders", ids=order_id)["orders"][0]
    step("ship", f"package {package['id']} by {carrier}, {number}: order now {after['status']}")
    return order_id


def tracking(c: Client, orders: list[Json], shipped: str) -> None:
    moving = [o["id"] for o in orders if o["status"] == "IN_TRANSIT"][:1]
    for order_id in [shipped, *moving]:
        events = c.call("GET", f"/fulfillment/202309/orders/{order_id}/tracking")["tracking"]
        latest = events[0]["description"] if events else "no carrier events yet"
        step("tracking", f"order {order_id}: {len(events)} events, latest: {latest}")


def returns(c: Client) -> None:
    pending = {"return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"]}
    found = c.call("POST", "/return_refund/202309/returns/search", pending, page_size="10")
    step("returns search", f"{found['total_count']} pending")
    if not found["return_orders"]:
        raise ApiError("no pending return to approve")
    ret = found["return_orders"][0]
    decision = "APPROVE_REFUND" if ret["return_type"] == "REFUND" else "APPROVE_RETURN"
    path = f"/return_refund/202309/returns/{ret['return_id']}/approve"
    key = f"approve-{ret['return_id']}"
    c.call("POST", path, {"decision": decision}, idempotency_key=key)
    c.call("POST", path, {"decision": decision}, idempotency_key=key)  # a retry: acts once
    again = c.call(
        "POST",
        "/return_refund/202309/returns/search",
        {"return_ids": [ret["return_id"]]},
        page_size="10",
    )["return_orders"][0]
    step("approve return", f"{ret['return_id']} ({decision}): now {again['return_status']}")


def cancellations(c: Client) -> None:
    pending = {"cancel_status": ["CANCELLATION_REQUEST_PENDING"]}
    found = c.call("POST", "/return_refund/202309/cancellations/search", pending, page_size="10")
    step("cancellations search", f"{found['total_count']} pending")
    if not found["cancellations"]:
        raise ApiError("no pending cancellation to approve")
    cancel_id = found["cancellations"][0]["cancel_id"]
    path = f"/return_refund/202309/cancellations/{cancel_id}/approve"
    c.call("POST", path, {}, idempotency_key=f"approve-{cancel_id}")
    again = c.call(
        "POST",
        "/return_refund/202309/cancellations/search",
        {"cancel_ids": [cancel_id]},
        page_size="10",
    )["cancellations"][0]
    step("approve cancellation", f"{cancel_id}: now {again['cancel_status']}")


def products(c: Client, orders: list[Json]) -> None:
    found = c.call(
        "POST", "/product/202309/products/search", {"status": "ACTIVATE"}, page_size="20"
    )
    sold = {line["product_id"] for o in orders for line in o["line_items"]}
    product = next(p for p in found["products"] if p["id"] in sold)
    sku = product["skus"][0]
    step(
        "products search",
        f"{found['total_count']} active; {product['title']!r} is on an order line",
    )
    level = sku["inventory"][0]
    quantity = level["quantity"] + 5
    stock = {
        "id": sku["id"],
        "inventory": [{"warehouse_id": level["warehouse_id"], "quantity": quantity}],
    }
    path = f"/product/202309/products/{product['id']}"
    c.call("POST", f"{path}/inventory/update", {"skus": [stock]})
    amount = "18.49" if sku["price"]["sale_price"] != "18.49" else "19.99"
    price = {"amount": amount, "currency": sku["price"]["currency"]}
    c.call("POST", f"{path}/prices/update", {"skus": [{"id": sku["id"], "price": price}]})
    fresh = next(s for s in c.call("GET", path)["skus"] if s["id"] == sku["id"])
    held = next(i for i in fresh["inventory"] if i["warehouse_id"] == level["warehouse_id"])
    step("inventory update", f"{sku['seller_sku']}: {level['quantity']} -> {held['quantity']}")
    step(
        "price update",
        f"{sku['seller_sku']}: {sku['price']['sale_price']} -> {fresh['price']['sale_price']}",
    )


def webhooks(c: Client, address: str) -> None:
    body = {"address": address, "event_type": "ORDER_STATUS_CHANGE"}
    c.call("PUT", "/event/202309/webhooks", body)
    found = c.call("GET", "/event/202309/webhooks")["webhooks"]
    mine = [w for w in found if w["address"] == address]
    step("webhooks", f"{len(found)} registered; ORDER_STATUS_CHANGE -> {mine[0]['address']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--app-key", required=True)
    parser.add_argument("--app-secret", required=True)
    parser.add_argument("--auth-code", required=True, help="single use, 10 minutes")
    parser.add_argument("--shop-cipher", help="default: the first authorized shop")
    parser.add_argument("--provider", default="OTHER", help="shipping provider id to ship with")
    parser.add_argument(
        "--webhook-address",
        default="http://127.0.0.1:9/tiktok/events",
        help="where events go (loopback: the server needs CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK)",
    )
    parser.add_argument("--skip-webhooks", action="store_true", help="no event/webhooks step")
    args = parser.parse_args(argv)
    c = Client(args.base_url, args.app_key, args.app_secret)
    try:
        tokens(c, args.auth_code)
        shops(c, args.shop_cipher)
        orders = detail(c, all_orders(c))
        shipped = ship(c, orders, args.provider)
        tracking(c, orders, shipped)
        returns(c)
        cancellations(c)
        products(c, orders)
        if not args.skip_webhooks:
            webhooks(c, args.webhook_address)
    except (ApiError, KeyError, StopIteration, IndexError) as error:
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("the whole seller flow passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
