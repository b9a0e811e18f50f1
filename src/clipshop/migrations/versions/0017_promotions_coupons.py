"""promotions coupons: reserved, filled in by the change that builds it (docs/promotions.md)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
