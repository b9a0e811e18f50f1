"""Live sessions and short videos: where a social order comes from (docs/promotions.md).

A live session or a video is hosted by a seller (``shop_id`` set: the shop's own stream) or by a
creator (``shop_id`` None). Orders placed from one carry it as their ``source``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin

LIVE_STATUSES = ("LIVE", "ENDED")
SOURCE_TYPES = ("LIVE", "VIDEO", "SHOWCASE")


class LiveSession(IdMixin, CreatedMixin, Base):
    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint(f"status IN {LIVE_STATUSES!r}", name="status"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        Index("ix_live_sessions_host_user_id_id", "host_user_id", "id"),
        Index("ix_live_sessions_shop_id_id", "shop_id", "id"),
    )

    host_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="LIVE")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Video(IdMixin, CreatedMixin, Base):
    __tablename__ = "videos"
    __table_args__ = (
        Index("ix_videos_host_user_id_id", "host_user_id", "id"),
        Index("ix_videos_shop_id_id", "shop_id", "id"),
    )

    host_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    title: Mapped[str] = mapped_column(String(200))
