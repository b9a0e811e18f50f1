"""The declarative base and shared column types, owned by ``core`` (``core/orm.py``) so that the
kernel's own tables (idempotency keys) need nothing above it; re-exported for the table modules."""

from clipshop.core.orm import NAMING, Base, CreatedMixin, IdMixin, UTCDateTime

__all__ = ["NAMING", "Base", "CreatedMixin", "IdMixin", "UTCDateTime"]
