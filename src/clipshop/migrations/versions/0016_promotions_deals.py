"""promotions deals: reserved, filled in by the change that builds it (docs/promotions.md)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
