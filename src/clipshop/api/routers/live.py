"""Live sessions and short videos (docs/creators.md): a seller's for its shop, a creator's for
itself; pins in order; the report; the public read for the buyer's live page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.orm import Session

from clipshop.api.deps import DB, Caller, Paging, ProductId, id_path
from clipshop.models import LiveSession
from clipshop.social import live as lives
from clipshop.social import videos
from clipshop.social.report import report
from clipshop.social.schemas import (
    LiveOut,
    LivePage,
    LiveReportOut,
    LiveStart,
    PinIn,
    VideoIn,
    VideoOut,
    VideoPage,
)

router = APIRouter(tags=["live"])
LiveId = Annotated[int, id_path("Live session id")]
VideoId = Annotated[int, id_path("Video id")]


def _out(session: Session, live: LiveSession) -> LiveOut:
    return LiveOut.of(live, [(pin.position, p) for pin, p in lives.pins(session, live.id)])


@router.post("/lives", response_model=LiveOut, status_code=201, summary="Start a live session")
def start_live(body: LiveStart, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.start(session, caller, body.title, body.shop_id))


@router.get("/lives", response_model=LivePage, summary="Lives of your shops, or your own")
def list_lives(session: DB, caller: Caller, page: Paging) -> LivePage:
    found = lives.list_lives(session, caller, page)
    return LivePage(items=[LiveOut.of(x, []) for x in found.items], next_cursor=found.next_cursor)


@router.get("/lives/{live_id}", response_model=LiveOut, summary="A live with its pins in order")
def get_live(live_id: LiveId, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.get(session, caller, live_id))


@router.post("/lives/{live_id}/end", response_model=LiveOut, summary="End a live (once)")
def end_live(live_id: LiveId, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.end(session, caller, live_id))


@router.post(
    "/lives/{live_id}/pins",
    response_model=LiveOut,
    summary="Pin a product (or move it) at a position",
)
def pin(live_id: LiveId, body: PinIn, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.pin(session, caller, live_id, body.product_id, body.position))


@router.post(
    "/lives/{live_id}/pins/{product_id}/top",
    response_model=LiveOut,
    summary="Move a pin to the top",
)
def pin_top(live_id: LiveId, product_id: ProductId, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.pin(session, caller, live_id, product_id, 0))


@router.delete("/lives/{live_id}/pins/{product_id}", response_model=LiveOut, summary="Unpin")
def unpin(live_id: LiveId, product_id: ProductId, session: DB, caller: Caller) -> LiveOut:
    return _out(session, lives.unpin(session, caller, live_id, product_id))


@router.get(
    "/lives/{live_id}/report",
    response_model=LiveReportOut,
    summary="Orders, units, GMV, top products and orders per minute (paid orders only)",
)
def live_report(live_id: LiveId, session: DB, caller: Caller) -> LiveReportOut:
    return LiveReportOut.of(report(session, caller, live_id))


@router.get(
    "/public/lives/{live_id}",
    response_model=LiveOut,
    summary="A live and its pinned products in order, for the buyer's live page (no sign-in)",
)
def public_live(live_id: LiveId, session: DB) -> LiveOut:
    return _out(session, lives.public(session, live_id))


def _video(session: Session, video_id: int, video: object) -> VideoOut:
    out = VideoOut.model_validate(video)
    return out.model_copy(
        update={"product_ids": [p.id for p in videos.products_of(session, video_id)]}
    )


@router.post("/videos", response_model=VideoOut, status_code=201, summary="Post a short video")
def create_video(body: VideoIn, session: DB, caller: Caller) -> VideoOut:
    video = videos.create(session, caller, body.title, body.shop_id, body.product_ids)
    return _video(session, video.id, video)


@router.get("/videos", response_model=VideoPage, summary="Videos of your shops, or your own")
def list_videos(session: DB, caller: Caller, page: Paging) -> VideoPage:
    found = videos.list_videos(session, caller, page)
    items = [VideoOut.model_validate(v) for v in found.items]
    return VideoPage(items=items, next_cursor=found.next_cursor)


@router.get("/videos/{video_id}", response_model=VideoOut, summary="A video and its products")
def get_video(video_id: VideoId, session: DB, caller: Caller) -> VideoOut:
    return _video(session, video_id, videos.get(session, caller, video_id))
