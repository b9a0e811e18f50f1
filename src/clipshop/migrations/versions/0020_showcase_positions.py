"""showcase positions: reserved, filled in by the change that builds it (docs/creators.md)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
