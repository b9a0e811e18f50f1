"""partner creators: reserved, filled in by the change that builds it (docs/tiktok-api.md)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
