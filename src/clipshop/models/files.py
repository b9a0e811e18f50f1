"""Files kept through the storage interface (``core/storage.py``): handover photos and proof of
delivery (fulfillment), return and dispute evidence (after-sales). The bytes are in the store;
a row names them, their owner and their digest."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin


class StoredFile(IdMixin, CreatedMixin, Base):
    """A file kept through the storage interface: handover photos, proof of delivery, return
    and dispute evidence. ``owner_kind`` + ``owner_id`` say what it belongs to."""

    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_owner", "owner_kind", "owner_id"),)

    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    # HANDOVER_PHOTO, PROOF_OF_DELIVERY, RETURN_EVIDENCE or DISPUTE_EVIDENCE
    owner_kind: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None]
