"""Evidence upload limits through the HTTP API on SQLite and PostgreSQL: a video over
``MAX_VIDEO_BYTES`` (50 MB) is 413 ``file_too_large`` however it is sent (raw with its
length, raw chunked without one, a multipart part), one of exactly 50 MB is kept; the
eleventh file of a return request or a dispute is 409 ``too_many_files``. A refused upload
keeps nothing: no stored file (row or bytes on disk), no record, no timeline event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from clipshop.aftersales.evidence import MAX_EVIDENCE_FILES, MAX_VIDEO_BYTES
from clipshop.core.db import Database
from clipshop.models import Dispute, OrderEvent
from tests.conftest import Actor, World, problem_code
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import D, Week, move_to
from tests.integration.dispute_support import claim, evidence
from tests.integration.dispute_support import delivered as delivered_pair
from tests.integration.fulfillment_files_api import (
    JPEG,
    PNG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
)
from tests.integration.native_api import snapshot
from tests.integration.returns_support import (
    RETURN_TABLES,
    delivered,
    record_events,
    request_return,
)

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
CHUNK = 1024 * 1024


def _upload(client: TestClient, actor: Actor, rid: str, **body: Any) -> Response:
    response: Response = client.post(
        f"{API}/returns/{rid}/evidence",
        headers={**actor.headers, **body.pop("headers", {})},
        **body,
    )
    return response


def _chunks(data: bytes) -> Iterator[bytes]:
    """The body as a stream (sent chunked, with no Content-Length to refuse it by)."""
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        yield bytes(view[start : start + CHUNK])


def _kept_files(files_dir: Path) -> list[Path]:
    return sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []


def _state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return snapshot(db, *RETURN_TABLES, OrderEvent, Dispute)


def test_a_video_over_the_limit_is_refused_with_413_and_nothing_is_kept(
    fclient: TestClient, db: Database, world: World, week: Week, files_dir: Path
) -> None:
    client = fclient
    order, _ = delivered(client, world, week)
    rid = request_return(client, world.buyer, order)["return_id"]
    before, on_disk = _state(db), _kept_files(files_dir)
    over = MP4_HEAD + bytes(MAX_VIDEO_BYTES + 1 - len(MP4_HEAD))  # 50 MB + 1 byte
    video = {"Content-Type": "video/mp4"}
    for how, body in (
        ("raw", {"content": over, "headers": video}),
        ("chunked", {"content": _chunks(over), "headers": video}),
        ("multipart", {"files": {"file": ("clip.mp4", over, "video/mp4")}}),
    ):
        refused = _upload(client, world.buyer, rid, **body)
        assert (refused.status_code, problem_code(refused)) == (413, "file_too_large"), how
        assert refused.json()["limit"] == MAX_VIDEO_BYTES, how
    assert _state(db) == before  # no StoredFile, no record, no timeline event
    assert _kept_files(files_dir) == on_disk  # no bytes written
    listed = client.get(f"{API}/returns/{rid}/evidence", headers=world.buyer.headers)
    assert ok(listed) == []
    assert "EVIDENCE_ADDED" not in [e for e, _, _ in record_events(client, world.buyer, rid)]

    at_limit = over[:-1]
    del over
    kept = ok(_upload(client, world.buyer, rid, content=at_limit, headers=video), 201)
    assert kept["content_type"] == "video/mp4"
    assert [p.stat().st_size for p in _kept_files(files_dir)] == [MAX_VIDEO_BYTES]


def test_the_eleventh_evidence_file_of_a_request_is_refused_and_nothing_is_kept(
    fclient: TestClient, db: Database, world: World, week: Week, files_dir: Path
) -> None:
    client = fclient
    order, _ = delivered(client, world, week)
    rid = request_return(client, world.buyer, order)["return_id"]
    photo = {"content": JPEG, "headers": {"Content-Type": "image/jpeg"}}
    for _ in range(MAX_EVIDENCE_FILES):
        ok(_upload(client, world.buyer, rid, **photo), 201)
    before, on_disk = _state(db), _kept_files(files_dir)
    assert len(on_disk) == MAX_EVIDENCE_FILES
    for body in (photo, {"files": {"file": ("clip.mp4", MP4_HEAD + bytes(64), "video/mp4")}}):
        refused = _upload(client, world.buyer, rid, **body)
        assert (refused.status_code, problem_code(refused)) == (409, "too_many_files")
        assert str(MAX_EVIDENCE_FILES) in refused.json()["detail"]
    assert _state(db) == before
    assert _kept_files(files_dir) == on_disk
    listed = client.get(f"{API}/returns/{rid}/evidence", headers=world.buyer.headers)
    assert len(ok(listed)) == MAX_EVIDENCE_FILES


def test_the_eleventh_evidence_file_of_a_dispute_is_refused_and_nothing_is_kept(
    fclient: TestClient, db: Database, world: World, week: Week, files_dir: Path
) -> None:
    client = fclient
    order, at = delivered_pair(client, world, week, units=1)
    move_to(client, world, at + D)
    line = order["line_items"][0]["id"]
    opened = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [line]), 201)
    for _ in range(MAX_EVIDENCE_FILES):
        ok(evidence(client, world.buyer, opened["id"], PNG, "image/png"), 201)
    before, on_disk = _state(db), _kept_files(files_dir)
    refused = evidence(client, world.buyer, opened["id"], PNG, "image/png")
    assert (refused.status_code, problem_code(refused)) == (409, "too_many_files")
    assert _state(db) == before
    assert _kept_files(files_dir) == on_disk
