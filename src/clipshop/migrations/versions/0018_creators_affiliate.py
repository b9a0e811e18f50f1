"""creators affiliate: reserved, filled in by the change that builds it (docs/promotions.md)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
