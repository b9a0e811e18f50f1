"""Package photos: handover photos by the seller, proof of delivery from the carrier webhook,
downloads scoped to the shop's seller, the package's buyer and staff."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.core.storage import LocalFileStorage
from clipshop.fulfillment import photos
from clipshop.identity.principal import Role
from clipshop.models import Package, StoredFile
from tests.conftest import Actor, World, make_actor
from tests.integration.checkout_api import API, count, ok
from tests.integration.fulfillment_files_api import (
    JPEG,
    PNG,
    WEBP,
    carrier_post,
    fclient_fixture,  # noqa: F401  (fixture "fclient")
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
    files_on_disk,
    place,
    release,
    ship,
    stored_files,
    sx,
    with_card,
)
from tests.integration.native_api import refused, ts


def shipped_package(client: TestClient, world: World, n: int = 1) -> dict[str, Any]:
    with_card(client, world.buyer)
    order = place(client, world.buyer, world.shop_a)
    release(client, world.admin)
    return ship(client, world.seller_a, [order["id"]], sx(n))


def post_photo(
    client: TestClient, actor: Actor, package_id: str, data: bytes, content_type: str
) -> Any:
    return client.post(
        f"{API}/packages/{package_id}/photos",
        content=data,
        headers={"Content-Type": content_type, **actor.headers},
    )


def test_upload_list_and_download_handover_photos(
    fclient: TestClient, db: Database, world: World, files_dir: Path
) -> None:
    client = fclient
    package = shipped_package(client, world)
    pid = package["id"]

    jpeg = ok(post_photo(client, world.seller_a, pid, JPEG, "image/jpeg"), 201)
    [row] = stored_files(db)
    assert jpeg == {
        "id": str(row.id),
        "package_id": pid,
        "kind": "HANDOVER_PHOTO",
        "content_type": "image/jpeg",
        "size_bytes": len(JPEG),
        "sha256": hashlib.sha256(JPEG).hexdigest(),
        "uploaded_by": str(world.seller_a.id),
        "created_at": ts(row.created_at),
        "download_url": f"/api/v1/files/{row.id}",
    }
    assert (row.shop_id, row.owner_kind, row.owner_id) == (
        world.shop_a.id,
        "HANDOVER_PHOTO",
        int(pid),
    )
    assert row.storage_key == f"packages/{pid}/{row.id}.jpg"
    assert (files_dir / row.storage_key).read_bytes() == JPEG

    # Multipart, and a type named wrongly by the client: the bytes decide (PNG).
    response = client.post(
        f"{API}/packages/{pid}/photos",
        files={"file": ("photo.jpg", PNG, "image/jpeg")},
        headers=world.seller_a.headers,
    )
    png = ok(response, 201)
    assert (png["content_type"], png["size_bytes"]) == ("image/png", len(PNG))
    webp = ok(post_photo(client, world.seller_a, pid, WEBP, "application/octet-stream"), 201)
    assert webp["content_type"] == "image/webp"

    listed = ok(client.get(f"{API}/packages/{pid}/photos", headers=world.seller_a.headers))
    assert listed == [jpeg, png, webp]
    # The buyer of the package and staff see the same list.
    assert ok(client.get(f"{API}/packages/{pid}/photos", headers=world.buyer.headers)) == listed
    assert ok(client.get(f"{API}/packages/{pid}/photos", headers=world.agent.headers)) == listed

    for actor in (world.seller_a, world.buyer, world.agent, world.admin):
        download = client.get(f"{API}/files/{png['id']}", headers=actor.headers)
        assert download.status_code == 200
        assert download.content == PNG
        assert download.headers["content-type"] == "image/png"
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["etag"] == f'"{png["sha256"]}"'
        assert download.headers["content-disposition"] == f'inline; filename="{png["id"]}.png"'
    assert files_on_disk(files_dir) == sorted(
        Path(f"packages/{pid}/{p['id']}.{ext}")
        for p, ext in ((jpeg, "jpg"), (png, "png"), (webp, "webp"))
    )


def test_refused_uploads_store_nothing(
    fclient: TestClient, db: Database, world: World, files_dir: Path
) -> None:
    client = fclient
    pid = shipped_package(client, world)["id"]

    body = refused(
        post_photo(client, world.seller_a, pid, b"GIF89a" + bytes(50), "image/jpeg"),
        422,
        "unsupported_file_type",
    )
    assert "checked by its bytes" in body["detail"]
    refused(
        post_photo(client, world.seller_a, pid, b"%PDF-1.7 ...", "image/png"),
        422,
        "unsupported_file_type",
    )
    refused(post_photo(client, world.seller_a, pid, b"", "image/jpeg"), 422, "empty_file")
    too_big = JPEG + bytes(photos.MAX_PHOTO_BYTES + 1 - len(JPEG))
    body = refused(
        post_photo(client, world.seller_a, pid, too_big, "image/jpeg"), 413, "file_too_large"
    )
    assert body["limit"] == photos.MAX_PHOTO_BYTES
    response = client.post(
        f"{API}/packages/{pid}/photos",
        files={"file": ("big.jpg", too_big, "image/jpeg")},
        headers=world.seller_a.headers,
    )
    refused(response, 413, "file_too_large")
    response = client.post(
        f"{API}/packages/{pid}/photos",
        files={"photo": ("p.jpg", JPEG, "image/jpeg")},
        headers=world.seller_a.headers,
    )
    refused(response, 422, "invalid_multipart")
    # Exactly at the limit is accepted.
    at_limit = too_big[:-1]
    assert ok(post_photo(client, world.seller_a, pid, at_limit, "image/jpeg"), 201)[
        "size_bytes"
    ] == (photos.MAX_PHOTO_BYTES)
    assert count(db, StoredFile) == 1
    assert len(files_on_disk(files_dir)) == 1


def test_photos_of_other_shops_and_buyers_are_not_found(
    fclient: TestClient, db: Database, world: World, files_dir: Path
) -> None:
    client = fclient
    pid = shipped_package(client, world)["id"]
    photo = ok(post_photo(client, world.seller_a, pid, JPEG, "image/jpeg"), 201)
    other_buyer = make_actor(db, Role.BUYER, "other.buyer@test.dev")

    # Another shop's seller: the package does not exist for them, whatever they send.
    refused(post_photo(client, world.seller_b, pid, JPEG, "image/jpeg"), 404, "not_found")
    refused(post_photo(client, world.seller_b, pid, b"nope", "image/jpeg"), 404, "not_found")
    refused(post_photo(client, world.seller_a, "123456789", JPEG, "image/jpeg"), 404, "not_found")
    # Buyers and agents do not upload handover photos.
    refused(post_photo(client, world.buyer, pid, JPEG, "image/jpeg"), 403, "forbidden")
    refused(post_photo(client, world.agent, pid, JPEG, "image/jpeg"), 403, "forbidden")
    for actor in (world.seller_b, other_buyer):
        refused(client.get(f"{API}/packages/{pid}/photos", headers=actor.headers), 404, "not_found")
        body = refused(
            client.get(f"{API}/files/{photo['id']}", headers=actor.headers), 404, "not_found"
        )
        assert body["detail"] == "file not found"
    refused(client.get(f"{API}/files/123456789", headers=world.admin.headers), 404, "not_found")
    refused(client.get(f"{API}/files/{photo['id']}"), 401, "missing_token")
    no_token = client.post(
        f"{API}/packages/{pid}/photos", content=JPEG, headers={"Content-Type": "image/jpeg"}
    )
    refused(no_token, 401, "missing_token")
    assert count(db, StoredFile) == 1
    assert len(files_on_disk(files_dir)) == 1


def test_a_rolled_back_upload_deletes_its_file(db: Database, world: World, tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "files")
    with db.unit_of_work() as session:
        package = Package(
            id=new_id(),
            shop_id=world.shop_a.id,
            buyer_id=world.buyer.id,
            shipping_type="SELLER",
            shipping_service="STANDARD",
            provider_code="OTHER",
            tracking_number="ROLLBACK-1",
            recipient_address={},
        )
        session.add(package)
        package_id = package.id

    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        row = photos.add_handover_photo(
            session, storage, world.seller_a.principal, package_id, JPEG
        )
        assert (tmp_path / "files" / row.storage_key).read_bytes() == JPEG
        raise RuntimeError("the request failed after the upload")
    assert files_on_disk(tmp_path / "files") == []
    assert count(db, StoredFile) == 0

    with db.unit_of_work() as session:
        row = photos.add_handover_photo(session, storage, world.seller_a.principal, package_id, PNG)
    assert files_on_disk(tmp_path / "files") == [Path(row.storage_key)]


def test_proof_of_delivery_from_the_carrier_webhook(
    fclient: TestClient, db: Database, world: World, files_dir: Path
) -> None:
    client = fclient
    package = shipped_package(client, world)
    pid, number = package["id"], package["tracking_number"]
    at = utcnow()

    def event(event_id: str, kind: str, hours: int, **extra: Any) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "tracking_number": number,
            "kind": kind,
            "occurred_at": (at + timedelta(hours=hours)).isoformat(),
            **extra,
        }

    photo = base64.b64encode(JPEG).decode()
    # A photo on another kind of event, a photo that is not an image, bad base64: the whole
    # batch is refused and nothing is applied.
    for bad, code in (
        (event("e1", "IN_TRANSIT", 1, proof_photo=photo), "invalid_request"),
        (
            event("e1", "DELIVERED", 1, proof_photo=base64.b64encode(b"text").decode()),
            "unsupported_file_type",
        ),
        (event("e1", "DELIVERED", 1, proof_photo="not base64!"), "invalid_proof_photo"),
    ):
        refused(carrier_post(client, db, [event("e0", "PICKED_UP", 0), bad]), 422, code)
    seen = ok(client.get(f"{API}/packages/{pid}", headers=world.seller_a.headers))
    assert (seen["events"], seen["status"]) == ([], "PROCESSING")
    assert count(db, StoredFile) == 0

    batch = [
        event("e0", "PICKED_UP", 0),
        event("e1", "DELIVERY_FAILED", 20),
        event("e2", "DELIVERY_FAILED", 44),
        event("e3", "DELIVERED", 68, proof_photo=photo),
    ]
    result = ok(carrier_post(client, db, batch), 202)
    assert [r["result"] for r in result["results"]] == ["APPLIED"] * 4
    seen = ok(client.get(f"{API}/packages/{pid}", headers=world.buyer.headers))
    assert (seen["status"], seen["failed_attempts"]) == ("COMPLETED", 2)
    [proof] = ok(client.get(f"{API}/packages/{pid}/photos", headers=world.buyer.headers))
    assert proof["kind"] == "PROOF_OF_DELIVERY"
    assert (proof["content_type"], proof["uploaded_by"]) == ("image/jpeg", None)
    assert proof["sha256"] == hashlib.sha256(JPEG).hexdigest()
    download = client.get(f"{API}/files/{proof['id']}", headers=world.buyer.headers)
    assert (download.status_code, download.content) == (200, JPEG)

    # The carrier retries the same event: a duplicate, no second photo, no second attempt.
    again = ok(carrier_post(client, db, batch[1:]), 202)
    assert [r["result"] for r in again["results"]] == ["DUPLICATE"] * 3
    assert len(ok(client.get(f"{API}/packages/{pid}/photos", headers=world.buyer.headers))) == 1
    assert (
        ok(client.get(f"{API}/packages/{pid}", headers=world.buyer.headers))["failed_attempts"] == 2
    )
    assert len(files_on_disk(files_dir)) == 1
